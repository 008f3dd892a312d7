"""Reading a sheet's rows for import: errors placed at their cell, duplicates refused, stated figures compared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, RenkeiError
from renkei.governance import discrepancies
from renkei.governance.excel import cells
from renkei.governance.excel.cells import Where, norm_heading
from renkei.governance.excel.tables import Sheet, title_subject
from renkei.governance.models import GovernanceDiscrepancy


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    discrepancies: list[GovernanceDiscrepancy] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{sheet}: {count}行" for sheet, count in self.counts.items()]
        for d in self.discrepancies:
            out.append(
                f"要確認: {d.sheet} {d.row_number}行 {d.column}（ID {d.record_key}）"
                f"シートの値 {d.stated} ≠ 計算値 {d.computed}"
            )
        return out


class Rows:
    """Reading one sheet's rows, each error placed at its row and column."""

    def __init__(self, sheet: Sheet, errors: list[Invalid], keys: dict[str, Where] | None = None) -> None:
        self.sheet = sheet
        self.errors = errors
        # Keys seen so far; shared by every sheet of one table (seed-shaped books have one sheet per 事務).
        self.keys: dict[str, Where] = {} if keys is None else keys

    def __iter__(self) -> Iterator[tuple[Where, Any]]:
        """Each row's place and a getter by heading; wrap the row's work in `guard(where)`."""
        for where, data in self.sheet.rows:
            yield where, lambda heading, data=data: data.get(norm_heading(heading))

    @contextmanager
    def guard(self, where: Where) -> Iterator[None]:
        try:
            yield
        except Invalid as error:
            self.errors.append(where.relocate(error))
        except RenkeiError as error:
            self.errors.append(where.relocate(Invalid(error.message, field=error.field)))

    def unique(self, where: Where, key: str, heading: str) -> None:
        if not key:
            raise where.error(f"{heading}が空です", heading)
        if key in self.keys:
            first = self.keys[key]
            place = f"{first.row}行" if first.sheet == where.sheet else f"{first.sheet} {first.row}行"
            raise where.error(f"{heading} {key} が重複しています（{place}と同じ）", heading)
        self.keys[key] = where


def subject(sheet: Sheet, where: Where, get: Any) -> str:
    """The 事務 of a row: its 事務 column, or the title of a seed-shaped sheet."""
    name = (
        cells.text(get("事務"))
        if sheet.has("事務")
        else title_subject(sheet.title_cells, sheet.table.title) or ""
    )
    if not name:
        raise where.error("事務がありません（「事務」列か、表題の括弧内に事務名を書いてください）", "事務")
    return name


def compare(
    session: Session,
    where: Where,
    *,
    report: ImportReport,
    heading: str,
    key: str,
    stated: Any,
    computed: Decimal | int,
) -> None:
    if cells.text(stated) and not cells.same_number(stated, computed):
        report.discrepancies.append(
            discrepancies.record_discrepancy(
                session,
                sheet=where.sheet,
                row_number=where.row,
                column=heading,
                record_key=key,
                stated=cells.text(stated),
                computed=str(computed),
            )
        )
