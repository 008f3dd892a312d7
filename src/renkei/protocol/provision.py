"""The wire to 住基ネット全国サーバ for national bodies: 本人確認情報の提供, its disclosure, 人口移動報告.

A national body registered as a recipient asks for 本人確認情報 for one 事務 of 住民基本台帳法 別表第一, by
住民票コード or by 基本4情報, one at a time (即時提供) or as a file (一括提供). jukinet records every provision and
every refusal in a tamper-evident log; a refusal comes back as an answer (the record is kept) and the client
raises it as `Forbidden`. Decisions 0080–0082.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from renkei.core.clock import JST
from renkei.core.errors import Forbidden, Invalid
from renkei.protocol.jukinet import IdentityChange, IdentityStatus, Sex
from renkei.protocol.transport import Transport

SERVICE = "jukinet"

Method = Literal["online", "batch"]
ProvisionStatus = Literal["provided", "refused"]
# What 別表第一 lets a row hand over; 異動情報 is the change history.
Item = Literal["基本4情報", "住民票コード", "個人番号", "異動情報"]

METHOD_LABELS = {"online": "即時提供", "batch": "一括提供"}


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Affair(_Message):
    """One row of 住民基本台帳法 別表第一: who may receive, for which 事務, which items."""

    number: str
    recipient_name: str
    code: str
    name: str
    basis: str
    items: list[Item]


class Recipient(_Message):
    """A national body registered at 全国サーバ as a recipient of 機構保存本人確認情報."""

    code: str
    name: str
    affairs: list[Affair] = Field(default_factory=list)


class RecipientRegistration(_Message):
    code: str = Field(pattern=r"^[A-Z0-9]{4,16}$")
    name: str = Field(min_length=1, max_length=100)


class IdentityQuery(_Message):
    """One 照会: by 住民票コード, or by 基本4情報 (氏名, 生年月日 and 性別 at least; 住所 narrows it)."""

    ref: str = Field(default="", max_length=40)  # the recipient's own 照会番号, echoed back
    juminhyo_code: str | None = None
    name: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    address: str | None = None


class ProvisionRequest(_Message):
    recipient_code: str
    affair_code: str
    method: Method = "online"
    queries: list[IdentityQuery] = Field(min_length=1, max_length=10_000)


class ProvidedIdentity(_Message):
    """機構保存本人確認情報 as provided: only the items the 別表 row allows are filled."""

    juminhyo_code: str | None = None
    mynumber: str | None = None
    name: str
    name_kana: str
    former_surname: str | None = None
    birth_date: dt.date
    sex: Sex
    address: str
    status: IdentityStatus
    changes: list[IdentityChange] = Field(default_factory=list)


class QueryResult(_Message):
    ref: str
    found: bool
    message: str
    record_seq: int
    identity: ProvidedIdentity | None = None


class ProvisionAnswer(_Message):
    status: ProvisionStatus
    message: str
    recipient_code: str
    affair_code: str
    results: list[QueryResult]


class DisclosureEntry(_Message):
    """One line of 本人確認情報の提供状況の開示 (what the 都道府県 discloses on request)."""

    seq: int
    provided_at: dt.datetime
    method: Method
    query_kind: Literal["住民票コード", "基本4情報"]
    affair_code: str
    affair_name: str
    provider: str
    recipient_code: str
    recipient_name: str
    status: ProvisionStatus
    items: list[str]


class Disclosure(_Message):
    juminhyo_code: str
    since: dt.date
    entries: list[DisclosureEntry]


class LedgerCheck(_Message):
    log: str
    entries: int
    signed_heads: int
    unsigned_tail: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class ProvisionClient:
    """Typed calls for national bodies and the disclosure window."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def affairs(self) -> list[Affair]:
        answer = self._transport.call(SERVICE, "provision_affairs", {})
        return [Affair.model_validate(a) for a in answer["affairs"]]

    def register_recipient(self, registration: RecipientRegistration) -> Recipient:
        answer = self._transport.call(SERVICE, "register_recipient", registration.model_dump(mode="json"))
        return Recipient.model_validate(answer)

    def recipients(self) -> list[Recipient]:
        answer = self._transport.call(SERVICE, "recipients", {})
        return [Recipient.model_validate(r) for r in answer["recipients"]]

    def provide(self, request: ProvisionRequest, *, raise_refusal: bool = True) -> ProvisionAnswer:
        """Ask for 本人確認情報; a refusal (recorded at jukinet) raises `Forbidden` unless `raise_refusal` is off."""
        answer = ProvisionAnswer.model_validate(
            self._transport.call(SERVICE, "provide_identity", request.model_dump(mode="json"))
        )
        if answer.status == "refused" and raise_refusal:
            raise Forbidden(answer.message, record=request.recipient_code, field="affair_code")
        return answer

    def disclosure(self, juminhyo_code: str) -> Disclosure:
        answer = self._transport.call(SERVICE, "provision_disclosure", {"juminhyo_code": juminhyo_code})
        return Disclosure.model_validate(answer)

    def verify_records(self) -> LedgerCheck:
        return LedgerCheck.model_validate(self._transport.call(SERVICE, "verify_provisions", {}))


# --- 住民基本台帳人口移動報告用データ (decision 0083) ---------------------------------------------------------
class MigrationRow(_Message):
    """転入者数 of one cell: 転入先, 従前の住所地, 性別, 年齢階級."""

    lg_code: str
    lg_name: str
    from_lg_code: str
    from_lg_name: str
    sex: Sex
    age_band: str
    count: int


class MigrationReport(_Message):
    month: str  # YYYY-MM, months in Asia/Tokyo by the time 全国サーバ recorded the 転入
    rows: list[MigrationRow]
    total: int
    by_municipality: dict[str, int]
    digest: str  # SHA-256 of the CSV file, so a reproduction can be compared byte for byte


MIGRATION_HEADINGS = (
    "報告年月",
    "転入先市区町村コード",
    "転入先市区町村名",
    "従前住所地市区町村コード",
    "従前住所地市区町村名",
    "性別",
    "年齢階級",
    "転入者数",
)


def migration_csv(report: MigrationReport) -> str:
    """The file as delivered: UTF-8, CRLF, MIGRATION_HEADINGS, rows in the report's order (decision 0083)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MIGRATION_HEADINGS)
    for r in report.rows:
        writer.writerow(
            (report.month, r.lg_code, r.lg_name, r.from_lg_code, r.from_lg_name, r.sex, r.age_band, r.count)
        )
    return out.getvalue()


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of a 報告年月 YYYY-MM, the month taken in Asia/Tokyo."""
    match = _MONTH.fullmatch(month.strip())
    if match is None:
        raise Invalid("報告年月は 2025-04 の形で指定してください", record=month, field="報告年月")
    year, mon = int(match[1]), int(match[2])
    start = dt.datetime(year, mon, 1, tzinfo=JST)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=JST)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def migration_report_of(transport: Transport, month: str) -> MigrationReport:
    """The monthly 人口移動報告用データ from 全国サーバ."""
    return MigrationReport.model_validate(transport.call(SERVICE, "migration_report", {"month": month}))
