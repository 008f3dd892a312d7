"""The demo accounts: one per role per municipality, a published password, and codes from `renkei staff totp`."""

from __future__ import annotations

import datetime as dt

import pyotp
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core import clock
from renkei.demo import staff as demo_staff
from renkei.runtime import Runtime
from renkei.staff import service as staff_service

CITIES = ["131016", "131121"]


def test_setup_makes_one_demo_account_per_role_per_municipality_and_can_run_twice(runtime: Runtime) -> None:
    lines = demo_staff.setup(runtime, lg_codes=CITIES)
    again = demo_staff.setup(runtime, lg_codes=CITIES)
    assert lines == again
    assert any(demo_staff.DEMO_PASSWORD in line for line in lines)
    assert any("renkei staff totp --municipality 131016 --login demo-juki" in line for line in lines)
    for lg_code in CITIES:
        with runtime.municipal_session(lg_code) as session:
            accounts = staff_service.list_accounts(session)
        assert len(accounts) == len(staff_service.ROLES)
        assert {role for a in accounts for role in a.role_names} == set(staff_service.ROLES)
        assert all(a.is_demo for a in accounts)


def test_a_demo_account_logs_in_with_the_published_password_and_its_fixed_secret(runtime: Runtime) -> None:
    demo_staff.setup(runtime, lg_codes=CITIES[:1])
    with runtime.municipal_session(CITIES[0]) as session:
        first = staff_service.check_password(session, login="demo-admin", password=demo_staff.DEMO_PASSWORD)
        assert first.account is not None
        code = pyotp.TOTP(demo_staff.demo_totp_secret(CITIES[0], "demo-admin")).now()
        second = staff_service.check_totp(
            session, staff_id=first.account.id, code=code, totp_key=staff_service.totp_key(runtime.settings)
        )
    assert second.ok


def test_the_totp_command_prints_the_current_code_of_a_demo_account(
    runtime: Runtime, cli_env: dict[str, str]
) -> None:
    demo_staff.setup(runtime, lg_codes=CITIES[:1])
    at = dt.datetime(2026, 4, 1, 9, 0, 10, tzinfo=dt.UTC)  # mid-step, so the code cannot roll over meanwhile
    with clock.frozen(at):
        result = CliRunner().invoke(
            cli, ["staff", "totp", "--municipality", CITIES[0], "--login", "demo-juki"], env=cli_env
        )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == pyotp.TOTP(demo_staff.demo_totp_secret(CITIES[0], "demo-juki")).at(at)
