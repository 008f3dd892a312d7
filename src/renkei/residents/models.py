"""Tables of 住民記録: households (世帯), residents, the history of every 異動, and the outbox announcing them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class ResidentsHousehold(Base):
    """世帯: identified by its 世帯番号; the 世帯主 is the member whose 続柄 is 世帯主."""

    __tablename__ = "residents_household"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_number: Mapped[str] = mapped_column(sa.String(15), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200))


class ResidentsResident(Base):
    """One person on the register. The My Number and 住民票コード are sealed (AES-GCM bound to the 宛名番号)."""

    __tablename__ = "residents_resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    atena_number: Mapped[str] = mapped_column(sa.String(15), unique=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("residents_household.id"), index=True)
    relationship: Mapped[str] = mapped_column(sa.String(10))
    surname: Mapped[str] = mapped_column(sa.String(50))
    given_name: Mapped[str] = mapped_column(sa.String(50))
    surname_kana: Mapped[str] = mapped_column(sa.String(100))
    given_name_kana: Mapped[str] = mapped_column(sa.String(100))
    former_surname: Mapped[str | None] = mapped_column(sa.String(50), nullable=True)
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(1))
    postal_code: Mapped[str] = mapped_column(sa.String(7))
    address: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12))
    resident_since: Mapped[dt.date] = mapped_column(sa.Date)
    removed_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    juminhyo_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mynumber_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    previous_lg_code: Mapped[str | None] = mapped_column(sa.String(6), nullable=True)
    previous_resident_id: Mapped[int | None] = mapped_column(nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ResidentsChange(Base):
    """異動 history: what happened, why (異動事由コード), when it was notified (届出日) and took effect (異動日)."""

    __tablename__ = "residents_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents_resident.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason_code: Mapped[str] = mapped_column(sa.String(4))
    notified_on: Mapped[dt.date] = mapped_column(sa.Date)
    effective_on: Mapped[dt.date] = mapped_column(sa.Date)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ResidentsEvent(Base):
    """Outbox: each 異動 announced once, read at least once by every consumer (JPKI relay, addressee)."""

    __tablename__ = "residents_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents_resident.id"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class ResidentsEventAck(Base):
    """Which consumer has acknowledged which event (an event stays pending for a consumer until acknowledged)."""

    __tablename__ = "residents_event_ack"

    consumer: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ResidentsSeal(Base):
    """印鑑登録 (each municipality's 印鑑条例): one registered seal per resident at a time, by 登録番号.

    `impression` is the text the seal bears (印影 in renkei is drawn from it; decision 0086).
    """

    __tablename__ = "residents_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents_resident.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(12), unique=True)
    impression: Mapped[str] = mapped_column(sa.String(8))
    registered_on: Mapped[dt.date] = mapped_column(sa.Date)
    abolished_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
