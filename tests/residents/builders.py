"""Small builders for resident-side tests: a connected municipality, a household, a generated population."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from renkei.addressee import service as addressee
from renkei.addressee.intake import import_population
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.importer import ImportResult
from renkei.residents.population import write_csv
from renkei.residents.schemas import Registered, ResidentRow
from renkei.runtime import Runtime

CHIYODA = "131016"
SETAGAYA = "131121"


def jukinet(runtime: Runtime) -> JukinetClient:
    return JukinetClient(runtime.transport)


def connect(runtime: Runtime, *lg_codes: str) -> JukinetClient:
    client = jukinet(runtime)
    for code in lg_codes or (CHIYODA, SETAGAYA):
        client.register_municipality(code)
    return client


def row(
    atena: int, *, household: int | None = None, relationship: str = "世帯主", **overrides: object
) -> ResidentRow:
    values: dict[str, object] = {
        "atena_number": f"{atena:015d}",
        "household_number": f"{household or atena:010d}",
        "relationship": relationship,
        "surname": "山田",
        "given_name": "太郎",
        "surname_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birth_date": dt.date(1980, 4, 1),
        "sex": "1",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1番1号",
        "resident_since": dt.date(2000, 4, 1),
    }
    values.update(overrides)
    return ResidentRow(**values)  # type: ignore[arg-type]


def register(runtime: Runtime, *rows: ResidentRow, lg_code: str = CHIYODA) -> list[Registered]:
    """Register rows on the municipality's register and in its addressee system, as an import does."""
    client = connect(runtime, lg_code)
    with runtime.municipal_session(lg_code) as session:
        done = residents.register_residents(
            session, lg_code=lg_code, rows=list(rows), jukinet=client, settings=runtime.settings
        )
        addressee.register_residents(session, registered=done, settings=runtime.settings)
    return done


def population(
    runtime: Runtime, tmp_path: Path, *, lg_code: str = CHIYODA, count: int = 200, seed: int = 7
) -> ImportResult:
    path = tmp_path / f"population-{lg_code}-{seed}.csv"
    write_csv(path, lg_code=lg_code, count=count, seed=seed)
    return import_population(
        lambda: runtime.municipal_session(lg_code),
        path=path,
        lg_code=lg_code,
        jukinet=jukinet(runtime),
        settings=runtime.settings,
    )
