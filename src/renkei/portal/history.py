"""やりとり履歴: the person's 情報提供等記録 from the hub, each inclusion proof checked against a signed log head.

Every entry is shown: one whose proof fails is shown as 検証失敗, never dropped. The page ships each entry's
proof and the head so the person's browser checks them again without trusting the portal (static/history.js).
The window is 7 years back from today (retention of 情報提供等記録, mynumber-reference §4.5).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from renkei.core import clock
from renkei.core.errors import Invalid, RenkeiError
from renkei.core.settings import Settings
from renkei.layouts.loader import catalogue
from renkei.portal.keys import portal_keys
from renkei.portal.models import PortalUser
from renkei.protocol import merkle, signing
from renkei.protocol.hub import HubClient
from renkei.protocol.ledger import InclusionProof, chain_hash, tree_head_payload
from renkei.protocol.messages import PersonRecordsRequest
from renkei.protocol.portal import PORTAL_AGENCY_CODE

RETENTION_YEARS = 7
PAGE_SIZE = 20
RESULT_LABELS = {
    "provided": "提供",
    "not_found": "該当なし",
    "refused": "拒否（権限なし）",
    "withheld": "不開示",
    "error": "エラー",
}


@dataclass(frozen=True)
class Exchange:
    """One row of やりとり履歴 with the outcome of its proof check."""

    seq: int
    processing_number: str
    requester_code: str
    requester_name: str
    provider_code: str
    provider_name: str
    jimu_code: str
    tm_code: str
    tm_name: str
    requested_at: dt.datetime
    provided_at: dt.datetime | None
    result: str
    result_label: str
    verified: bool
    problem: str | None
    proof: dict[str, Any]
    basis: str | None = None  # the legal basis the hub names beside the entry (a 条例 for a 独自利用事務)
    checked: bool = (
        True  # False: fetched without its proof (not on the page shown), so neither verified nor failed
    )
    withheld_until: str | None = (
        None  # a 不開示 record now shown: the day its withholding ended (decision 0096)
    )


@dataclass
class History:
    exchanges: list[Exchange]
    total: int
    page: int
    pages: int
    agencies: list[tuple[str, str]] = field(default_factory=list)  # every agency that appears, for the filter
    failed: int = 0
    head: dict[str, Any] | None = None  # the newest signed head the entries lead to
    withheld: int = 0  # records the hub keeps from the person for now (不開示), counted only
    everything: list[Exchange] = field(default_factory=list)  # every exchange of the person (for the chart)


@dataclass
class Fetched:
    exchanges: list[Exchange]
    withheld: int = 0


def _parse_time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _Heads:
    """Signed tree heads already checked in this request: a person's entries mostly lead to the same head, and its
    Ed25519 signature need be checked once, not once per entry."""

    def __init__(self, hub_key: str) -> None:
        self.hub_key = hub_key
        self.checked: dict[tuple[str, int, bytes, str, str], str | None] = {}

    def problem(self, proof: InclusionProof) -> str | None:
        key = (proof.log_id, proof.tree_size, proof.root_hash, proof.signed_at.isoformat(), proof.signature)
        if key not in self.checked:
            payload = tree_head_payload(proof.log_id, proof.tree_size, proof.root_hash, proof.signed_at)
            try:
                signing.verify(
                    self.hub_key, payload, proof.signature, record=f"{proof.log_id}#{proof.tree_size}"
                )
                self.checked[key] = None
            except RenkeiError as exc:
                self.checked[key] = exc.message
        return self.checked[key]


def _proof_problem(proof: InclusionProof, heads: _Heads) -> str | None:
    """What verify_inclusion_proof checks (RFC 9162 §2.1.3.2 against a signed head), with the head cached."""
    problem = heads.problem(proof)
    if problem is not None:
        return problem
    leaf = merkle.leaf_hash(chain_hash(proof.prev_hash, proof.seq, proof.recorded_at, proof.body))
    if not merkle.verify_inclusion(leaf, proof.seq - 1, proof.tree_size, proof.path, proof.root_hash):
        return "包含証明が署名付きツリーヘッドと一致しません"
    return None


def _exchange(record: dict[str, Any], *, heads: _Heads, names: dict[str, str]) -> Exchange:
    problem: str | None = None
    checked = record.get("proof") is not None
    proof = record.get("proof") or {}
    if checked:
        try:
            parsed = InclusionProof.from_dict(proof)
            problem = _proof_problem(parsed, heads)
            # `basis` is the hub's note of the legal basis beside the entry, not part of the entry it proves
            shown = {k: v for k, v in record.items() if k not in ("proof", "seq", "recorded_at", "basis")}
            proven = {k: v for k, v in parsed.body.items() if k != "person_ref"}  # the hub's own pseudonym
            if problem is None and shown != proven:  # the row shown must be the entry proven, field for field
                problem = "表示内容が証明された記録と一致しません"
        except RenkeiError as exc:
            problem = exc.message
        except (KeyError, ValueError, TypeError) as exc:
            problem = f"証明の形式が不正です（{exc.__class__.__name__}）"
    requested = _parse_time(record.get("requested_at")) or clock.now()
    tm = str(record.get("tm_code", ""))
    result = str(record.get("result", ""))
    return Exchange(
        seq=int(record.get("seq", 0)),
        processing_number=str(record.get("processing_number", "")),
        requester_code=str(record.get("requester_code", "")),
        requester_name=str(record.get("requester_name", "")),
        provider_code=str(record.get("provider_code", "")),
        provider_name=str(record.get("provider_name", "")),
        jimu_code=str(record.get("jimu_code", "")),
        tm_code=tm,
        tm_name=names.get(tm, tm),
        requested_at=requested,
        provided_at=_parse_time(record.get("provided_at")),
        result=result,
        result_label=RESULT_LABELS.get(result, result),
        verified=checked and problem is None,
        problem=problem,
        proof=proof,
        basis=str(record["basis"]) if record.get("basis") else None,
        checked=checked,
        withheld_until=str(record["non_disclosure_until"]) if record.get("non_disclosure_until") else None,
    )


def fetch(
    user: PortalUser,
    *,
    settings: Settings,
    hub: HubClient,
    proofs_for: list[int] | None = None,
    listing: bool = False,
) -> Fetched:
    """The person's exchanges at the hub, newest first (a network call: no session held), and how many the hub
    withholds for now. Every entry with its proof checked; or only the entries `proofs_for`; or, `listing`,
    every entry unchecked, as the fields a list needs (filters, counts, the chart)."""
    keys = portal_keys(settings)
    request = PersonRecordsRequest(
        agency_code=PORTAL_AGENCY_CODE,
        sign=user.sign,
        requested_at=clock.now(),
        proof_seqs=proofs_for,
        listing=listing,
    ).signed(keys.signing)
    answer = hub.person_records(request)
    heads = _Heads("" if listing else hub.info().signing_public_key)
    names = catalogue()
    exchanges = [_exchange(r, heads=heads, names=names) for r in answer.records]
    exchanges.sort(key=lambda e: (e.requested_at, e.seq), reverse=True)
    return Fetched(exchanges, answer.withheld)


def parse_period(value: str | None, *, field_name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("日付は YYYY-MM-DD の形で入力してください", record=value, field=field_name) from None


def select(
    exchanges: list[Exchange],
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    agency: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> History:
    """Filter by period (Japan dates, inside the 7-year window) and by agency (as requester or provider); page."""
    today = clock.today()
    earliest = today.replace(year=today.year - RETENTION_YEARS)
    if date_from and date_to and date_from > date_to:
        raise Invalid("期間の開始日が終了日より後です", record=f"{date_from}〜{date_to}", field="date_from")
    start = max(date_from or earliest, earliest)
    agencies = sorted(
        {(e.requester_code, e.requester_name) for e in exchanges}
        | {(e.provider_code, e.provider_name) for e in exchanges}
    )
    if agency and agency not in {code for code, _ in agencies}:
        raise Invalid("その機関とのやりとりはありません", record=agency, field="agency")
    chosen = [
        e
        for e in exchanges
        if start <= e.requested_at.astimezone(clock.JST).date() <= (date_to or today)
        and (not agency or agency in (e.requester_code, e.provider_code))
    ]
    if page < 1:
        raise Invalid("ページは1以上です", record=str(page), field="page")
    pages = max(1, -(-len(chosen) // page_size))
    page = min(page, pages)
    shown = chosen[(page - 1) * page_size : page * page_size]
    head = max((e.proof for e in shown if e.verified), key=lambda p: int(p["tree_size"]), default=None)
    return History(
        exchanges=shown,
        total=len(chosen),
        page=page,
        pages=pages,
        agencies=agencies,
        failed=sum(1 for e in chosen if e.checked and not e.verified),
        head=None if head is None else {k: head[k] for k in ("log", "tree_size", "root_hash", "signed_at")},
        everything=exchanges,
    )


def with_checked(shown: History, checked: list[Exchange]) -> History:
    """The page's entries replaced by the same entries fetched with their proofs and checked (decision 0097)."""
    by_seq = {e.seq: e for e in checked}
    exchanges = [by_seq.get(e.seq, e) for e in shown.exchanges]
    head = max((e.proof for e in exchanges if e.verified), key=lambda p: int(p["tree_size"]), default=None)
    shown.exchanges = exchanges
    shown.failed = sum(1 for e in exchanges if e.checked and not e.verified)
    shown.head = (
        None if head is None else {k: head[k] for k in ("log", "tree_size", "root_hash", "signed_at")}
    )
    return shown


def by_month(exchanges: list[Exchange], *, months: int = 12) -> list[tuple[str, int]]:
    """The person's exchanges per month (Japan time), the last `months` months, oldest first."""
    today = clock.today()
    labels: list[str] = []
    year, month = today.year, today.month
    for _ in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    counts = dict.fromkeys(labels, 0)
    for e in exchanges:
        label = e.requested_at.astimezone(clock.JST).strftime("%Y-%m")
        if label in counts:
            counts[label] += 1
    return [(label, counts[label]) for label in reversed(labels)]


CSV_HEADER = [
    "処理通番",
    "照会日時",
    "提供日時",
    "情報照会者",
    "情報提供者",
    "事務コード",
    "特定個人情報名",
    "結果",
    "検証",
]


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(clock.JST).isoformat(timespec="seconds")


def rows(exchanges: list[Exchange]) -> list[list[str]]:
    return [
        [
            e.processing_number,
            _when(e.requested_at),
            _when(e.provided_at),
            f"{e.requester_name}（{e.requester_code}）",
            f"{e.provider_name}（{e.provider_code}）",
            e.jimu_code,
            f"{e.tm_name}（{e.tm_code}）",
            e.result_label,
            "検証済み" if e.verified else f"検証失敗: {e.problem}",
        ]
        for e in exchanges
    ]


def to_csv(exchanges: list[Exchange]) -> bytes:
    """UTF-8 with BOM, so that spreadsheet software on Japanese Windows opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows(exchanges))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(exchanges: list[Exchange], *, title: str = "やりとり履歴（情報提供等記録）") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "HeiseiKakuGo-W5"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    style = ParagraphStyle("body", fontName=font, fontSize=7, leading=9)
    heading = ParagraphStyle("title", fontName=font, fontSize=13, leading=16)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm)
    from xml.sax.saxutils import escape

    data = [[Paragraph(escape(h), style) for h in CSV_HEADER]]
    data += [[Paragraph(escape(cell), style) for cell in row] for row in rows(exchanges)]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    made = clock.now().astimezone(clock.JST).isoformat(timespec="seconds")
    story = [
        Paragraph(escape(title), heading),
        Paragraph(
            escape(f"作成日時 {made}　件数 {len(exchanges)}　情報提供等記録開示システム（renkei）"), style
        ),
        Spacer(1, 4 * mm),
        table,
    ]
    document.build(story)
    return buffer.getvalue()
