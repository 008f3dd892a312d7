"""Test fixtures: a fresh set of node databases per test, on SQLite or PostgreSQL.

One action in renkei spans several nodes' databases (a birth touches the municipality and 住基ネット), so tests
are isolated by giving each test empty node databases: on SQLite fresh files copied from a template migrated once
per session, on PostgreSQL one database per node and worker, emptied after every test
(docs/decisions/0005-test-isolation.md). Set RENKEI_TEST_DATABASE_URL to a PostgreSQL server URL to run the
suite there, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/renkei_test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from sqlalchemy.engine import Engine, make_url

from renkei.core.db import create_engine, drop_database, ensure_database, upgrade
from renkei.core.settings import Settings
from renkei.runtime import Runtime

PG_URL = os.environ.get("RENKEI_TEST_DATABASE_URL")

# Searches are judged on what they find, not on how fast an example runs: on a shared 2-core machine an example
# can take longer than Hypothesis's default 200 ms deadline for no fault of the code (a flaky failure).
hypothesis_settings.register_profile("renkei", deadline=None)
hypothesis_settings.load_profile("renkei")

# Fixed test keys (deterministic crypto in tests, CONVENTIONS §9).
TEST_KEYS = {
    "mynumber_key": SecretStr("11" * 32),
    "blind_index_key": SecretStr("22" * 32),
    "jukinet_key": SecretStr("33" * 32),
    "hub_key": SecretStr("44" * 32),
    "jpki_key": SecretStr("66" * 32),
    "session_secret": SecretStr("55" * 32),
}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per test session; every node database of every test copies it."""
    if PG_URL is None:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)
        return
    name = f"renkei_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    url = make_url(PG_URL).set(database=name)
    ensure_database(url)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield name
    drop_database(url)


def make_settings(tmp_path: Path, template: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": None if PG_URL is None else str(make_url(PG_URL).set(database=_pg_prefix())),
        "database_template": template,
        **TEST_KEYS,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


# On PostgreSQL, creating and dropping a database per test costs seconds (DROP DATABASE forces a checkpoint), so
# each pytest worker keeps one database per node for the whole session, named <prefix>_<node>, and empties
# every table after each test (DELETE in dependency order, sequences restarted: milliseconds).
_PG_PREFIX: dict[str, str] = {}
_PG_CLEANERS: dict[str, Engine] = {}


def _pg_prefix() -> str:
    worker = _worker()
    if worker not in _PG_PREFIX:
        _PG_PREFIX[worker] = f"rkt{worker.replace('gw', '')}{uuid.uuid4().hex[:6]}"
    return _PG_PREFIX[worker]


def _pg_node_databases() -> list[str]:
    assert PG_URL is not None
    admin = create_engine(make_url(PG_URL).set(database="postgres"))
    try:
        with admin.connect() as conn:
            return list(
                conn.scalars(
                    sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                    {"p": f"{_pg_prefix()}\\_%"},
                )
            )
    finally:
        admin.dispose()


def empty_node_databases() -> None:
    """Empty every table of this worker's node databases and restart their sequences."""
    from renkei.migrations.models import target_metadata

    tables = [t.name for t in reversed(target_metadata.sorted_tables)]
    assert PG_URL is not None
    for name in _pg_node_databases():
        engine = _PG_CLEANERS.get(name)
        if engine is None:
            engine = _PG_CLEANERS[name] = create_engine(make_url(PG_URL).set(database=name))
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            conn.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            present = set(sa.inspect(conn).get_table_names())
            for table in tables:
                if table in present:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
            for sequence in conn.scalars(
                sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ):
                conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))


def drop_node_databases(settings: Settings) -> None:
    """Leave the node databases of `settings` empty for the next test (see `empty_node_databases`)."""
    if settings.database_url is not None:
        empty_node_databases()


@pytest.fixture(scope="session", autouse=True)
def _drop_worker_databases() -> Iterator[None]:
    yield
    if PG_URL is None or _worker() not in _PG_PREFIX:
        return
    for engine in _PG_CLEANERS.values():
        engine.dispose()
    # Each DROP DATABASE waits for a checkpoint; dropped together they share them (10 in 3.8 s, not 55 s).
    from concurrent.futures import ThreadPoolExecutor

    pg_url = PG_URL
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda name: drop_database(make_url(pg_url).set(database=name)), _pg_node_databases()))


@pytest.fixture
def settings(tmp_path: Path, database_template: str) -> Iterator[Settings]:
    made = make_settings(tmp_path, database_template)
    yield made
    drop_node_databases(made)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for CLI tests: the same databases and keys the `runtime` fixture uses."""
    env = {
        "RENKEI_DATA_DIR": str(settings.data_dir),
        "RENKEI_DATABASE_TEMPLATE": settings.database_template or "",
    }
    if settings.database_url:
        env["RENKEI_DATABASE_URL"] = settings.database_url
    for name, value in TEST_KEYS.items():
        env[f"RENKEI_{name.upper()}"] = value.get_secret_value()
    return env
