"""What the permission table lets one agency ask, on the wire: the rows of 別表第二 (and 主務省令) whose 情報照会者
is that agency (by its kind or its 機関コード), and the 独自利用事務 entries of its accepted 届出 in force today.

A municipality asks for its own rows only (the hub checks the caller's organisation certificate), so that the
query pages offer what the hub would admit now, and an operator's change to the table shows at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from renkei.protocol.messages import Message

Basis = Literal["table", "local_use"]


class AllowedQueriesRequest(Message):
    agency_code: str = Field(min_length=16, max_length=16, pattern=r"^[0-9]{16}$")


class AllowedQuery(Message):
    """One combination the requester may ask; an empty 事務手続コード admits every 手続 of the 事務."""

    basis: Basis  # a row of the table (番号法第19条第8号) or a 独自利用事務 entry (第19条第9号)
    item: str  # the table's 項番, or the 届出's number
    jimu_code: str
    jimu_name: str
    procedure_code: str = ""
    procedure_name: str = ""
    provider: str  # an agency kind (市町村長 …) or a 16-digit 機関コード
    tm_code: str
    tm_name: str
    valid_to: dt.date | None = None  # the last day of a 独自利用事務 entry (table rows have none)


class AllowedQueries(Message):
    agency_code: str
    kind: str  # the requester's agency kind, as the hub has it registered
    on: dt.date  # the day the 独自利用事務 entries were taken in force
    rows: list[AllowedQuery]
