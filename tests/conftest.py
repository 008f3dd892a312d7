"""Test fixtures: a fresh set of node databases per test, on SQLite or PostgreSQL.

One action in renkei spans several nodes' databases (a birth touches the municipality and 住基ネット), so tests
are isolated by giving each test its own databases, copied from a template migrated once per session
(docs/decisions/0005-test-isolation.md). Set RENKEI_TEST_DATABASE_URL to a PostgreSQL server URL to run the
suite there, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/renkei_test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from renkei.core.db import create_engine, drop_database, ensure_database, upgrade
from renkei.core.settings import Settings
from renkei.runtime import Runtime

PG_URL = os.environ.get("RENKEI_TEST_DATABASE_URL")

# Fixed test keys (deterministic crypto in tests, CONVENTIONS §9).
TEST_KEYS = {
    "mynumber_key": SecretStr("11" * 32),
    "blind_index_key": SecretStr("22" * 32),
    "jukinet_key": SecretStr("33" * 32),
    "hub_key": SecretStr("44" * 32),
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
    database_url = None
    if PG_URL is not None:
        database_url = str(make_url(PG_URL).set(database=f"rk{uuid.uuid4().hex[:10]}"))
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": database_url,
        "database_template": template,
        **TEST_KEYS,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def drop_node_databases(settings: Settings) -> None:
    """Drop every PostgreSQL database a test made (all are named <prefix>_<node>)."""
    if settings.database_url is None:
        return
    import sqlalchemy as sa

    base = make_url(settings.database_url)
    admin = create_engine(base.set(database="postgres"))
    with admin.connect() as conn:
        names = conn.scalars(
            sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{base.database}\\_%"}
        ).all()
    admin.dispose()
    for name in names:
        drop_database(base.set(database=name))


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
