"""The data standard layout check of one copy (renkei.layouts), reduced to what the copy store keeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from renkei import layouts
from renkei.core.errors import Invalid, NotFound
from renkei.intermediate.schemas import CopyInput


def validate_copy(entry: CopyInput, *, on: dt.date | None = None) -> dict[str, Any]:
    """Items checked against the layout the copy names (TM, data set, 版 valid today); the data to store.

    Unknown TK codes, wrong types, missing required items and an expired 版 raise `Invalid` (several errors in one
    copy: `BatchRejected`), each naming the copy and the item. Null items keep their ReasonOfNull beside.
    """
    clean = layouts.validate_copy(
        entry.items,
        tm=entry.tm_code,
        version=entry.version,
        dataset=entry.dataset_no,
        on=on,
        record=entry.source,
    )
    return {"items": clean, "null": dict(entry.null_reasons)}


def result_columns(tm_code: str, version: str, dataset: str) -> list[str]:
    """The scalar items of a data set in layout order: the item columns of a bulk result file (none for a line
    that was never asked, or a layout this node does not know)."""
    try:
        found = layouts.load_layout(tm_code, version).dataset(dataset)
    except (NotFound, Invalid):
        return []
    if found is None:
        return []
    return [item.tk for item in found.top_level() if not item.is_group]
