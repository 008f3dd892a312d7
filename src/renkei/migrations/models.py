"""Every component's tables on the one metadata Alembic compares against (add a component's models here)."""

from __future__ import annotations

import importlib

from renkei.core.db import Base

COMPONENTS_WITH_TABLES = (
    "jukinet",
    "residents",
    "addressee",
    "staff",
    "layouts",
    "hub",
    "intermediate",
    "portal",
    "governance",
    "jpki",
    "disaster",
    "certificates",
    "kiosk",
    "lgwan",
)

for _name in COMPONENTS_WITH_TABLES:
    try:
        importlib.import_module(f"renkei.{_name}.models")
    except ModuleNotFoundError as exc:  # a component without tables yet
        if exc.name not in (f"renkei.{_name}", f"renkei.{_name}.models"):
            raise

target_metadata = Base.metadata
