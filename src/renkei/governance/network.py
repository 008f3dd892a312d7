"""ネットワーク分離の点検: a network inventory checked against the 三層の対策 and the α/α'/β/β' models.

The rules (domain reference §9, decision 0056) are data below; `check` is a pure function of an `Inventory`,
so the same check runs on the stored inventory and on a file before it is imported. Each finding names its
rule and the rows (the sheet rows or the stored names) that break it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import BatchRejected, Invalid
from renkei.governance.models import GovernanceFlow, GovernanceHost, GovernanceSegment, GovernanceSetting

MYNUMBER = "マイナンバー利用事務系"
LGWAN_SIDE = "LGWAN接続系"
INTERNET_SIDE = "インターネット接続系"
SECURITY_CLOUD = "セキュリティクラウド"
LGWAN = "LGWAN"
INTERNET = "インターネット"
ZONES = (MYNUMBER, LGWAN_SIDE, INTERNET_SIDE, SECURITY_CLOUD, LGWAN, INTERNET)
MODELS = ("α", "α'", "β", "β'")
HOST_KINDS = ("サーバ", "端末")
FLOW_KINDS = (
    "通信",
    "ファイル転送",
    "メール",
    "Web閲覧",
    "画面転送",
    "中間サーバー連携",
    "申請データ取込",
    "特定クラウド利用",
)

RULES = {
    "N1": "マイナンバー利用事務系は他の領域と通信しない（中間サーバー連携と、LGWAN接続系からの申請データ取込を除く）",
    "N2": "マイナンバー利用事務系の端末は二要素認証でログインする",
    "N3": "マイナンバー利用事務系の端末はデータの持ち出しを不可にする",
    "N4": "インターネット側からLGWAN接続系・マイナンバー利用事務系へのファイル・メールは無害化してから渡す",
    "N5": "インターネットへの出口は都道府県のセキュリティクラウドに集約する",
    "N6": "αモデルでは職員端末をLGWAN接続系に置き、インターネットは画面転送で閲覧する",
    "N7": "β・β'モデルではインターネット接続系の職員端末に多要素認証等の追加対策を講じる",
    "N8": "LGWAN上のASPサービスは、J-LISのLGWAN-ASPとして登録されたものに限り利用する",
}
# A segment of zone LGWAN named "ASP:<service>" stands for an LGWAN-ASP service (decision 0087).
ASP_PREFIX = "ASP:"


@dataclass(frozen=True)
class Segment:
    name: str
    zone: str
    note: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Host:
    name: str
    segment: str
    kind: str
    two_factor: bool = False
    export_blocked: bool = False
    count: int = 1
    ref: str = ""


@dataclass(frozen=True)
class Flow:
    code: str
    source: str
    destination: str
    kind: str
    purpose: str = ""
    sanitized: bool = False
    ref: str = ""


@dataclass
class Inventory:
    model: str = "α"
    segments: list[Segment] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)

    def zone_of(self, segment: str) -> str:
        return next(s.zone for s in self.segments if s.name == segment)

    @property
    def device_count(self) -> int:
        return sum(h.count for h in self.hosts)


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    rows: list[str]

    @property
    def rule_text(self) -> str:
        return RULES[self.rule]


def validate(inventory: Inventory) -> None:
    """Every vocabulary value known, names unique, and every reference to a defined segment; else BatchRejected."""
    errors: list[Invalid] = []
    if inventory.model not in MODELS:
        errors.append(
            Invalid(f"ネットワークモデルは {' / '.join(MODELS)} のいずれかです", field="ネットワークモデル")
        )
    names: set[str] = set()
    for s in inventory.segments:
        if s.name in names:
            errors.append(Invalid(f"区画名 {s.name} が重複しています", record=s.ref, field="区画名"))
        names.add(s.name)
        if s.zone not in ZONES:
            errors.append(
                Invalid(
                    f"区分は {' / '.join(ZONES)} のいずれかです（入力値: {s.zone!r}）",
                    record=s.ref,
                    field="区分",
                )
            )
    hosts: set[str] = set()
    for h in inventory.hosts:
        if h.name in hosts:
            errors.append(Invalid(f"名称 {h.name} が重複しています", record=h.ref, field="名称"))
        hosts.add(h.name)
        if h.segment not in names:
            errors.append(Invalid(f"定義されていない区画です: {h.segment!r}", record=h.ref, field="区画"))
        if h.kind not in HOST_KINDS:
            errors.append(
                Invalid(f"種別は サーバ / 端末 です（入力値: {h.kind!r}）", record=h.ref, field="種別")
            )
        if h.count < 1:
            errors.append(Invalid("台数は1以上です", record=h.ref, field="台数"))
    codes: set[str] = set()
    for f in inventory.flows:
        if f.code in codes:
            errors.append(Invalid(f"経路ID {f.code} が重複しています", record=f.ref, field="経路ID"))
        codes.add(f.code)
        for label, segment in (("送信元区画", f.source), ("宛先区画", f.destination)):
            if segment not in names:
                errors.append(Invalid(f"定義されていない区画です: {segment!r}", record=f.ref, field=label))
        if f.kind not in FLOW_KINDS:
            errors.append(
                Invalid(
                    f"種別は {' / '.join(FLOW_KINDS)} のいずれかです（入力値: {f.kind!r}）",
                    record=f.ref,
                    field="種別",
                )
            )
    if errors:
        raise BatchRejected("ネットワーク構成に誤りがあります", errors)


def check(inventory: Inventory, *, asp_services: Collection[str] | None = None) -> list[Finding]:
    """Apply rules N1–N7 to a valid inventory; findings in rule order.

    With `asp_services` (the names and registration numbers of the services registered at J-LIS, read by the
    caller over protocol), N8 also checks every flow to an "ASP:…" segment of zone LGWAN against them.
    """
    validate(inventory)
    zone = {s.name: s.zone for s in inventory.segments}
    seg_ref = {s.name: s.ref for s in inventory.segments}
    found: list[Finding] = []

    def flow_rows(f: Flow) -> list[str]:
        return [f.ref, seg_ref[f.source], seg_ref[f.destination]]

    for f in inventory.flows:
        a, b = zone[f.source], zone[f.destination]
        if MYNUMBER in (a, b) and a != b:
            other = b if a == MYNUMBER else a
            linkage = f.kind == "中間サーバー連携" and other in (LGWAN_SIDE, LGWAN)
            intake = f.kind == "申請データ取込" and a == LGWAN_SIDE and b == MYNUMBER
            if not (linkage or intake):
                found.append(
                    Finding(
                        "N1", f"{f.code}: {f.source}（{a}）→ {f.destination}（{b}） {f.kind}", flow_rows(f)
                    )
                )
    for h in inventory.hosts:
        if zone[h.segment] == MYNUMBER and h.kind == "端末":
            if not h.two_factor:
                found.append(Finding("N2", f"{h.name}（{h.segment}）に二要素認証がありません", [h.ref]))
            if not h.export_blocked:
                found.append(Finding("N3", f"{h.name}（{h.segment}）の持ち出し制限がありません", [h.ref]))
    outside = (INTERNET_SIDE, INTERNET, SECURITY_CLOUD)
    inside = (LGWAN_SIDE, LGWAN, MYNUMBER)
    for f in inventory.flows:
        a, b = zone[f.source], zone[f.destination]
        if a in outside and b in inside and f.kind in ("ファイル転送", "メール") and not f.sanitized:
            found.append(
                Finding(
                    "N4",
                    f"{f.code}: {f.source} → {f.destination} の{f.kind}が無害化されていません",
                    flow_rows(f),
                )
            )
    for f in inventory.flows:
        a, b = zone[f.source], zone[f.destination]
        local_breakout = inventory.model == "α'" and a == LGWAN_SIDE and f.kind == "特定クラウド利用"
        if b == INTERNET and a != SECURITY_CLOUD and not local_breakout:
            found.append(
                Finding(
                    "N5",
                    f"{f.code}: {f.source}（{a}）からセキュリティクラウドを経ずにインターネットへ出ています",
                    flow_rows(f),
                )
            )
    if inventory.model in ("α", "α'"):
        for h in inventory.hosts:
            if zone[h.segment] == INTERNET_SIDE and h.kind == "端末":
                found.append(
                    Finding("N6", f"{h.name}: αモデルなのに職員端末がインターネット接続系にあります", [h.ref])
                )
        for f in inventory.flows:
            a, b = zone[f.source], zone[f.destination]
            if a == LGWAN_SIDE and b in (INTERNET_SIDE, SECURITY_CLOUD, INTERNET) and f.kind == "Web閲覧":
                found.append(
                    Finding(
                        "N6",
                        f"{f.code}: LGWAN接続系から直接Web閲覧しています（画面転送を使う）",
                        flow_rows(f),
                    )
                )
    else:
        for h in inventory.hosts:
            if zone[h.segment] == INTERNET_SIDE and h.kind == "端末" and not h.two_factor:
                found.append(
                    Finding("N7", f"{h.name}: {inventory.model}モデルの端末に多要素認証がありません", [h.ref])
                )
    if asp_services is not None:
        registered = set(asp_services)
        for f in inventory.flows:
            if zone[f.destination] == LGWAN and f.destination.startswith(ASP_PREFIX):
                name = f.destination[len(ASP_PREFIX) :].strip()
                if name not in registered:
                    found.append(
                        Finding(
                            "N8",
                            f"{f.code}: {f.source} → {f.destination} はLGWAN-ASPとして登録されていないサービスです",
                            flow_rows(f),
                        )
                    )
    return sorted(found, key=lambda f: f.rule)


# -- the stored inventory ------------------------------------------------------------------------------------------
def load_inventory(session: Session) -> Inventory:
    model = session.get(GovernanceSetting, "network_model")
    segments = [
        Segment(s.name, s.zone, s.note, ref=f"ネットワーク区画 {s.name}")
        for s in session.scalars(sa.select(GovernanceSegment).order_by(GovernanceSegment.id))
    ]
    hosts = [
        Host(
            h.name,
            h.segment.name,
            h.kind,
            h.two_factor,
            h.export_blocked,
            h.count,
            ref=f"ホスト・端末 {h.name}",
        )
        for h in session.scalars(sa.select(GovernanceHost).order_by(GovernanceHost.id))
    ]
    flows = [
        Flow(
            f.code,
            f.source.name,
            f.destination.name,
            f.kind,
            f.purpose,
            f.sanitized,
            ref=f"通信経路 {f.code}",
        )
        for f in session.scalars(sa.select(GovernanceFlow).order_by(GovernanceFlow.id))
    ]
    return Inventory(model.value if model else "α", segments, hosts, flows)


def replace_inventory(session: Session, inventory: Inventory) -> None:
    """Store `inventory` as the body's network, replacing the previous one (a network file describes it all)."""
    validate(inventory)
    session.execute(sa.delete(GovernanceFlow))
    session.execute(sa.delete(GovernanceHost))
    session.execute(sa.delete(GovernanceSegment))
    setting = session.get(GovernanceSetting, "network_model")
    if setting is None:
        session.add(GovernanceSetting(key="network_model", value=inventory.model))
    else:
        setting.value = inventory.model
    ids: dict[str, int] = {}
    for s in inventory.segments:
        row = GovernanceSegment(name=s.name, zone=s.zone, note=s.note)
        session.add(row)
        session.flush()
        ids[s.name] = row.id
    for h in inventory.hosts:
        session.add(
            GovernanceHost(
                name=h.name,
                segment_id=ids[h.segment],
                kind=h.kind,
                two_factor=h.two_factor,
                export_blocked=h.export_blocked,
                count=h.count,
            )
        )
    for f in inventory.flows:
        session.add(
            GovernanceFlow(
                code=f.code,
                source_id=ids[f.source],
                destination_id=ids[f.destination],
                kind=f.kind,
                purpose=f.purpose,
                sanitized=f.sanitized,
            )
        )
    session.flush()


def inventory_from_json(text: str) -> Inventory:
    """Read {"model", "segments": [...], "hosts": [...], "flows": [...]} (keys as in the Excel sheets, Japanese)."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"JSONとして読めません: {exc}", record=f"行{exc.lineno}") from exc
    if not isinstance(data, dict):
        raise Invalid("JSONの最上位はオブジェクトにしてください", record="JSON")

    def rows(key: str) -> list[dict[str, Any]]:
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid(f"{key} はオブジェクトの配列にしてください", record=key)
        return items

    def text_of(item: dict[str, Any], key: str) -> str:
        return str(item.get(key, "") or "").strip()

    segments = [
        Segment(text_of(s, "区画名"), text_of(s, "区分"), text_of(s, "備考"), ref=f"{'segments'}[{i}]")
        for i, s in enumerate(rows("segments"), start=1)
    ]
    hosts = [
        Host(
            text_of(h, "名称"),
            text_of(h, "区画"),
            text_of(h, "種別"),
            bool(h.get("二要素認証", False)),
            bool(h.get("持ち出し制限", False)),
            int(h.get("台数", 1) or 1),
            ref=f"hosts[{i}]",
        )
        for i, h in enumerate(rows("hosts"), start=1)
    ]
    flows = [
        Flow(
            text_of(f, "経路ID"),
            text_of(f, "送信元区画"),
            text_of(f, "宛先区画"),
            text_of(f, "種別"),
            text_of(f, "目的"),
            bool(f.get("無害化", False)),
            ref=f"flows[{i}]",
        )
        for i, f in enumerate(rows("flows"), start=1)
    ]
    inventory = Inventory(str(data.get("model", "α")), segments, hosts, flows)
    validate(inventory)
    return inventory
