"""Tables of 団体内統合宛名: persons by 統合宛名番号, links to business systems' 宛名番号, counters, access log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class AddresseePerson(Base):
    """A person known to the municipality (住民 or 住登外者) under a 15-digit 団体内統合宛名番号.

    The My Number is sealed (AES-GCM, associated data = the 統合宛名番号) and found through `mynumber_index`,
    a keyed blind index. The index is not unique: the same number twice is a 名寄せ case to report, not to hide.
    """

    __tablename__ = "addressee_person"

    integrated_number: Mapped[str] = mapped_column(sa.String(15), primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(nullable=True, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(100))
    name_kana: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(1))
    address: Mapped[str] = mapped_column(sa.String(200))
    mynumber_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    mynumber_index: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32), nullable=True, index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AddresseeLink(Base):
    """A business system's own 宛名番号 for a person (住基, 税務, 国保 …)."""

    __tablename__ = "addressee_link"
    __table_args__ = (sa.UniqueConstraint("system", "atena_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(sa.String(20))
    atena_number: Mapped[str] = mapped_column(sa.String(15))
    integrated_number: Mapped[str] = mapped_column(
        sa.ForeignKey("addressee_person.integrated_number"), index=True
    )


class AddresseeCounter(Base):
    """Number series: the 統合宛名番号 series and each business system's own 宛名番号 series."""

    __tablename__ = "addressee_counter"

    name: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    next_value: Mapped[int] = mapped_column(sa.BigInteger)


class AddresseeConsumedEvent(Base):
    """Resident events already applied, so a redelivered event changes nothing (idempotent consumer)."""

    __tablename__ = "addressee_consumed_event"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    consumed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AddresseeAccessLog(Base):
    """Every display of a My Number: who, when, why (written in the same transaction as the display)."""

    __tablename__ = "addressee_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    integrated_number: Mapped[str] = mapped_column(sa.String(15), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    staff_id: Mapped[str] = mapped_column(sa.String(40))
    staff_name: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.String(400))
    accessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
