"""Demo part: municipalities connected to 住基ネット, a generated population imported into each, a few 異動.

Everything goes through the same services the CLI uses. Running it again changes nothing already there: the
import is idempotent on the 宛名番号, and the sample 異動 are made only when the population was new.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from renkei.addressee import service as addressee
from renkei.addressee.intake import import_population
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.population import write_csv
from renkei.runtime import Runtime


def setup(runtime: Runtime, *, lg_codes: list[str], population: int, seed: int) -> list[str]:
    """Register, import and sync each municipality; returns Japanese-first summary lines."""
    jukinet = JukinetClient(runtime.transport)
    names = {code: jukinet.register_municipality(code).name for code in lg_codes}
    fresh: list[str] = []
    with tempfile.TemporaryDirectory(prefix="renkei-demo-") as workdir:
        for index, lg_code in enumerate(lg_codes):
            path = Path(workdir) / f"population-{lg_code}.csv"
            write_csv(path, lg_code=lg_code, count=population, seed=seed + index)
            result = import_population(
                lambda code=lg_code: runtime.municipal_session(code),  # type: ignore[misc]
                path=path,
                lg_code=lg_code,
                jukinet=jukinet,
                settings=runtime.settings,
            )
            if result.registered:
                fresh.append(lg_code)
    if fresh and len(lg_codes) >= 2 and lg_codes[0] in fresh:
        _sample_changes(runtime, jukinet, lg_codes[0], lg_codes[1])
    lines = ["住民記録・統合宛名 / residents and integrated addressee:"]
    for lg_code in lg_codes:
        with runtime.municipal_session(lg_code) as session:
            applied = addressee.consume_resident_events(session, settings=runtime.settings)
            people = residents.counts(session)
            numbers = addressee.counts(session)
        lines.append(
            f"  {lg_code} {names[lg_code]}: 住民 {people['residents']:,} 人 / 世帯 {people['households']:,} / "
            f"統合宛名番号 {numbers['total']:,}（住民 {numbers['active_residents']:,}） / 異動反映 {applied} 件"
        )
    return lines


def _sample_changes(runtime: Runtime, jukinet: JukinetClient, home: str, away: str) -> None:
    """A birth, a marriage name change and a move from `home` to `away`, so the outbox has something to say."""
    settings = runtime.settings
    with runtime.municipal_session(home) as session:
        residents.record_birth(
            session,
            parent_id=2,
            given_name="陽葵",
            given_name_kana="ヒマリ",
            birth_date=dt.date(2025, 3, 3),
            sex="2",
            jukinet=jukinet,
            settings=settings,
        )
        residents.change_name(
            session,
            resident_id=3,
            surname="佐々木",
            surname_kana="ササキ",
            jukinet=jukinet,
            settings=settings,
        )
        certificate = residents.move_out(
            session, resident_id=1, destination_lg_code=away, jukinet=jukinet, settings=settings
        )
    with runtime.municipal_session(away) as session:
        residents.move_in(
            session,
            lg_code=away,
            certificate=certificate,
            postal_code="1540001",
            address="東京都世田谷区池尻二丁目1番1号",
            jukinet=jukinet,
            settings=settings,
        )
