"""The scripted demonstration behind `renkei demo`: the national side, two municipalities, and the whole data path.

Every step goes through the same service functions and protocol clients the CLI and the pages use; nothing here
writes a table directly. The steps are safe to re-run: `renkei demo` on an existing data directory only shows
the summary again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from renkei.core import clock
from renkei.demo import governance, jpki, linkage, residents, staff, start
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents_service
from renkei.runtime import Runtime
from renkei.runtime.relay import relay

# A and B of the scenario: 東京都千代田区 and 東京都世田谷区 (real 全国地方公共団体コード with check digits).
MUNICIPALITY_A = "131016"
MUNICIPALITY_B = "131121"
SUMMARY_FILE = "demo-summary.json"


@dataclass
class DemoOptions:
    population: int = 2000
    seed: int = 20261123
    card_holders: int = 40
    lg_codes: list[str] = field(default_factory=lambda: [MUNICIPALITY_A, MUNICIPALITY_B])


def summary_path(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / SUMMARY_FILE


def already_set_up(runtime: Runtime) -> list[str] | None:
    """The summary of an earlier run in this data directory, if there was one."""
    path = summary_path(runtime)
    if not path.exists():
        return None
    lines: list[str] = json.loads(path.read_text(encoding="utf-8"))["lines"]
    return lines


def run(runtime: Runtime, options: DemoOptions | None = None) -> list[str]:
    """Set everything up and return the summary lines (also kept in <data-dir>/demo-summary.json)."""
    options = options or DemoOptions()
    lg_a, lg_b = options.lg_codes[0], options.lg_codes[1]
    lines: list[str] = []

    lines.append("■ 住民記録・付番・団体内統合宛名 / residents, My Numbers, integrated addressee")
    lines += residents.setup(
        runtime, lg_codes=options.lg_codes, population=options.population, seed=options.seed
    )
    for lg_code in options.lg_codes:
        relay(runtime, lg_code)

    lines.append("")
    lines.append("■ 職員 / staff")
    lines += staff.setup(runtime, lg_codes=options.lg_codes)

    lines.append("")
    lines.append("■ 公的個人認証 / JPKI")
    lines += jpki.setup(runtime, lg_code=lg_a, holders=options.card_holders)

    lines.append("")
    lines.append("■ 情報連携 / information linkage")
    lines += linkage.run(runtime, lg_a=lg_a, lg_b=lg_b)
    for lg_code in options.lg_codes:
        relay(runtime, lg_code)

    lines.append("")
    lines.append("■ 転居による署名用電子証明書の失効 / a move revokes a signing certificate")
    lines += move_a_card_holder(runtime, lg_code=lg_a)

    lines.append("")
    lines.append("■ 安全管理措置 / governance")
    lines += governance.setup(runtime, lg_code=lg_a)

    lines.append("")
    lines.append("■ はじめに / where to start")
    lines += start.setup(runtime, lg_a=lg_a, lg_b=lg_b)

    path = summary_path(runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"lines": lines}, ensure_ascii=False, indent=1), encoding="utf-8")
    return lines


def _next_house_number(address: str) -> str:
    """The same street, the next house number: 千代田一丁目2番3号 → 千代田一丁目2番4号."""
    numbers = list(re.finditer(r"[0-9]+", address))
    if not numbers:
        return address + "1番1号"
    last = numbers[-1]
    return address[: last.start()] + str(int(last.group()) + 1) + address[last.end() :]


def move_a_card_holder(runtime: Runtime, *, lg_code: str) -> list[str]:
    """転居 of a holder of a 署名用 certificate; the relay tells JPKI, which revokes that certificate only."""
    client = JpkiClient(runtime.transport)
    with runtime.municipal_session(lg_code) as session:
        people = residents_service.list_residents(session, status="active", limit=1000)
    holder = next(
        (
            p
            for p in people
            if any(
                c.kind == "sign" and c.status == "good"
                for card in client.holder_status(lg_code=lg_code, resident_id=p.id).cards
                for c in card.certificates
            )
        ),
        None,
    )
    if holder is None:
        return ["署名用電子証明書を持つ住民がいないため、転居の例を省略しました"]
    new_address = _next_house_number(holder.address)
    with runtime.municipal_session(lg_code) as session:
        residents_service.change_address(
            session,
            resident_id=holder.id,
            postal_code=holder.postal_code,
            address=new_address,
            notified_on=clock.today(),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    relayed = relay(runtime, lg_code)
    lines = [
        f"{holder.name}さん（宛名番号 {holder.atena_number}）が転居: {holder.address} → {new_address}",
        f"  異動を公的個人認証へ通知 {relayed.jpki} 件、失効 {len(relayed.jpki_revoked)} 件 / relayed to JPKI",
    ]
    return lines + [
        f"  {line}" for line in jpki.status_lines(runtime, lg_code=lg_code, resident_id=holder.id)
    ]
