"""Staff tables on a municipality's node: accounts, their roles, and the closed-vocabulary account events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkei.core.db import Base, UTCDateTime


class StaffAccount(Base):
    """One municipal staff member who may log in to the web UI (password + TOTP)."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # The TOTP shared secret, AES-GCM sealed with a key derived from the session secret (decision 0021).
    totp_secret_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # The last TOTP time step accepted: a code is good once (RFC 6238 §5.2).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Changes whenever the credentials change or the account is disabled; sessions carrying an older value end.
    epoch: Mapped[str] = mapped_column(sa.String(32))
    # Demo accounts have a published password and TOTP secret; `renkei staff totp` works for them only.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin", order_by="StaffRole.role"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class StaffRole(Base):
    """A role held by an account; the vocabulary is staff.service.ROLES."""

    __tablename__ = "staff_role"
    __table_args__ = (sa.UniqueConstraint("account_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))

    account: Mapped[StaffAccount] = relationship(back_populates="roles")


class StaffEvent(Base):
    """Something that happened to or was done with an account (login, failure, lockout, disable …).

    Written by staff.service.record in the same transaction as the action (CONVENTIONS §10).
    """

    __tablename__ = "staff_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    # The account the event is about (None when a login name matched no account).
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_account.id"), index=True)
    # The login name as typed (kept even when it matched nothing, so guessing shows in the log).
    login: Mapped[str] = mapped_column(sa.String(64))
    # The staff member who did it, when it was not the account itself (an administrator).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_account.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
