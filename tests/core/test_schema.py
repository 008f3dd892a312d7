"""Alembic owns the schema: the migrations produce exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from renkei.migrations.models import target_metadata
from renkei.runtime import Runtime


def test_models_and_migrations_agree(runtime: Runtime) -> None:
    engine = runtime.databases.engine("hub")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, target_metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrations_run_down_and_up_again(runtime: Runtime) -> None:
    from alembic import command

    from renkei.core.db import alembic_config

    engine = runtime.databases.engine("portal")
    config = alembic_config(engine)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
