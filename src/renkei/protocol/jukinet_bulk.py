"""付番 in bulk as compact rows: one tuple per person instead of one JSON object (and one Pydantic model) each.

A registration chunk of thousands of persons was dominated by building, dumping, round-tripping and validating a
`Person` model per person (about 15 µs of CPU each, issue 12). Here a chunk travels as a list of rows in a fixed
column order; the whole list is validated once at jukinet's boundary by `RegisterPersonRowsRequest` (every
field typed as in `Person`), and the service works on the plain `PersonRow` tuples (decision 0111).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from renkei.protocol.jukinet import Sex

OPERATION = "register_person_rows"


class PersonRow(NamedTuple):
    """本人確認情報 of one person at 付番, as `Person` has it, in a fixed column order (the attributes match)."""

    juminhyo_code: str
    name: str
    name_kana: str
    former_surname: str | None
    birth_date: dt.date
    sex: Sex
    address: str
    request_key: str | None


class RegisterPersonRowsRequest(BaseModel):
    """The body of `jukinet/register_person_rows`: rows in `PersonRow` column order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lg_code: str
    rows: list[PersonRow]


class RegisterPersonRowsAnswer(BaseModel):
    """(住民票コード, My Number) per row, same order (as `register_persons` answers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registered: list[tuple[str, str]]
