"""The data standard layout check of one copy (renkei.layouts), reduced to what the copy store keeps."""

from __future__ import annotations

from typing import Any

from renkei.intermediate.schemas import CopyInput


def validate_copy(entry: CopyInput) -> dict[str, Any]:
    """Items checked against the layout the copy names (TM, data set, 版); returns the data to store."""
    return {"items": dict(entry.items), "null": dict(entry.null_reasons)}
