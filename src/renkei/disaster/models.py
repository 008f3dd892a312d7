"""Tables of 被災者支援: disasters, the 被災者台帳, the 被災住家等台帳, shelters and stays, relief, housing, 罹災証明書."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class DisasterDisaster(Base):
    """A disaster declared for an area of the municipality (the address prefixes it struck)."""

    __tablename__ = "disaster_disaster"

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))
    occurred_on: Mapped[dt.date] = mapped_column(sa.Date)
    areas: Mapped[list[Any]] = mapped_column(sa.JSON)
    declared_by: Mapped[str] = mapped_column(sa.String(100))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (sa.UniqueConstraint("lg_code", "name"),)


class DisasterHouse(Base):
    """被災住家等台帳: one dwelling (by its address) and its damage assessment (被害認定)."""

    __tablename__ = "disaster_house"

    id: Mapped[int] = mapped_column(primary_key=True)
    disaster_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_disaster.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    structure: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    damage_ratio: Mapped[int | None] = mapped_column(nullable=True)
    damage_level: Mapped[str] = mapped_column(sa.String(20))
    surveyed_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    surveyor: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(sa.String(400), nullable=True)
    __table_args__ = (sa.UniqueConstraint("disaster_id", "address"),)


class DisasterVictim(Base):
    """被災者台帳 (災害対策基本法第90条の3): one person from the register, with 要配慮者 flags and 援護."""

    __tablename__ = "disaster_victim"

    id: Mapped[int] = mapped_column(primary_key=True)
    disaster_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_disaster.id"), index=True)
    resident_id: Mapped[int] = mapped_column()
    house_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_house.id"), index=True)
    household_number: Mapped[str] = mapped_column(sa.String(15))
    relationship: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(100))
    name_kana: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(1))
    address: Mapped[str] = mapped_column(sa.String(200))
    residence: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    care_reasons: Mapped[list[Any]] = mapped_column(sa.JSON)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (sa.UniqueConstraint("disaster_id", "resident_id"),)


class DisasterShelter(Base):
    """避難所."""

    __tablename__ = "disaster_shelter"

    id: Mapped[int] = mapped_column(primary_key=True)
    disaster_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_disaster.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column()
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (sa.UniqueConstraint("disaster_id", "name"),)


class DisasterStay(Base):
    """One person's stay at a shelter: arrival (入所) and departure (退所)."""

    __tablename__ = "disaster_stay"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_shelter.id"), index=True)
    victim_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_victim.id"), index=True)
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DisasterSupport(Base):
    """援護の実施の状況: relief supplies handed out, temporary housing, money; one row per act."""

    __tablename__ = "disaster_support"

    id: Mapped[int] = mapped_column(primary_key=True)
    disaster_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_disaster.id"), index=True)
    victim_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_victim.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    item: Mapped[str] = mapped_column(sa.String(100))
    quantity: Mapped[int] = mapped_column()
    request_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    given_on: Mapped[dt.date] = mapped_column(sa.Date)
    given_by: Mapped[str] = mapped_column(sa.String(100))


class DisasterCertificate(Base):
    """罹災証明書 issued (災害対策基本法第90条の2): the number, what it certified, the PDF's digest."""

    __tablename__ = "disaster_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    disaster_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_disaster.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    victim_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_victim.id"), index=True)
    house_id: Mapped[int] = mapped_column(sa.ForeignKey("disaster_house.id"))
    damage_level: Mapped[str] = mapped_column(sa.String(20))
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    issued_by: Mapped[str] = mapped_column(sa.String(100))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
