"""Staff accounts: argon2 hashes (rehashed when parameters change), TOTP, lockout, roles and account events."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from argon2 import PasswordHasher

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid
from renkei.runtime import Runtime
from renkei.staff import service
from renkei.staff.models import StaffAccount

CITY = "131016"
PASSWORD = "correct-horse-battery"
T0 = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)


def add(
    runtime: Runtime, login: str = "sato", *roles: str, demo: bool = False, secret: str | None = None
) -> service.Enrolment:
    with runtime.municipal_session(CITY) as session:
        return service.create_account(
            session,
            login=login,
            name="佐藤 花子",
            roles=roles or ("juki",),
            password=PASSWORD,
            totp_key=service.totp_key(runtime.settings),
            lg_code=CITY,
            demo=demo,
            totp_secret=secret,
        )


def password(runtime: Runtime, login: str, given: str) -> service.LoginResult:
    with runtime.municipal_session(CITY) as session:
        return service.check_password(session, login=login, password=given)


def totp(runtime: Runtime, staff_id: int, code: str) -> service.LoginResult:
    with runtime.municipal_session(CITY) as session:
        return service.check_totp(
            session, staff_id=staff_id, code=code, totp_key=service.totp_key(runtime.settings)
        )


def actions(runtime: Runtime, staff_id: int) -> list[str]:
    with runtime.municipal_session(CITY) as session:
        return [e.action for e in reversed(service.events(session, account_id=staff_id))]


def test_the_password_is_stored_only_as_an_argon2id_hash(runtime: Runtime) -> None:
    enrolment = add(runtime)
    stored = enrolment.account.password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert password(runtime, "sato", PASSWORD).ok
    assert not password(runtime, "sato", PASSWORD + "x").ok


def test_a_hash_made_with_old_parameters_is_replaced_at_the_next_login(runtime: Runtime) -> None:
    enrolment = add(runtime)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with runtime.municipal_session(CITY) as session:
        session.get(StaffAccount, enrolment.account.id).password_hash = weak  # type: ignore[union-attr]
    assert password(runtime, "sato", PASSWORD).ok
    with runtime.municipal_session(CITY) as session:
        renewed = service.get_account(session, staff_id=enrolment.account.id).password_hash
    assert renewed != weak
    assert not service.HASHER.check_needs_rehash(renewed)
    assert "password_rehashed" in actions(runtime, enrolment.account.id)


def test_the_totp_secret_is_sealed_and_the_uri_names_the_municipality(runtime: Runtime) -> None:
    enrolment = add(runtime)
    assert enrolment.totp_secret.encode() not in enrolment.account.totp_secret_sealed
    assert enrolment.provisioning_uri.startswith("otpauth://totp/")
    assert f"secret={enrolment.totp_secret}" in enrolment.provisioning_uri
    assert CITY in enrolment.provisioning_uri


def test_a_current_totp_code_passes_once_and_codes_from_far_away_in_time_do_not(runtime: Runtime) -> None:
    with clock.frozen(T0):
        enrolment = add(runtime)
        generator = pyotp.TOTP(enrolment.totp_secret)
        assert not totp(runtime, enrolment.account.id, generator.at(T0 - dt.timedelta(minutes=5))).ok
        assert not totp(runtime, enrolment.account.id, "12345").ok
        previous_step = generator.at(T0 - dt.timedelta(seconds=30))  # one step of clock drift is allowed
        assert totp(runtime, enrolment.account.id, previous_step).ok
        assert not totp(runtime, enrolment.account.id, previous_step).ok
        assert totp(runtime, enrolment.account.id, generator.at(T0)).ok
    assert actions(runtime, enrolment.account.id)[-1] == "login_succeeded"


def test_five_failures_lock_the_account_for_fifteen_minutes(runtime: Runtime) -> None:
    with clock.frozen(T0):
        enrolment = add(runtime)
        for _ in range(3):
            assert not password(runtime, "sato", "not-the-password").ok
        for _ in range(2):  # failures at either factor count together
            assert not totp(runtime, enrolment.account.id, "000000").ok
        locked = password(runtime, "sato", PASSWORD)
    assert not locked.ok
    assert locked.refusal is not None and "ロック" in locked.refusal
    with clock.frozen(T0 + dt.timedelta(minutes=14)):
        assert not password(runtime, "sato", PASSWORD).ok
    with clock.frozen(T0 + dt.timedelta(minutes=16)):
        assert password(runtime, "sato", PASSWORD).ok
    seen = actions(runtime, enrolment.account.id)
    assert seen.count("locked") == 1
    assert seen.count("login_refused_locked") == 2


def test_an_administrator_reset_lifts_a_lockout(runtime: Runtime) -> None:
    with clock.frozen(T0):
        enrolment = add(runtime)
        admin = add(runtime, "admin1", "admin")
        for _ in range(service.MAX_FAILURES):
            password(runtime, "sato", "not-the-password")
        with runtime.municipal_session(CITY) as session:
            service.reset_password(
                session,
                staff_id=enrolment.account.id,
                new_password="fresh-passphrase-1",
                actor_id=admin.account.id,
            )
        assert password(runtime, "sato", "fresh-passphrase-1").ok
    with runtime.municipal_session(CITY) as session:
        reset = service.events(session, account_id=enrolment.account.id)[1]
    assert (reset.action, reset.actor_id) == ("password_reset", admin.account.id)


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(runtime: Runtime) -> None:
    enrolment = add(runtime)
    epoch = enrolment.account.epoch
    with runtime.municipal_session(CITY) as session:
        assert service.session_is_current(session, staff_id=enrolment.account.id, epoch=epoch)
        service.disable(session, staff_id=enrolment.account.id, actor_id=None, reason="退職")
        assert not service.session_is_current(session, staff_id=enrolment.account.id, epoch=epoch)
    refused = password(runtime, "sato", PASSWORD)
    assert not refused.ok and refused.refusal is not None and "無効" in refused.refusal
    with runtime.municipal_session(CITY) as session:
        service.enable(session, staff_id=enrolment.account.id, actor_id=None)
    assert password(runtime, "sato", PASSWORD).ok


def test_an_administrator_cannot_disable_their_own_account(runtime: Runtime) -> None:
    admin = add(runtime, "admin1", "admin")
    with runtime.municipal_session(CITY) as session, pytest.raises(Conflict):
        service.disable(session, staff_id=admin.account.id, actor_id=admin.account.id)


def test_roles_are_a_closed_list_and_every_role_requires_totp(runtime: Runtime) -> None:
    municipal = {"juki", "tax", "welfare", "admin", "auditor", "notice"}
    national = {"hub_operator", "jpki_operator"}  # decision 0092
    assert municipal | national == service.ROLES_REQUIRING_TOTP
    with pytest.raises(Invalid) as error:
        add(runtime, "x", "mayor")
    assert error.value.field == "roles"
    with runtime.municipal_session(CITY) as session, pytest.raises(Invalid) as none:
        service.create_account(
            session, login="y", name="佐藤", roles=[], password=PASSWORD, totp_key=b"k" * 32, lg_code=CITY
        )
    assert none.value.field == "roles"
    enrolment = add(runtime, "z", "tax", "welfare")
    assert enrolment.account.role_names == {"tax", "welfare"}


@pytest.mark.parametrize(
    ("login", "given", "field"),
    [("sato", "short", "password"), ("sato", "sato-is-my-password", "password"), ("佐藤", PASSWORD, "login")],
)
def test_weak_passwords_and_bad_login_names_are_refused(
    runtime: Runtime, login: str, given: str, field: str
) -> None:
    with runtime.municipal_session(CITY) as session, pytest.raises(Invalid) as error:
        service.create_account(
            session,
            login=login,
            name="佐藤",
            roles=["juki"],
            password=given,
            totp_key=b"k" * 32,
            lg_code=CITY,
        )
    assert error.value.field == field


def test_a_login_name_is_taken_once(runtime: Runtime) -> None:
    add(runtime)
    with pytest.raises(Conflict):
        add(runtime)


def test_changing_the_password_needs_the_current_one(runtime: Runtime) -> None:
    enrolment = add(runtime)
    with runtime.municipal_session(CITY) as session, pytest.raises(Invalid) as error:
        service.change_password(
            session,
            staff_id=enrolment.account.id,
            current_password="wrong-one-here",
            new_password="new-passphrase-2",
        )
    assert error.value.field == "current_password"
    with runtime.municipal_session(CITY) as session:
        service.change_password(
            session, staff_id=enrolment.account.id, current_password=PASSWORD, new_password="new-passphrase-2"
        )
    assert password(runtime, "sato", "new-passphrase-2").ok
    assert not password(runtime, "sato", PASSWORD).ok


def test_a_totp_reset_gives_a_new_secret_and_the_old_one_stops_working(runtime: Runtime) -> None:
    enrolment = add(runtime)
    with runtime.municipal_session(CITY) as session:
        renewed = service.reset_totp(
            session,
            staff_id=enrolment.account.id,
            totp_key=service.totp_key(runtime.settings),
            lg_code=CITY,
            actor_id=None,
        )
    assert renewed.totp_secret != enrolment.totp_secret
    assert not totp(runtime, enrolment.account.id, pyotp.TOTP(enrolment.totp_secret).now()).ok
    assert totp(runtime, enrolment.account.id, pyotp.TOTP(renewed.totp_secret).now()).ok


def test_the_current_code_is_shown_for_demo_accounts_only(runtime: Runtime) -> None:
    secret = pyotp.random_base32()
    add(runtime, "demo-juki", "juki", demo=True, secret=secret)
    add(runtime, "real-juki", "juki")
    key = service.totp_key(runtime.settings)
    with runtime.municipal_session(CITY) as session:
        assert service.demo_totp_code(session, login="demo-juki", totp_key=key) == pyotp.TOTP(secret).now()
        with pytest.raises(Forbidden):
            service.demo_totp_code(session, login="real-juki", totp_key=key)
    with pytest.raises(Invalid):
        add(runtime, "real-2", "juki", secret=secret)  # a chosen secret is for demo accounts only


def test_an_unknown_login_name_is_recorded_with_the_name_typed(runtime: Runtime) -> None:
    add(runtime)
    assert not password(runtime, "nobody", PASSWORD).ok
    with runtime.municipal_session(CITY) as session:
        latest = service.events(session)[0]
    assert (latest.action, latest.login, latest.account_id) == ("password_refused", "nobody", None)


def test_changing_roles_ends_the_accounts_sessions_and_is_recorded(runtime: Runtime) -> None:
    enrolment = add(runtime, "sato", "tax")
    admin = add(runtime, "admin1", "admin")
    with runtime.municipal_session(CITY) as session:
        account = service.set_roles(
            session, staff_id=enrolment.account.id, roles=["tax", "welfare"], actor_id=admin.account.id
        )
        assert account.role_names == {"tax", "welfare"}
        assert not service.session_is_current(session, staff_id=account.id, epoch=enrolment.account.epoch)
        latest = service.events(session, account_id=account.id)[0]
    assert (latest.action, latest.detail) == (
        "roles_changed",
        {"before": ["tax"], "after": ["tax", "welfare"]},
    )
    with runtime.municipal_session(CITY) as session, pytest.raises(Conflict):
        service.set_roles(session, staff_id=admin.account.id, roles=["auditor"], actor_id=admin.account.id)
