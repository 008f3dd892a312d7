"""The wire to 住基ネット全国サーバ: message schemas and `JukinetClient`, a typed client over any Transport.

Operations are batched (a whole import chunk per call) because registration must be fast. The My Number
travels only between a municipality's resident register and jukinet; the 住民票コード likewise, plus once more
when the hub resolves a 取得番号 (ARCHITECTURE §2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from renkei.protocol.transport import Transport

if TYPE_CHECKING:
    from renkei.protocol.jukinet_bulk import PersonRow

SERVICE = "jukinet"

Sex = Literal["1", "2"]
IdentityStatus = Literal["active", "moving_out", "deceased"]
ChangeKind = Literal["move_out", "move_in", "name_change", "address_change", "death"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Municipality(_Message):
    lg_code: str
    prefecture: str
    city: str

    @property
    def name(self) -> str:
        return self.prefecture + self.city


class Person(_Message):
    """本人確認情報 as a municipality reports it at registration (基本4情報 and the 住民票コード)."""

    juminhyo_code: str
    name: str
    name_kana: str
    former_surname: str | None = None
    birth_date: dt.date
    sex: Sex
    address: str
    # The municipality's own key for this person (e.g. its 宛名番号): a retry with a fresh 住民票コード after a
    # failure on the municipal side gets back the code and number issued the first time.
    request_key: str | None = None


class Numbered(_Message):
    """What 付番 answers for one person: the 住民票コード it is registered under and its My Number."""

    juminhyo_code: str
    mynumber: str


class IdentityChange(_Message):
    """A 異動 reported to 住基ネット: the person's 基本4情報 after it, and where they are registered."""

    juminhyo_code: str
    kind: ChangeKind
    lg_code: str
    effective_on: dt.date
    name: str
    name_kana: str
    former_surname: str | None = None
    address: str


class Identity(_Message):
    """本人確認情報 as jukinet holds it now (without the My Number)."""

    juminhyo_code: str
    lg_code: str
    name: str
    name_kana: str
    former_surname: str | None
    birth_date: dt.date
    sex: Sex
    address: str
    status: IdentityStatus
    history: list[IdentityChange] = Field(default_factory=list)


# A whole 付番 batch dumped by one call into pydantic-core instead of one model_dump per person.
_PERSONS = TypeAdapter(list[Person])


class JukinetClient:
    """Typed calls to the `jukinet` service."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def register_municipality(self, lg_code: str) -> Municipality:
        answer = self._transport.call(SERVICE, "register_municipality", {"lg_code": lg_code})
        return Municipality.model_validate(answer)

    def municipality(self, lg_code: str) -> Municipality:
        answer = self._transport.call(SERVICE, "municipality", {"lg_code": lg_code})
        return Municipality.model_validate(answer)

    def municipalities(self) -> list[Municipality]:
        answer = self._transport.call(SERVICE, "municipalities", {})
        return [Municipality.model_validate(m) for m in answer["municipalities"]]

    def issue_juminhyo_codes(self, lg_code: str, count: int) -> list[str]:
        """A new pool of unused 住民票コード for the municipality (never handed out before)."""
        answer = self._transport.call(SERVICE, "issue_juminhyo_codes", {"lg_code": lg_code, "count": count})
        return list(answer["codes"])

    def register_persons(self, lg_code: str, persons: list[Person]) -> list[Numbered]:
        """付番: one My Number per person, same order. Registering the same 住民票コード or request key again
        answers what was issued the first time (then `juminhyo_code` may differ from the one sent)."""
        answer = self._transport.call(
            SERVICE,
            "register_persons",
            {"lg_code": lg_code, "persons": _PERSONS.dump_python(persons, mode="json")},
        )
        return [Numbered(juminhyo_code=c, mynumber=n) for c, n in answer["registered"]]

    def register_person_rows(self, lg_code: str, rows: Sequence[PersonRow]) -> list[tuple[str, str]]:
        """付番 as `register_persons`, for a bulk chunk: rows travel as plain tuples, validated once by jukinet.

        Answers (住民票コード, My Number) per row, same order, with the same retry semantics."""
        from renkei.protocol.jukinet_bulk import OPERATION

        answer = self._transport.call(
            SERVICE, OPERATION, {"lg_code": lg_code, "rows": [tuple(row) for row in rows]}
        )
        return [(str(c), str(n)) for c, n in answer["registered"]]

    def report_changes(self, changes: list[IdentityChange]) -> None:
        self._transport.call(
            SERVICE, "report_changes", {"changes": [c.model_dump(mode="json") for c in changes]}
        )

    def identity(self, juminhyo_code: str) -> Identity:
        answer = self._transport.call(SERVICE, "identity", {"juminhyo_code": juminhyo_code})
        return Identity.model_validate(answer)

    def issue_acquisition_numbers(self, lg_code: str, juminhyo_codes: list[str]) -> list[str]:
        """Single-use 取得番号, one per 住民票コード, same order (called only by the resident register)."""
        answer = self._transport.call(
            SERVICE, "issue_acquisition_numbers", {"lg_code": lg_code, "juminhyo_codes": juminhyo_codes}
        )
        return list(answer["acquisition_numbers"])

    def resolve_acquisition_numbers(self, acquisition_numbers: list[str]) -> list[str]:
        """住民票コード for each 取得番号, same order, marking them used (called only by the hub)."""
        answer = self._transport.call(
            SERVICE, "resolve_acquisition_numbers", {"acquisition_numbers": acquisition_numbers}
        )
        return list(answer["juminhyo_codes"])
