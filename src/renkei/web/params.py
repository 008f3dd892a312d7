"""Shared parameter types for routes: a row id in a path is a positive integer the databases can hold."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# INTEGER on PostgreSQL is 4 bytes; a larger id cannot name a row, so it is refused as input (422, in Japanese)
# before it reaches a driver that would overflow.
MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

# A fiscal year in a path: 平成元年 (1989) to 令和 years well ahead; anything else names no sheet.
FiscalYear = Annotated[int, Path(ge=1989, le=2200)]
