"""The scripted demonstration behind `renkei demo`: the national side, two municipalities, and the whole data path.

Every step goes through the same service functions and protocol clients the CLI and the pages use; nothing here
writes a table directly. The steps are safe to re-run: `renkei demo` on an existing data directory only shows
the summary again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from renkei.core import clock
from renkei.demo import (
    courses,
    evaluation,
    governance,
    jlis,
    jpki,
    linkage,
    local_use,
    migration,
    region,
    residents,
    staff,
    start,
)
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


def run(
    runtime: Runtime,
    options: DemoOptions | None = None,
    *,
    on_step: Callable[[int, int, str, list[str]], object] | None = None,
) -> list[str]:
    """Set everything up and return the summary lines (also kept in <data-dir>/demo-summary.json).

    `on_step(done, total, title, lines)` is called as each step finishes, so a caller can show progress and
    print each step's lines at once instead of everything at the end.
    """
    options = options or DemoOptions()
    lg_a, lg_b = options.lg_codes[0], options.lg_codes[1]

    def people() -> list[str]:
        done = residents.setup(
            runtime, lg_codes=options.lg_codes, population=options.population, seed=options.seed
        )
        for lg_code in options.lg_codes:
            relay(runtime, lg_code)
        return done

    moved: list[str] = []

    def linked() -> list[str]:
        done, atenas = linkage.run_and_move(runtime, lg_a=lg_a, lg_b=lg_b)
        moved.extend(atenas)
        for lg_code in options.lg_codes:
            relay(runtime, lg_code)
        return done

    def local() -> list[str]:
        if not moved:
            return ["転居した世帯がいないため省略しました / skipped: nobody moved"]
        return local_use.run(runtime, lg_a=lg_a, lg_b=lg_b, atena=moved[0])

    def governed() -> list[str]:
        done = governance.setup(runtime, lg_code=lg_a)
        done += region.setup(runtime, lg_a=lg_a, lg_b=lg_b)
        done += evaluation.setup(runtime, lg_code=lg_a)
        done += courses.setup(runtime, lg_code=lg_a)
        return done + migration.setup(runtime, lg_code=lg_a)

    steps: list[tuple[str, Callable[[], list[str]]]] = [
        ("■ 住民記録・付番・団体内統合宛名 / residents, My Numbers, integrated addressee", people),
        ("■ 職員 / staff", lambda: staff.setup(runtime, lg_codes=options.lg_codes)),
        ("■ 公的個人認証 / JPKI", lambda: jpki.setup(runtime, lg_code=lg_a, holders=options.card_holders)),
        ("■ 情報連携 / information linkage", linked),
        ("■ 独自利用事務 / a municipality's own use by 条例", local),
        (
            "■ J-LISの各種サービス / 本人確認情報提供・被災者支援・コンビニ交付・LGWAN-ASP",
            lambda: jlis.setup(runtime, lg_code=lg_a),
        ),
        (
            "■ 転居による署名用電子証明書の失効 / a move revokes a signing certificate",
            lambda: move_a_card_holder(runtime, lg_code=lg_a),
        ),
        ("■ 安全管理措置 / governance", governed),
        ("■ はじめに / where to start", lambda: start.setup(runtime, lg_a=lg_a, lg_b=lg_b)),
    ]
    lines: list[str] = []
    for number, (title, step) in enumerate(steps, start=1):
        done = [title, *step()]
        if number < len(steps):
            done.append("")
        lines += done
        if on_step is not None:
            on_step(number, len(steps), title, done)

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
