"""ARCHITECTURE §2 invariants 1–2, proven by search: after an import and 異動, no database column, log line or CLI
output holds a My Number in plaintext, and no 住民票コード appears outside 住基ネット.

jukinet keeps the My Number sealed (AES-GCM) and a keyed hash of every number it ever issued for the
never-repeat rule (docs/decisions/0010-jukinet-keeps-no-plaintext-my-number.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from renkei.addressee import service as addressee
from renkei.cli import cli
from renkei.core.settings import Settings
from renkei.jukinet.models import JukinetPerson
from renkei.residents import service as residents
from renkei.residents.models import ResidentsResident
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, SETAGAYA, connect, population


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bytes | memoryview | bytearray):
        raw = bytes(value)
        return [raw.decode("latin-1"), raw.hex()]
    return [str(value)]


def _scan(runtime: Runtime, node: str, secrets: set[str]) -> list[str]:
    """Every (table.column) of a node database whose value contains one of `secrets`."""
    engine = runtime.databases.engine(node)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    hits = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    for text in _texts(value):
                        if any(secret in text for secret in secrets):
                            hits.append(f"{node}.{table.name}.{column.name}")
    return sorted(set(hits))


def _people(runtime: Runtime, settings: Settings) -> tuple[set[str], set[str]]:
    mynumbers: set[str] = set()
    for lg in (CHIYODA, SETAGAYA):
        with runtime.municipal_session(lg) as s:
            for rid in s.scalars(sa.select(ResidentsResident.id)):
                mynumbers.add(residents.mynumber_of(s, resident_id=rid, settings=settings))
    with runtime.session("jukinet") as s:
        codes = set(s.scalars(sa.select(JukinetPerson.juminhyo_code)))
    return mynumbers, codes


def test_no_my_number_in_plaintext_and_no_juminhyo_code_outside_jukinet(
    runtime: Runtime, tmp_path: Path, cli_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and parameters into the log
    try:
        connect(runtime)
        population(runtime, tmp_path, lg_code=CHIYODA, count=60, seed=11)
        population(runtime, tmp_path, lg_code=SETAGAYA, count=40, seed=12)
        client = connect(runtime)
        settings = runtime.settings
        with runtime.municipal_session(CHIYODA) as s:
            residents.record_birth(
                s,
                parent_id=1,
                given_name="一郎",
                given_name_kana="イチロウ",
                birth_date=dt.date(2024, 6, 1),
                sex="1",
                jukinet=client,
                settings=settings,
            )
            residents.change_name(
                s, resident_id=2, surname="鈴木", surname_kana="スズキ", jukinet=client, settings=settings
            )
            residents.record_death(
                s, resident_id=3, died_on=dt.date(2025, 1, 1), jukinet=client, settings=settings
            )
            addressee.consume_resident_events(s, settings=settings)
            residents.issue_acquisition_numbers(s, resident_ids=[4, 5], jukinet=client, settings=settings)
        runner = CliRunner()
        outputs = [
            runner.invoke(cli, args, env=cli_env)
            for args in (
                [
                    "residents",
                    "move",
                    "--from",
                    CHIYODA,
                    "--to",
                    SETAGAYA,
                    "6",
                    "--postal-code",
                    "1540001",
                    "--address",
                    "東京都世田谷区池尻1丁目1番1号",
                ],
                ["addressee", "sync", "--municipality", CHIYODA],
                ["addressee", "sync", "--municipality", SETAGAYA],
                ["residents", "list", "--municipality", CHIYODA, "--all"],
                ["residents", "show", "--municipality", CHIYODA, "6"],
                ["addressee", "search", "--municipality", SETAGAYA, "--name", "ア"],
                ["addressee", "duplicates", "--municipality", CHIYODA],
            )
        ]
        assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    mynumbers, codes = _people(runtime, settings)
    assert len(mynumbers) == 101 and len(codes) == 101
    for node in ("jukinet", "lg" + CHIYODA, "lg" + SETAGAYA, "hub", "jpki", "portal"):
        assert _scan(runtime, node, mynumbers) == [], f"My Number in plaintext in {node}"
        if node != "jukinet":
            assert _scan(runtime, node, codes) == [], f"住民票コード outside jukinet in {node}"
    assert _scan(runtime, "jukinet", codes), "the scan must find the codes where they are allowed"
    logged = caplog.text + "".join(o.output for o in outputs)
    assert "INSERT INTO" in caplog.text  # the engine log was really captured
    assert not [n for n in mynumbers if n in logged]
    # jukinet's own SQL statements carry 住民票コード (it is their home); every other log line and all output may not.
    elsewhere = "".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("sqlalchemy.engine")
    ) + "".join(o.output for o in outputs)
    assert not [c for c in codes if c in elsewhere]
