"""Vendor migration in the 中間標準レイアウト: export → a fresh data directory with its own keys → import gives the
same register and 統合宛名, the numbers never in clear in the package, every misfit reported."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from renkei.addressee import service as addressee
from renkei.addressee.service import migration as addressee_migration
from renkei.connectors import migration
from renkei.core.errors import Conflict, Invalid
from renkei.core.settings import Settings
from renkei.intermediate import service as intermediate
from renkei.intermediate.service import migration as intermediate_migration
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.schemas import ResidentRow
from renkei.residents.service import migration as residents_migration
from renkei.runtime import Runtime
from tests.conftest import PG_URL, _pg_prefix, make_settings
from tests.linkage.builders import tax_copy
from tests.web.builders import CITY_A, populate

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def fresh(tmp_path: Path, database_template: str) -> Iterator[Runtime]:
    """Another vendor's system: its own data directory (or databases) and its own keys."""
    url = None if PG_URL is None else str(make_url(PG_URL).set(database=f"{_pg_prefix()}_m"))
    settings: Settings = make_settings(
        tmp_path / "new-vendor", database_template, database_url=url,
        mynumber_key=SecretStr("77" * 32), blind_index_key=SecretStr("88" * 32),
    )  # fmt: skip
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


def _register_with_gaiji(runtime: Runtime) -> None:
    """Residents whose names hold 髙 (in neither JIS X 0208 nor JIS X 0213) and 﨑 (in JIS X 0213 only): the
    kind of record the layout reports, depending on the receiving system's character set."""
    jukinet = JukinetClient(runtime.transport)
    rows = [
        ResidentRow(
            atena_number=f"{n:015d}",
            household_number=f"{n:010d}",
            relationship="世帯主",
            surname=surname,
            given_name=given,
            surname_kana=kana,
            given_name_kana="イチロウ",
            birth_date=dt.date(1950, 1, 8),
            sex="1",
            postal_code="1000001",
            address="東京都千代田区千代田二丁目2番",
            resident_since=dt.date(1990, 4, 1),
        )
        for n, surname, given, kana in ((9, "髙橋", "一郎", "タカハシ"), (10, "山﨑", "一郎", "ヤマサキ"))
    ]
    with runtime.municipal_session(CITY_A) as session:
        registered = residents.register_residents(
            session, lg_code=CITY_A, rows=rows, jukinet=jukinet, settings=runtime.settings
        )
        addressee.register_residents(session, registered=registered, settings=runtime.settings)


def _history(runtime: Runtime) -> list[object]:
    with runtime.municipal_session(CITY_A) as session:
        return list(residents_migration.export_changes(session))


def _state(runtime: Runtime) -> tuple[list[object], list[object], dict[str, int]]:
    with runtime.municipal_session(CITY_A) as session:
        people, counters = addressee_migration.export_people(
            session, settings=runtime.settings,
            atena_of_resident={r.resident_id: r.atena_number for r in residents_migration.export_residents(session, settings=runtime.settings)},
        )  # fmt: skip
        register = [
            dataclasses.replace(r, resident_id=0)
            for r in residents_migration.export_residents(session, settings=runtime.settings)
        ]
    return list(register), list(people), counters


def _copies(runtime: Runtime) -> list[tuple[object, ...]]:
    with runtime.municipal_session(CITY_A) as session:
        return [
            (c.record_id, c.integrated_number, c.tm_code, c.dataset_no, c.dataset_record_key, c.version,
             c.published_from, c.data, c.content_hash)
            for c in intermediate_migration.copies_in_force(session, lg_code=CITY_A)
        ]  # fmt: skip


def test_the_register_round_trips_into_a_fresh_vendor_with_numbers_sealed(
    runtime: Runtime, fresh: Runtime
) -> None:
    family = populate(runtime)
    _register_with_gaiji(runtime)
    with runtime.municipal_session(
        CITY_A
    ) as session:  # the tax copies of the household, and a 転居 in its history
        intermediate.register_copies(
            session,
            lg_code=CITY_A,
            entries=[tax_copy(number, f"R{i}") for i, (_, number) in enumerate(family.values())],
        )
        residents.change_address(
            session, resident_id=family["太郎"][0], postal_code="1000001", address="東京都千代田区千代田三丁目3番",
            effective_on=dt.date(2025, 4, 1), notified_on=dt.date(2025, 4, 2),
            jukinet=JukinetClient(runtime.transport), settings=runtime.settings,
        )  # fmt: skip
    with runtime.municipal_session(CITY_A) as session:
        exported = migration.export_package(
            session, lg_code=CITY_A, settings=runtime.settings, passphrase=PASSPHRASE
        )
        for_jisx0213 = migration.export_package(
            session, lg_code=CITY_A, settings=runtime.settings, passphrase=PASSPHRASE, charset="jisx0213"
        )
    before, history = _state(runtime), _history(runtime)
    register, people, _ = before
    numbers = [r.mynumber for r in register] + [r.juminhyo_code for r in register]  # type: ignore[attr-defined]
    assert len(register) == 4 and len(people) == 4
    assert [(c.kind, c.reason_code) for c in history] == [("address_change", "C21")]  # type: ignore[attr-defined]
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert not any(n in text for n in numbers), name  # sealed, never in clear
    # 髙 and 﨑 are outside JIS X 0208: reported in the register's 氏 and the 統合宛名's 氏名, and carried unchanged
    assert {(m.file, m.item, m.reason[-3:]) for m in exported.misfits} == {
        (migration.JUMIN, "氏", "（髙）"), (migration.PEOPLE, "氏名", "（髙）"),
        (migration.JUMIN, "氏", "（﨑）"), (migration.PEOPLE, "氏名", "（﨑）"),
    }  # fmt: skip
    assert exported.misfits[0].record == f"{9:015d}"
    assert "髙" in archive.read("取込注意.csv").decode()
    # a receiving system on JIS X 0213:2004 holds 﨑, not 髙 (an IBM extension kanji)
    assert {(m.item, m.reason) for m in for_jisx0213.misfits} == {
        ("氏", "JIS X 0213:2004 にない文字を含みます（髙）"), ("氏名", "JIS X 0213:2004 にない文字を含みます（髙）"),
    }  # fmt: skip
    assert (
        '"charset": "JIS X 0213:2004"'
        in zipfile.ZipFile(io.BytesIO(for_jisx0213.data)).read("MANIFEST.json").decode()
    )
    with fresh.municipal_session(CITY_A) as session:
        done = migration.import_package(
            session, lg_code=CITY_A, data=exported.data, settings=fresh.settings, passphrase=PASSPHRASE
        )
    assert (done.residents, done.people, done.misfits, done.changes) == (4, 4, 4, 1)
    assert _state(fresh) == before  # identical register, 統合宛名, links and series
    assert _history(fresh) == history  # and the 異動履歴 with its 異動事由コード
    assert done.copies == 2 and _copies(fresh) == _copies(runtime)  # the same 副本, the same content hashes
    with runtime.municipal_session(CITY_A) as old, fresh.municipal_session(CITY_A) as new:
        a = (
            old.execute(
                residents_migration.sa.text(
                    "SELECT mynumber_sealed FROM residents_resident ORDER BY atena_number"
                )
            )
            .scalars()
            .all()
        )
        b = (
            new.execute(
                residents_migration.sa.text(
                    "SELECT mynumber_sealed FROM residents_resident ORDER BY atena_number"
                )
            )
            .scalars()
            .all()
        )
        assert all(x != y for x, y in zip(a, b, strict=True))  # sealed again under the new vendor's key
        mynumber = register[0].mynumber  # type: ignore[attr-defined]
        assert [
            v.integrated_number
            for v in addressee.find_by_mynumber(new, mynumber=mynumber, settings=fresh.settings)
        ] == [
            people[0].integrated_number  # type: ignore[attr-defined]
        ]  # the blind index works under the new key


def test_a_wrong_passphrase_or_a_changed_file_is_refused_and_nothing_is_kept(
    runtime: Runtime, fresh: Runtime
) -> None:
    populate(runtime)
    with runtime.municipal_session(CITY_A) as session:
        exported = migration.export_package(
            session, lg_code=CITY_A, settings=runtime.settings, passphrase=PASSPHRASE
        )
    with pytest.raises(Invalid, match="封緘を開けません"), fresh.municipal_session(CITY_A) as session:
        migration.import_package(
            session, lg_code=CITY_A, data=exported.data, settings=fresh.settings, passphrase="x" * 20
        )
    source = zipfile.ZipFile(io.BytesIO(exported.data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as changed:
        for name in source.namelist():
            data = source.read(name)
            changed.writestr(
                name, data.replace("山田".encode(), "川田".encode()) if name == migration.JUMIN else data
            )
    with pytest.raises(Invalid, match="SHA-256") as caught, fresh.municipal_session(CITY_A) as session:
        migration.import_package(
            session, lg_code=CITY_A, data=buffer.getvalue(), settings=fresh.settings, passphrase=PASSPHRASE
        )
    assert caught.value.record == migration.JUMIN
    with pytest.raises(Invalid, match="団体コード"), fresh.municipal_session("131121") as session:
        migration.import_package(
            session, lg_code="131121", data=exported.data, settings=fresh.settings, passphrase=PASSPHRASE
        )
    assert _state(fresh)[0] == []


def test_importing_onto_a_register_that_is_not_empty_is_refused(runtime: Runtime) -> None:
    populate(runtime)
    with runtime.municipal_session(CITY_A) as session:
        exported = migration.export_package(
            session, lg_code=CITY_A, settings=runtime.settings, passphrase=PASSPHRASE
        )
    with pytest.raises(Conflict, match="空ではありません"), runtime.municipal_session(CITY_A) as session:
        migration.import_package(
            session, lg_code=CITY_A, data=exported.data, settings=runtime.settings, passphrase=PASSPHRASE
        )
    with pytest.raises(Invalid, match="12文字以上"), runtime.municipal_session(CITY_A) as session:
        migration.export_package(session, lg_code=CITY_A, settings=runtime.settings, passphrase="short")


def test_the_cli_exports_and_imports_into_another_data_directory(
    runtime: Runtime, fresh: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from renkei.cli import cli

    populate(runtime)
    out = tmp_path / "move.zip"
    env = {**cli_env, "RENKEI_MIGRATION_PASSPHRASE": PASSPHRASE}
    done = CliRunner().invoke(
        cli,
        ["migration", "export", "--out", str(out), "--municipality", CITY_A, "--charset", "jisx0213"],
        env=env,
    )
    assert done.exit_code == 0 and "JUKI_JUMIN.csv: 2件" in done.output, done.output
    new_env = {**env, "RENKEI_DATA_DIR": str(fresh.settings.data_dir), "RENKEI_MYNUMBER_KEY": "77" * 32,
               "RENKEI_BLIND_INDEX_KEY": "88" * 32}  # fmt: skip
    if fresh.settings.database_url is not None:
        new_env["RENKEI_DATABASE_URL"] = fresh.settings.database_url
    target: list[str] = []
    back = CliRunner().invoke(
        cli, ["migration", "import", str(out), "--municipality", CITY_A, *target], env=new_env
    )
    assert back.exit_code == 0 and "住民 2件、異動履歴 0件、統合宛名 2件、副本 0件" in back.output, (
        back.output
    )
    again = CliRunner().invoke(
        cli, ["migration", "import", str(out), "--municipality", CITY_A, *target], env=new_env
    )
    assert again.exit_code == 1 and "空ではありません" in again.output
