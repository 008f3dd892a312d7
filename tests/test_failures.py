"""Failures that speak well and leak nothing: a full disk during an import, a read-only copy, concurrent imports."""

from __future__ import annotations

import csv
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core.settings import Settings
from renkei.residents.population import write_csv
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA

sqlite_only = pytest.mark.skipif(
    bool(os.environ.get("RENKEI_TEST_DATABASE_URL")), reason="the file-level faults are SQLite's"
)


def names_in(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return (
        {r["氏"] + r["名"] for r in rows}
        | {r["氏"] for r in rows if len(r["氏"]) >= 2}
        | {r["住所"] for r in rows}
    )


@pytest.fixture
def capped(settings: Settings) -> Iterator[dict[str, int]]:
    """Cap the municipality's SQLite file at `pages` pages once set (a disk that fills up), for every connection."""
    limit: dict[str, int] = {}
    target = str((settings.data_dir / f"lg{CHIYODA}.sqlite3").resolve())

    def cap(dbapi_connection: Any, _record: Any) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        files = [row[2] for row in dbapi_connection.execute("PRAGMA database_list")]
        if target in files and "pages" in limit:
            dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    sa.event.listen(sa.engine.Engine, "connect", cap)
    try:
        yield limit
    finally:
        sa.event.remove(sa.engine.Engine, "connect", cap)


@sqlite_only
def test_a_full_disk_during_an_import_is_one_line_naming_the_file_and_leaks_no_resident_data(
    cli_env: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    capped: dict[str, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = tmp_path / "people.csv"
    write_csv(people, lg_code=CHIYODA, count=400, seed=3)
    secrets = names_in(people)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "--help"], env=cli_env).exit_code == 0
    with Runtime(settings) as runtime, runtime.municipal_session(CHIYODA) as session:
        pages = session.execute(sa.text("PRAGMA page_count")).scalar_one()
    capped["pages"] = int(pages) + 25  # room for a few dozen residents, not 400
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        failed = runner.invoke(
            cli, ["residents", "import", str(people), "--municipality", CHIYODA], env=cli_env
        )
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert failed.exit_code == 1, failed.output
    errors = [line for line in failed.output.splitlines() if line.startswith("エラー")]
    assert len(errors) == 1 and "ディスクの空き" in errors[0] and f"lg{CHIYODA}.sqlite3" in errors[0], (
        failed.output
    )
    # besides the import's own progress line and its note of the encoding chosen: the error and the --debug hint
    said = [
        line for line in failed.output.splitlines() if not line.startswith(("文字コード:", "住民記録の取込"))
    ]
    assert "Traceback" not in failed.output and len(said) <= 3, failed.output
    leaked = [s for s in secrets if s in failed.output or s in caplog.text]
    assert leaked == [], leaked[:3]
    assert "INSERT" in caplog.text  # the engine's statements were logged: without their parameters

    debug = runner.invoke(
        cli, ["--debug", "residents", "import", str(people), "--municipality", CHIYODA], env=cli_env
    )
    assert debug.exit_code == 1 and "Traceback" in debug.output
    assert [s for s in secrets if s in debug.output] == []

    capped.pop("pages")
    done = runner.invoke(cli, ["residents", "import", str(people), "--municipality", CHIYODA], env=cli_env)
    assert done.exit_code == 0, done.output
    assert "新規登録 400 人" in done.output or "登録済み" in done.output, done.output
    with Runtime(settings) as runtime, runtime.municipal_session(CHIYODA) as session:
        assert session.execute(sa.text("SELECT count(*) FROM residents_resident")).scalar_one() == 400


@contextmanager
def read_only_mount(source: Path, target: Path) -> Iterator[Path]:
    """`source` bind-mounted read-only at `target` (even root cannot write there), or skip the test."""
    target.mkdir()
    mount = shutil.which("mount")
    done = subprocess.run(
        [mount or "mount", "--bind", str(source), str(target)], capture_output=True, check=False
    )
    if mount is None or done.returncode != 0:
        pytest.skip("needs mount --bind (root, util-linux mount)")
    try:
        subprocess.run([mount, "-o", "remount,ro,bind", str(target)], check=True, capture_output=True)
        yield target
    finally:
        subprocess.run([shutil.which("umount") or "umount", str(target)], check=False, capture_output=True)


@sqlite_only
def test_read_only_commands_work_on_a_read_only_copy_of_the_data_directory(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    setup = runner.invoke(
        cli, ["demo", "--no-serve", "--population", "20", "--card-holders", "2"], env=cli_env
    )
    assert setup.exit_code == 0, setup.output
    copy = tmp_path / "copy"
    shutil.copytree(settings.data_dir, copy)
    people = tmp_path / "people.csv"
    write_csv(people, lg_code=CHIYODA, count=60, seed=5)  # more people than the demo registered
    with read_only_mount(copy, tmp_path / "ro") as ro:
        before = sorted(p.name for p in ro.iterdir())
        env = cli_env | {"RENKEI_DATA_DIR": str(ro)}
        for args in (
            ["records", "verify"],
            ["records", "list", "--municipality", CHIYODA],
            ["residents", "list", "--municipality", CHIYODA],
            ["audit", "invariants"],
        ):
            done = runner.invoke(cli, args, env=env)
            assert done.exit_code == 0, (args, done.output)
        assert sorted(p.name for p in ro.iterdir()) == before  # no -wal/-shm or any other file was created
        refused = runner.invoke(cli, ["residents", "import", str(people), "--municipality", CHIYODA], env=env)
    assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
    assert refused.output.count("エラー") == 1 and "読み取り専用" in refused.output, refused.output


def test_two_imports_into_one_municipality_at_once_never_leave_jukinet_and_the_register_apart(
    runtime: Runtime, tmp_path: Path
) -> None:
    import threading

    from renkei.addressee.intake import import_population
    from renkei.core.errors import Conflict
    from renkei.jukinet.models import JukinetPerson
    from tests.residents.builders import connect, jukinet

    connect(runtime)
    people = tmp_path / "people.csv"
    write_csv(people, lg_code=CHIYODA, count=1500, seed=21)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def one() -> None:
        barrier.wait()
        try:
            result = import_population(
                lambda: runtime.municipal_session(CHIYODA),
                path=people,
                lg_code=CHIYODA,
                jukinet=jukinet(runtime),
                settings=runtime.settings,
            )
            outcomes.append(f"registered {result.registered}")
        except Conflict as refused:
            assert "別に実行中" in refused.message
            outcomes.append("refused")

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sorted(outcomes) in (["refused", "registered 1500"], ["registered 0", "registered 1500"]), outcomes
    with runtime.municipal_session(CHIYODA) as session:
        on_register = session.execute(sa.text("SELECT count(*) FROM residents_resident")).scalar_one()
    with runtime.session("jukinet") as session:
        at_jukinet = session.scalar(
            sa.select(sa.func.count()).select_from(JukinetPerson).where(JukinetPerson.lg_code == CHIYODA)
        )
    assert on_register == at_jukinet == 1500


@sqlite_only
def test_two_first_commands_on_a_fresh_data_directory_at_once_both_succeed(tmp_path: Path) -> None:
    """Keys, databases, migrations and the default municipalities are set up once, whoever comes first."""
    import subprocess as sp

    renkei = shutil.which("renkei", path=str(Path(__import__("sys").executable).parent))
    assert renkei is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "RENKEI_DATA_DIR": str(tmp_path / "fresh"),
        "HOME": str(tmp_path),
    }
    people = tmp_path / "people.csv"
    write_csv(people, lg_code=CHIYODA, count=5, seed=1)
    other = tmp_path / "other.csv"
    write_csv(other, lg_code="131121", count=5, seed=2)
    runs = [
        sp.Popen(
            [renkei, "residents", "import", str(path), "--municipality", lg],
            env=env,
            stdout=sp.PIPE,
            stderr=sp.PIPE,
            text=True,
        )
        for path, lg in ((people, CHIYODA), (other, "131121"))
    ]
    results = [
        (p.wait(timeout=600), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
        for p in runs
    ]
    assert all(code == 0 for code, _o, _e in results), results
    keys = sorted(p.name for p in (tmp_path / "fresh" / "keys").iterdir())
    assert keys and not [k for k in keys if k.startswith(".")]  # no temporary key file left behind
