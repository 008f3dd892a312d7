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


class AddresseeOrdinance(Base):
    """A 条例 of the municipality that defines 独自利用事務 (番号法第9条第2項), with its dates.

    `adopted_on` (公布) empty means the ordinance is still a plan; `end_on` empty means no 失効日 is set.
    """

    __tablename__ = "addressee_ordinance"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(80), unique=True)  # 令和7年千代田区条例第12号
    title: Mapped[str] = mapped_column(sa.String(300))
    adopted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    start_on: Mapped[dt.date] = mapped_column(sa.Date)
    end_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AddresseeLocalJimu(Base):
    """A 独自利用事務: the 事務 one article of a 条例 defines, the 特定個人情報 it uses, and its 届出 state."""

    __tablename__ = "addressee_local_jimu"

    id: Mapped[int] = mapped_column(primary_key=True)
    ordinance_id: Mapped[int] = mapped_column(sa.ForeignKey("addressee_ordinance.id"), index=True)
    article: Mapped[str] = mapped_column(sa.String(60))  # 別表第1の1の項 / 第3条
    jimu_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    jimu_name: Mapped[str] = mapped_column(sa.String(300))
    system: Mapped[str] = mapped_column(sa.String(20))
    similar_jimu_code: Mapped[str] = mapped_column(sa.String(16), default="")  # 準ずる法定事務
    tm_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notification_id: Mapped[str | None] = mapped_column(sa.String(40))
    notification_status: Mapped[str] = mapped_column(sa.String(10), default="")  # filed / accepted / returned
    notification_reasons: Mapped[str] = mapped_column(sa.Text, default="")
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AddresseeJimuBasis(Base):
    """A 事務 a business system runs with the My Number and its legal basis (別表第一 item, or a 独自利用事務)."""

    __tablename__ = "addressee_jimu_basis"
    __table_args__ = (sa.UniqueConstraint("system", "jimu_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(sa.String(20))
    jimu_code: Mapped[str] = mapped_column(sa.String(16))
    jimu_name: Mapped[str] = mapped_column(sa.String(300))
    basis_kind: Mapped[str] = mapped_column(sa.String(8))  # 別表第一 / 条例
    beppyo1_item: Mapped[str] = mapped_column(sa.String(20), default="")
    local_jimu_id: Mapped[int | None] = mapped_column(sa.ForeignKey("addressee_local_jimu.id"))
