"""Staff accounts of a municipality: roles, argon2 passwords, TOTP second factor, lockout, and account events.

Every function works on the municipality's own node session ("lg<団体コード>"); services flush, never commit.
Login is two steps (`check_password`, then `check_totp`); both return a `LoginResult` instead of raising, so
the failure count and the event they record are committed with the refusal (an exception would roll them back).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.crypto import Sealer, derive_key
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.staff import roles as role_table
from renkei.staff.models import StaffAccount, StaffEvent, StaffRole

ROLES: dict[str, str] = role_table.ROLES  # defined in an import-free module, so the CLI offers them at once
# Roles whose holders must pass TOTP: all of them. juki/tax/welfare do 個人番号利用事務; admin grants roles;
# auditor reads who looked up which 統合宛名番号 and why, itself 特定個人情報 (decision 0021).
ROLES_REQUIRING_TOTP = frozenset(ROLES)

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "renkei"

# argon2id with the library's RFC 9106 low-memory profile; hashes made with other parameters are
# replaced at the next successful login (`check_needs_rehash`).
HASHER = PasswordHasher()
# Verified against when a login name matches nothing, so the response time does not reveal which names exist.
_DUMMY_HASH = HASHER.hash("renkei-no-such-account")


class StaffAction(StrEnum):
    """The closed vocabulary of account events (CONVENTIONS §10)."""

    CREATED = "created"
    PASSWORD_ACCEPTED = "password_accepted"  # noqa: S105 - an event name
    PASSWORD_REFUSED = "password_refused"  # noqa: S105 - an event name
    TOTP_REFUSED = "totp_refused"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_REFUSED_LOCKED = "login_refused_locked"
    LOGIN_REFUSED_DISABLED = "login_refused_disabled"
    LOCKED = "locked"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    PASSWORD_REHASHED = "password_rehashed"  # noqa: S105 - an event name
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
    TOTP_RESET = "totp_reset"
    DISABLED = "disabled"
    ENABLED = "enabled"
    ROLES_CHANGED = "roles_changed"
    DEMO_TOTP_SHOWN = "demo_totp_shown"


ACTION_LABELS: dict[str, str] = {
    StaffAction.CREATED: "アカウント作成",
    StaffAction.PASSWORD_ACCEPTED: "パスワード認証成功（二要素目待ち）",
    StaffAction.PASSWORD_REFUSED: "パスワード誤り",
    StaffAction.TOTP_REFUSED: "ワンタイムパスワード誤り",
    StaffAction.LOGIN_SUCCEEDED: "ログイン",
    StaffAction.LOGIN_REFUSED_LOCKED: "ロック中のため拒否",
    StaffAction.LOGIN_REFUSED_DISABLED: "無効化済みのため拒否",
    StaffAction.LOCKED: "アカウントロック",
    StaffAction.LOGOUT: "ログアウト",
    StaffAction.PASSWORD_CHANGED: "パスワード変更",
    StaffAction.PASSWORD_REHASHED: "パスワードハッシュ更新",
    StaffAction.PASSWORD_RESET: "パスワード再設定（管理者）",
    StaffAction.TOTP_RESET: "二要素認証の再登録（管理者）",
    StaffAction.DISABLED: "アカウント無効化",
    StaffAction.ENABLED: "アカウント再有効化",
    StaffAction.ROLES_CHANGED: "役割の変更",
    StaffAction.DEMO_TOTP_SHOWN: "デモ用ワンタイムパスワード表示",
}

_REFUSED = "ログイン名またはパスワードが違います / wrong login or password"


@dataclass(frozen=True)
class Enrolment:
    """What an administrator hands a staff member once: the TOTP secret and its otpauth:// URI."""

    account: StaffAccount
    totp_secret: str
    provisioning_uri: str


@dataclass(frozen=True)
class LoginResult:
    """The outcome of one login step: the account when it passed, otherwise a message for the login page."""

    account: StaffAccount | None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None and self.refusal is None


def totp_key(settings: Settings) -> bytes:
    """The key sealing TOTP secrets at rest, derived from the session secret (decision 0021)."""
    return derive_key(settings.secret("session_secret"), "staff-totp-secret")


# -- events -------------------------------------------------------------------------------------------------
def record(
    session: Session,
    *,
    action: StaffAction,
    login: str,
    account_id: int | None = None,
    actor_id: int | None = None,
    **detail: Any,
) -> StaffEvent:
    """Write one account event in the caller's transaction."""
    event = StaffEvent(
        at=clock.now(),
        action=StaffAction(action).value,
        login=login,
        account_id=account_id,
        actor_id=actor_id,
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event


def events(session: Session, *, account_id: int | None = None, limit: int = 200) -> list[StaffEvent]:
    """Latest account events first (all accounts, or one)."""
    query = sa.select(StaffEvent).order_by(StaffEvent.at.desc(), StaffEvent.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(StaffEvent.account_id == account_id)
    return list(session.scalars(query))


# -- accounts -----------------------------------------------------------------------------------------------
def create_account(
    session: Session,
    *,
    login: str,
    name: str,
    roles: Iterable[str],
    password: str,
    totp_key: bytes,
    lg_code: str,
    actor_id: int | None = None,
    demo: bool = False,
    totp_secret: str | None = None,
) -> Enrolment:
    """Add a staff account; the returned TOTP secret and URI are shown once and never again."""
    login = _check_login(login)
    name = name.strip()
    if not name:
        raise Invalid("氏名を入力してください", record=login, field="name")
    wanted = _check_roles(roles, record=login)
    _check_password(password, login=login)
    if session.scalar(sa.select(StaffAccount.id).where(StaffAccount.login == login)) is not None:
        raise Conflict(f"ログイン名 {login} は既に使われています", record=login, field="login")
    if totp_secret is not None and not demo:
        raise Invalid(
            "TOTP の秘密鍵を指定できるのはデモ用アカウントだけです", record=login, field="totp_secret"
        )
    secret = totp_secret or pyotp.random_base32()
    now = clock.now()
    account = StaffAccount(
        login=login,
        name=name,
        password_hash=HASHER.hash(password),
        totp_secret_sealed=_sealer(totp_key).encrypt(secret.encode(), login.encode()),
        failed_attempts=0,
        epoch=secrets.token_hex(8),
        is_demo=demo,
        created_at=now,
        password_changed_at=now,
        roles=[StaffRole(role=r) for r in sorted(wanted)],
    )
    session.add(account)
    session.flush()
    record(
        session,
        action=StaffAction.CREATED,
        login=login,
        account_id=account.id,
        actor_id=actor_id,
        roles=sorted(wanted),
        demo=demo,
    )
    return Enrolment(account, secret, provisioning_uri(secret, login=login, lg_code=lg_code))


def list_accounts(session: Session) -> list[StaffAccount]:
    return list(session.scalars(sa.select(StaffAccount).order_by(StaffAccount.login)))


def get_account(session: Session, *, staff_id: int) -> StaffAccount:
    account = session.get(StaffAccount, staff_id)
    if account is None:
        raise NotFound("職員アカウントが見つかりません", record=str(staff_id), field="staff_id")
    return account


def find_account(session: Session, *, login: str) -> StaffAccount:
    account = session.scalar(sa.select(StaffAccount).where(StaffAccount.login == login.strip()))
    if account is None:
        raise NotFound(f"ログイン名 {login} の職員はいません", record=login, field="login")
    return account


def session_is_current(session: Session, *, staff_id: int, epoch: str) -> bool:
    """Whether a web session for `staff_id` made at `epoch` is still good (account enabled, credentials same)."""
    row = session.execute(
        sa.select(StaffAccount.epoch, StaffAccount.disabled_at).where(StaffAccount.id == staff_id)
    ).first()
    return row is not None and row.disabled_at is None and hmac.compare_digest(row.epoch, epoch)


# -- login ------------------------------------------------------------------------------------------------------
def check_password(session: Session, *, login: str, password: str) -> LoginResult:
    """First factor. A pass is not a login: the caller must then ask for the TOTP code (`check_totp`)."""
    login = login.strip()
    account = session.scalar(sa.select(StaffAccount).where(StaffAccount.login == login))
    if account is None:
        _verify(_DUMMY_HASH, password)
        record(session, action=StaffAction.PASSWORD_REFUSED, login=login[:64], reason="unknown_login")
        return LoginResult(None, _REFUSED)
    refusal = _refuse_if_unusable(session, account)
    if refusal is not None:
        return LoginResult(None, refusal)
    if not _verify(account.password_hash, password):
        return LoginResult(None, _fail(session, account, StaffAction.PASSWORD_REFUSED, _REFUSED))
    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = HASHER.hash(password)
        record(session, action=StaffAction.PASSWORD_REHASHED, login=account.login, account_id=account.id)
    record(session, action=StaffAction.PASSWORD_ACCEPTED, login=account.login, account_id=account.id)
    return LoginResult(account)


def check_totp(session: Session, *, staff_id: int, code: str, totp_key: bytes) -> LoginResult:
    """Second factor (RFC 6238, 30 s steps, one step of drift either way, each code accepted once)."""
    account = get_account(session, staff_id=staff_id)
    refusal = _refuse_if_unusable(session, account)
    if refusal is not None:
        return LoginResult(None, refusal)
    step = _matching_step(_totp(account, totp_key), code.strip().replace(" ", ""))
    if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
        message = "ワンタイムパスワードが違うか、既に使われています / wrong or reused one-time code"
        return LoginResult(None, _fail(session, account, StaffAction.TOTP_REFUSED, message))
    account.totp_last_step = step
    account.failed_attempts = 0
    account.locked_until = None
    account.last_login_at = clock.now()
    record(session, action=StaffAction.LOGIN_SUCCEEDED, login=account.login, account_id=account.id)
    session.flush()
    return LoginResult(account)


def log_out(session: Session, *, staff_id: int) -> None:
    """End every session of the account: a copied session cookie is worthless after logout (decision 0020)."""
    account = session.get(StaffAccount, staff_id)
    if account is not None:
        account.epoch = secrets.token_hex(8)
        record(session, action=StaffAction.LOGOUT, login=account.login, account_id=account.id)


# -- credentials and state ------------------------------------------------------------------------------------
def change_password(session: Session, *, staff_id: int, current_password: str, new_password: str) -> None:
    """A staff member changes their own password; every other session of theirs ends."""
    account = get_account(session, staff_id=staff_id)
    if not _verify(account.password_hash, current_password):
        raise Invalid("現在のパスワードが違います", record=account.login, field="current_password")
    if hmac.compare_digest(current_password, new_password):
        raise Invalid(
            "新しいパスワードは現在のものと違うものにしてください", record=account.login, field="new_password"
        )
    _check_password(new_password, login=account.login, field="new_password")
    _set_password(account, new_password)
    record(session, action=StaffAction.PASSWORD_CHANGED, login=account.login, account_id=account.id)


def reset_password(
    session: Session, *, staff_id: int, new_password: str, actor_id: int | None
) -> StaffAccount:
    """An administrator sets a new password (and lifts a lockout)."""
    account = get_account(session, staff_id=staff_id)
    _check_password(new_password, login=account.login, field="new_password")
    _set_password(account, new_password)
    account.failed_attempts = 0
    account.locked_until = None
    record(
        session,
        action=StaffAction.PASSWORD_RESET,
        login=account.login,
        account_id=account.id,
        actor_id=actor_id,
    )
    return account


def reset_totp(
    session: Session, *, staff_id: int, totp_key: bytes, lg_code: str, actor_id: int | None
) -> Enrolment:
    """A new TOTP secret for a lost device (and a lifted lockout); shown once like at creation."""
    account = get_account(session, staff_id=staff_id)
    if account.is_demo:
        raise Conflict("デモ用アカウントの TOTP は固定です", record=account.login, field="totp_secret")
    secret = pyotp.random_base32()
    account.totp_secret_sealed = _sealer(totp_key).encrypt(secret.encode(), account.login.encode())
    account.totp_last_step = None
    account.failed_attempts = 0
    account.locked_until = None
    account.epoch = secrets.token_hex(8)
    record(
        session, action=StaffAction.TOTP_RESET, login=account.login, account_id=account.id, actor_id=actor_id
    )
    return Enrolment(account, secret, provisioning_uri(secret, login=account.login, lg_code=lg_code))


def disable(session: Session, *, staff_id: int, actor_id: int | None, reason: str = "") -> StaffAccount:
    """Stop an account from logging in; its open sessions end at their next request. History is kept."""
    account = get_account(session, staff_id=staff_id)
    if actor_id is not None and actor_id == staff_id:
        raise Conflict("自分自身のアカウントは無効化できません", record=account.login, field="staff_id")
    if account.disabled_at is not None:
        return account
    account.disabled_at = clock.now()
    account.epoch = secrets.token_hex(8)
    record(
        session,
        action=StaffAction.DISABLED,
        login=account.login,
        account_id=account.id,
        actor_id=actor_id,
        reason=reason.strip(),
    )
    return account


def enable(session: Session, *, staff_id: int, actor_id: int | None) -> StaffAccount:
    account = get_account(session, staff_id=staff_id)
    if account.disabled_at is None:
        return account
    account.disabled_at = None
    account.failed_attempts = 0
    account.locked_until = None
    record(session, action=StaffAction.ENABLED, login=account.login, account_id=account.id, actor_id=actor_id)
    return account


def set_roles(session: Session, *, staff_id: int, roles: Iterable[str], actor_id: int | None) -> StaffAccount:
    """Replace an account's roles; its sessions end so the next login carries the new roles."""
    account = get_account(session, staff_id=staff_id)
    wanted = _check_roles(roles, record=account.login)
    if actor_id == staff_id and "admin" in account.role_names and "admin" not in wanted:
        raise Conflict("自分自身の管理者の役割は外せません", record=account.login, field="roles")
    before = sorted(account.role_names)
    if set(before) == wanted:
        return account
    account.roles = [r for r in account.roles if r.role in wanted]
    account.roles.extend(StaffRole(role=r) for r in sorted(wanted - set(before)))
    account.epoch = secrets.token_hex(8)
    session.flush()
    record(
        session,
        action=StaffAction.ROLES_CHANGED,
        login=account.login,
        account_id=account.id,
        actor_id=actor_id,
        before=before,
        after=sorted(wanted),
    )
    return account


def demo_totp_code(session: Session, *, login: str, totp_key: bytes) -> str:
    """The current TOTP code of a demo account (refused for every real account)."""
    account = find_account(session, login=login)
    if not account.is_demo:
        raise Forbidden(
            "デモ用アカウント以外のワンタイムパスワードは表示できません", record=login, field="login"
        )
    record(session, action=StaffAction.DEMO_TOTP_SHOWN, login=account.login, account_id=account.id)
    return _totp(account, totp_key).at(clock.now())


def provisioning_uri(secret: str, *, login: str, lg_code: str) -> str:
    """The otpauth:// URI an authenticator app reads (Key Uri Format: label issuer:account, issuer parameter)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=f"{login}@{lg_code}", issuer_name=f"{TOTP_ISSUER} {lg_code}"
    )


# -- internals --------------------------------------------------------------------------------------------------
def _sealer(key: bytes) -> Sealer:
    return Sealer(key)


def _totp(account: StaffAccount, key: bytes) -> pyotp.TOTP:
    secret = _sealer(key).decrypt(account.totp_secret_sealed, account.login.encode()).decode()
    return pyotp.TOTP(secret)


def _matching_step(totp: pyotp.TOTP, code: str) -> int | None:
    if not (len(code) == totp.digits and code.isdigit()):
        return None
    current = totp.timecode(clock.now())
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _refuse_if_unusable(session: Session, account: StaffAccount) -> str | None:
    now = clock.now()
    if account.disabled_at is not None:
        record(session, action=StaffAction.LOGIN_REFUSED_DISABLED, login=account.login, account_id=account.id)
        return "このアカウントは無効化されています。管理者に連絡してください / account disabled"
    if account.locked_until is not None:
        if now < account.locked_until:
            record(
                session, action=StaffAction.LOGIN_REFUSED_LOCKED, login=account.login, account_id=account.id
            )
            until = account.locked_until.astimezone(clock.JST).strftime("%H:%M")
            return f"ログイン失敗が続いたためロックされています（{until} まで）。管理者に連絡してください / account locked"
        account.locked_until = None
        account.failed_attempts = 0
    return None


def _fail(session: Session, account: StaffAccount, action: StaffAction, message: str) -> str:
    account.failed_attempts += 1
    record(
        session, action=action, login=account.login, account_id=account.id, failures=account.failed_attempts
    )
    if account.failed_attempts >= MAX_FAILURES:
        account.locked_until = clock.now() + LOCKOUT
        record(session, action=StaffAction.LOCKED, login=account.login, account_id=account.id)
        minutes = int(LOCKOUT.total_seconds() // 60)
        return (
            f"ログインに {MAX_FAILURES} 回続けて失敗したため、{minutes} 分間ロックしました / account locked"
        )
    session.flush()
    return message


def _set_password(account: StaffAccount, password: str) -> None:
    account.password_hash = HASHER.hash(password)
    account.password_changed_at = clock.now()
    account.epoch = secrets.token_hex(8)


def _check_login(login: str) -> str:
    login = login.strip()
    if not (1 <= len(login) <= 64) or not all(c.isascii() and (c.isalnum() or c in "._-") for c in login):
        raise Invalid(
            "ログイン名は半角英数字と . _ - の 1〜64 文字にしてください", record=login, field="login"
        )
    return login


def _check_roles(roles: Iterable[str], *, record: str) -> set[str]:
    wanted = set(roles)
    if not wanted:
        raise Invalid("役割を1つ以上指定してください", record=record, field="roles")
    unknown = wanted - set(ROLES)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise Invalid(
            f"不明な役割です: {names}（{', '.join(ROLES)} のいずれか）", record=record, field="roles"
        )
    return wanted


def _check_password(password: str, *, login: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"パスワードは {MIN_PASSWORD_LENGTH} 文字以上にしてください", record=login, field=field)
    if login.lower() in password.lower():
        raise Invalid("パスワードにログイン名を含めないでください", record=login, field=field)
