"""`renkei audit invariants` after the demo: clean; then each planted leak is found, named by place and kind."""

from __future__ import annotations

import json

import sqlalchemy as sa
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core.settings import Settings
from renkei.hub.models import HubAgency
from renkei.intermediate.models import IntermediateCopy
from renkei.jukinet.models import JukinetPerson
from renkei.residents import service as residents
from renkei.residents.models import ResidentsResident
from renkei.runtime import Runtime


def audit(env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "invariants"], env=env)
    return result.exit_code, result.output


def test_the_demo_is_clean_and_every_planted_leak_is_found_without_printing_it(
    cli_env: dict[str, str], settings: Settings
) -> None:
    setup = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--population", "20", "--card-holders", "2"], env=cli_env
    )
    assert setup.exit_code == 0, setup.output
    code, out = audit(cli_env)
    assert code == 0, out
    assert "OK" in out and "個人番号 0 件" not in out and "副本 0 件" not in out, out

    with Runtime(settings) as runtime:
        lg = next(n for n in runtime.databases.existing_nodes() if n.startswith("lg"))
        with runtime.session(lg) as session:
            person = session.scalars(sa.select(ResidentsResident).limit(1)).one()
            mynumber = residents.mynumber_of(session, resident_id=person.id, settings=settings)
            name = person.surname + person.given_name
        with runtime.session("jukinet") as session:
            code_11 = session.scalars(sa.select(JukinetPerson.juminhyo_code).limit(1)).one()
        with runtime.session("hub") as session:
            agency = session.scalars(sa.select(HubAgency).limit(1)).one()
            agency.name = f"{agency.name} {name}"
        with runtime.session(lg) as session:
            copy = next(d for d in session.scalars(sa.select(IntermediateCopy.data)) if d)
        log = settings.data_dir / "batch.log"
        log.write_text(
            f"2026-12-01 import failed: params ('{code_11}', 'x{mynumber}y')\nanswer {json.dumps(copy, ensure_ascii=False)}\n",
            encoding="utf-8",
        )
    code, out = audit(cli_env)
    assert code == 1, out
    assert "hub.hub_agency.name: 住民の氏名" in out
    assert f"{log}:1: 個人番号（平文）" in out and f"{log}:1: 住民票コード" in out
    assert f"{log}:2: 副本の平文" in out
    assert (
        mynumber not in out and code_11 not in out and name not in out
    )  # the report names places, not values
