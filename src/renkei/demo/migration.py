"""Demo vendor migration: the first municipality's register and 統合宛名 moved to a second 'vendor' and compared."""

from __future__ import annotations

import dataclasses
import secrets

from sqlalchemy.engine import make_url

from renkei.addressee.service import migration as addressee_migration
from renkei.connectors import migration
from renkei.residents.service import migration as residents_migration
from renkei.runtime import Runtime


def _snapshot(runtime: Runtime, lg_code: str) -> tuple[list[object], list[object]]:
    with runtime.municipal_session(lg_code) as session:
        register = residents_migration.export_residents(session, settings=runtime.settings)
        people, _ = addressee_migration.export_people(
            session,
            settings=runtime.settings,
            atena_of_resident={r.resident_id: r.atena_number for r in register},
        )
    return [dataclasses.replace(r, resident_id=0) for r in register], list(people)


def setup(runtime: Runtime, *, lg_code: str) -> list[str]:
    """Export lg_code, import it into <data-dir>/migration-target (its own keys), and compare; returns lines."""
    target_dir = runtime.settings.data_dir / "migration-target"
    url = runtime.settings.database_url
    target_settings = runtime.settings.model_copy(
        update={
            "data_dir": target_dir,
            "database_url": None if url is None else str(make_url(url).set(database=f"{make_url(url).database}_migtarget")),
            "mynumber_key": None, "mynumber_key_file": None, "blind_index_key": None, "blind_index_key_file": None,
        }
    )  # fmt: skip
    passphrase = secrets.token_urlsafe(18)
    with runtime.municipal_session(lg_code) as session:
        exported = migration.export_package(
            session, lg_code=lg_code, settings=runtime.settings, passphrase=passphrase
        )
    package = runtime.settings.data_dir / "migration" / f"{lg_code}.zip"
    package.parent.mkdir(parents=True, exist_ok=True)
    package.write_bytes(exported.data)
    lines = ["ベンダー移行（デモ） / vendor migration (中間標準レイアウト):"]
    with Runtime(target_settings) as target:
        with target.municipal_session(lg_code) as session:
            populated = residents_migration.export_residents(session, settings=target.settings)
        if populated:
            lines.append(f"  移行先 {target_dir} は移行済みです")
            return lines
        with target.municipal_session(lg_code) as session:
            done = migration.import_package(
                session, lg_code=lg_code, data=exported.data, settings=target.settings, passphrase=passphrase
            )
        same = _snapshot(runtime, lg_code) == _snapshot(target, lg_code)
    lines.append(
        f"  {package}: 住民 {done.residents}件、統合宛名 {done.people}件、要注意の値 {done.misfits}件"
    )
    lines.append(
        f"  移行先 {target_dir}: {'移行元と同一です' if same else '移行元と一致しません'}（個人番号は封緘のまま移送）"
    )
    return lines
