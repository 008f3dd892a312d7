"""What goes in and out of the intermediate server (中間サーバー): copies, queries and their outcomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# 登録削除区分 (SegmentOfRegistrationDelete): "1" registers or replaces a copy, "2" deletes it
# (docs/decisions/0040-copy-identity-and-idempotency.md).
SEGMENT_REGISTER = "1"
SEGMENT_DELETE = "2"

# 照会ステータス as the result file carries them (fidelity addendum §2; decision 0041 for the values
# other than 09 / 01, which are not published).
DETAIL_OK = "09"
DETAIL_PENDING = "01"
DETAIL_ERROR = "99"
TM_OK = "01"
TM_NO_DATA = "02"
TM_REFUSED = "09"
TM_NONE = ""


@dataclass(slots=True)
class CopyInput:
    """One 副本 registration or deletion entry, as a business system sends it (CSV row or IF_DBM entry).

    Exactly one of `integrated_number` and (`atena`, `system`) identifies the person; the server resolves a
    宛名番号 to the 団体内統合宛名番号 through the addressee system. `source` names the line or element the entry
    came from, so errors can point at it.
    """

    source: str
    record_id: str
    tm_code: str
    dataset_no: str
    dataset_record_key: str
    version: str
    segment: str = SEGMENT_REGISTER
    integrated_number: str | None = None
    atena: str | None = None
    system: str | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    items: dict[str, Any] = field(default_factory=dict)
    null_reasons: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RegistrationSummary:
    """What a 副本登録 did: counts per outcome and the entries that were refused (when skipping)."""

    created: int = 0
    replaced: int = 0
    deleted: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.replaced + self.deleted + self.unchanged

    def lines(self) -> list[str]:
        out = [
            f"新規登録 {self.created} 件 / 更新 {self.replaced} 件 / 削除 {self.deleted} 件 / 変更なし {self.unchanged} 件"
        ]
        if self.errors:
            out.append(f"エラー {len(self.errors)} 件（取り込まずに続行しました）:")
            out.extend(f"  {e}" for e in self.errors)
        return out


@dataclass(slots=True)
class QueryRequest:
    """One 情報照会 as a clerk or a bulk request line asks it (ARCHITECTURE §5 step 1)."""

    jm_code: str
    jt_code: str
    provider: str
    tm_code: str
    atena: str | None = None
    system: str | None = None
    integrated_number: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department: str = ""
    user_id: str = ""
    nondisclosure: str = "1"
    nondisclosure_until: dt.date | None = (
        None  # with "2": the day the person may see the record (decision 0096)
    )
    source: str = ""
    client_request_id: str | None = None


@dataclass(slots=True)
class QueryOutcome:
    """The state of one query as the requester sees it (status, message, the opened answer)."""

    query_id: int
    process_number: str | None
    status: str
    message: str
    detail_status: str
    tm_status: str
    integrated_number: str | None
    atena: str | None
    provider: str
    tm_code: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None = None
    copies: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""
