"""Databases: one per node, portable column types, the one `session_scope()` every request and command uses."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from renkei.core.errors import Refused
from renkei.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every component's tables; each component owns the tables it prefixes."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware timestamps on both databases: stored as UTC, always returned aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


_NODE = re.compile(r"[a-z][a-z0-9_]{0,40}")


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    with contextlib.suppress(sqlite3.OperationalError):  # a read-only copy keeps the journal mode it has
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _read_only_copy(path: Path) -> bool:
    """A SQLite file this process may not write (an auditor's read-only copy of a data directory)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _note_database(context: Any) -> None:
    """handle_error: say which database failed on the exception, so the CLI can name the file (never the SQL)."""
    error = context.sqlalchemy_exception
    if error is not None and context.engine is not None:
        url = context.engine.url
        name = url.database or ""
        if name.startswith("file:"):
            name = name[5:]
        error.renkei_database = name if url.get_backend_name() == "sqlite" else f"{url.host}/{name}"


def create_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine whose errors never carry statement parameters (residents' data) and name their database."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, echo=echo, hide_parameters=not echo)
        event.listen(engine, "connect", _on_sqlite_connect)
    else:
        engine = sa.create_engine(
            url, echo=echo, hide_parameters=not echo, pool_pre_ping=True, pool_size=5, max_overflow=10
        )
    event.listen(engine, "handle_error", _note_database)
    return engine


class Databases:
    """The databases of the nodes a process runs: `jukinet`, `hub`, `jpki`, `portal`, `lg131016` …

    Engines are made lazily, once per node, and every new node database is migrated to the head revision.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        self._writers: dict[str, threading.RLock] = {}
        self.serialise_sqlite = False

    def serialise_sqlite_transactions(self) -> None:
        """One transaction at a time per SQLite node in this process (served processes turn this on).

        SQLite has no row locks (SELECT … FOR UPDATE SKIP LOCKED is a no-op) and makes a second writer sleep in
        its busy handler up to 100 ms at a time; a process lock per node file is fair and fast instead. Every
        transaction is short and makes no network call (CONVENTIONS §18), so nothing waits long. PostgreSQL
        locks rows itself and is left alone.
        """
        self.serialise_sqlite = True

    def url_for(self, node: str) -> URL:
        if not _NODE.fullmatch(node):
            raise ValueError(f"bad node name {node!r}")
        if self.settings.database_url is None:
            path = (self.settings.data_dir / f"{node}.sqlite3").resolve()
            if _read_only_copy(path):
                # Opened read-only and immutable: no WAL switch, no -shm/-wal files, nothing written.
                return make_url(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
            return make_url(f"sqlite:///{path}")
        base = make_url(self.settings.database_url)
        if base.get_backend_name() == "sqlite":
            return base
        return base.set(database=f"{base.database or 'renkei'}_{node}")

    def engine(self, node: str) -> Engine:
        with self._lock:
            engine = self._engines.get(node)
            if engine is None:
                url = self.url_for(node)
                with _setup_lock(url, node):
                    ensure_database(url, template=self.settings.database_template)
                    engine = create_engine(url, echo=self.settings.sql_echo)
                    upgrade(engine)
                self._engines[node] = engine
            return engine

    def nodes(self) -> list[str]:
        """Nodes this process has opened."""
        return sorted(self._engines)

    def existing_nodes(self) -> list[str]:
        """Nodes whose database exists, opened here or not (never creates one)."""
        found = set(self._engines)
        if self.settings.database_url is None:
            if self.settings.data_dir.exists():
                found.update(
                    p.name.removesuffix(".sqlite3") for p in self.settings.data_dir.glob("*.sqlite3")
                )
        else:
            base = make_url(self.settings.database_url)
            if base.get_backend_name() == "postgresql":
                prefix = f"{base.database or 'renkei'}_"
                admin = sa.create_engine(base.set(database="postgres"))
                try:
                    with admin.connect() as conn:
                        names = conn.scalars(
                            sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                            {"p": prefix},
                        ).all()
                finally:
                    admin.dispose()
                found.update(n[len(prefix) :] for n in names)
        return sorted(n for n in found if _NODE.fullmatch(n))

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def _writer(self, node: str) -> threading.RLock | None:
        if not self.serialise_sqlite or self.url_for(node).get_backend_name() != "sqlite":
            return None
        with self._lock:
            return self._writers.setdefault(node, threading.RLock())

    @contextmanager
    def session(self, node: str) -> Iterator[Session]:
        engine = self.engine(node)
        writer = self._writer(node)
        if writer is None:
            with session_scope(engine) as session:
                yield session
            return
        with writer, session_scope(engine) as session:
            yield session


@contextmanager
def _setup_lock(url: URL, node: str) -> Iterator[None]:
    """Serialise creating and migrating a node database across processes (two first commands at once).

    SQLite: an exclusive flock on a lock file beside the database; PostgreSQL: an advisory lock taken on the
    server's maintenance database. A read-only copy takes no lock (nothing is created or migrated there).
    """
    if url.get_backend_name() == "sqlite":
        if url.query.get("mode") == "ro" or not url.database or url.database == ":memory:":
            yield
            return
        path = Path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.with_name(f".{path.name}.setup.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    key = zlib.crc32(f"renkei-setup|{url.database}".encode()) & 0x7FFFFFFF
    try:
        with admin.connect() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
    finally:
        admin.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any error.

    Services flush, never commit (CONVENTIONS §4): the action and its access record commit together.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Refused:
            session.commit()  # the refusal's own record is kept (docs/decisions/0130)
            raise
        except BaseException:
            session.rollback()
            raise


def ensure_database(url: URL, *, template: str | None = None) -> None:
    """Create the node database if it does not exist (a SQLite file's folder; a PostgreSQL database)."""
    if url.get_backend_name() == "sqlite":
        if url.query.get("mode") == "ro":
            return  # a read-only copy: it exists and is not to be touched
        if url.database and url.database != ":memory:":
            path = Path(url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if template and not path.exists():
                shutil.copyfile(template, path)
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if not exists:
                clause = f' TEMPLATE "{template}"' if template else ""
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"{clause}'))
    finally:
        admin.dispose()


def drop_database(url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(url.database + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    if engine is not None:
        config.attributes["connection_engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring a node database to `revision` (Alembic owns the schema: CONVENTIONS §7)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    if revision == "head" and set(current) == set(script.get_heads()):
        return
    command.upgrade(config, revision)
