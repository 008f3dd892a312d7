"""The 事務事業評価シート as a PDF, the same blocks as the Excel sheet (reportlab, built-in Japanese CID font)."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from renkei.governance import evaluation as ev
from renkei.governance.models_evaluation import GovernanceEvaluation
from renkei.governance.pdf import _font


def _figure(value: Decimal | str) -> str:
    if value == "":
        return ""
    number = Decimal(value)
    return f"{number:,f}" if number != number.to_integral_value() else f"{int(number):,}"


def evaluation_pdf(session: Session, sheet: GovernanceEvaluation, *, body_name: str = "") -> bytes:
    view = ev.view(session, sheet)
    font = _font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9)
    head = ParagraphStyle("head", fontName=font, fontSize=9, leading=12, spaceBefore=4, spaceAfter=2)
    title = ParagraphStyle("title", fontName=font, fontSize=13, leading=17, spaceAfter=4)

    def p(value: object) -> Paragraph:
        return Paragraph(escape(str(value)).replace("\n", "<br/>"), cell)

    def grid(data: list[list[object]], widths: list[float]) -> Table:
        table = Table([[p(v) for v in row] for row in data], colWidths=[w * mm for w in widths], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F0")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table

    year_heads = [ev.year_label(y, estimate=e) for y, e in zip(view.years, view.estimates, strict=True)]
    year_width = 120 / len(view.years)
    header: list[list[object]] = [["事務事業名", sheet.name], ["事業コード", sheet.project_code]]
    header += [[f, view.text(f)] for f in ev.HEADER_FIELDS]
    story: list[object] = [
        Paragraph(
            escape(f"{ev.year_label(sheet.fiscal_year, estimate=False)[:-4]} 事務事業評価シート【事後評価】"),
            title,
        ),
        grid(header, [35, 155]),
        Paragraph("1. 現状把握の部 (1) 事務事業の目的と指標", head),
    ]
    for _category, left, left_text, right, lines in view.blocks:
        story.append(grid([[left], [left_text or "—"]], [190]))
        rows: list[list[object]] = [["", right, "単位", *year_heads]]
        rows += [
            [line.letter, line.name, line.unit, *(_figure(v) for v in line.values)]
            for line in lines
            if line.name
        ]
        story.append(grid(rows, [6, 50, 14, *([year_width] * len(view.years))]))
        story.append(Spacer(1, 2 * mm))
    story.append(Paragraph("(2) 総事業費の推移", head))
    cost_rows: list[list[object]] = [["項目", "単位", *year_heads]]
    for name in ev.SOURCES:
        cost_rows.append([name, "千円", *(_figure(c.values.get(name, "")) for c in view.costs)])
    cost_rows.append(
        ["事業費計(A)", "千円", *(_figure(c.project_total) if c.values else "" for c in view.costs)]
    )
    for name in ev.STAFF_ROWS:
        cost_rows.append([name, ev.COST_UNITS[name], *(_figure(c.values.get(name, "")) for c in view.costs)])
    cost_rows.append(
        ["トータルコスト(A)+(B)", "千円", *(_figure(c.total_cost) if c.values else "" for c in view.costs)]
    )
    story.append(grid(cost_rows, [56, 14, *([year_width] * len(view.years))]))
    story.append(Paragraph("(3) 事務事業の環境変化・市民意見等", head))
    story.append(grid([[f, view.text(f)] for f in ev.ENVIRONMENT_FIELDS], [70, 120]))
    story.append(Paragraph("2. 評価の部（事後評価）", head))
    assessment: list[list[object]] = []
    for field in ev.CHOICES:
        assessment.append([field, view.text(field) or "（未選択）"])
        if field in ev.NOTES:
            assessment.append([ev.NOTES[field], view.text(ev.NOTES[field])])
    assessment.append(["総合評価", view.text("総合評価")])
    story.append(grid(assessment, [45, 145]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=10 * mm,
        title=f"事務事業評価シート {sheet.name}", author=body_name or "renkei",
    )  # fmt: skip
    document.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
