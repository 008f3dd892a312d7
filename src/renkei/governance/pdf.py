"""The リスク分析表 as a PDF for the 評価書 annex (reportlab, with a built-in Japanese CID font: no font file)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from renkei.core import clock, wareki
from renkei.governance import register, scales

FONT = "HeiseiKakuGo-W5"
HEADINGS = (
    "ID", "情報資産名称", "資産価値", "脆弱性", "脆弱性評価", "脅威", "関連業務機能", "脅威評価", "総合評価", "対策",
    "残存リスク", "残存評価", "受容",
)  # fmt: skip
WIDTHS = (12, 20, 11, 40, 11, 36, 20, 11, 11, 48, 30, 11, 16)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def risk_analysis_pdf(session: Session, *, body_name: str = "") -> bytes:
    """One section per 事務 (リスク分析表(事務名), 日付), the seed's columns, then the rating definitions."""
    font = _font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9)
    title = ParagraphStyle("title", fontName=font, fontSize=13, leading=17, spaceAfter=4)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10)
    story: list[object] = []
    jimus = [j for j in register.list_jimu(session) if register.list_risks(session, jimu_id=j.id)]
    for index, jimu in enumerate(jimus):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(escape(f"リスク分析表({jimu.name})"), title))
        dated = jimu.risks_dated_on
        header = (
            f"{body_name}　日付: {wareki.both(dated) if dated else '—'}　出力: {wareki.both(clock.today())}"
        )
        story.append(Paragraph(escape(header), small))
        story.append(Spacer(1, 3 * mm))
        data: list[list[object]] = [[Paragraph(escape(h), cell) for h in HEADINGS]]
        for r in register.list_risks(session, jimu_id=jimu.id):
            accepted = (
                f"{r.risk.accepted_by} {wareki.both(r.risk.accepted_at)}" if r.risk.accepted_at else "未"
            )
            values = (
                r.risk.asset.code,
                r.risk.asset.name,
                r.value,
                r.risk.vulnerability,
                r.risk.vulnerability_rating,
                r.risk.threat,
                r.risk.function,
                r.risk.threat_rating,
                r.total,
                scales.format_measures(r.measures),
                r.risk.residual_risk,
                r.residual,
                accepted,
            )
            data.append([Paragraph(escape(str(v)).replace("\n", "<br/>"), cell) for v in values])
        table = Table(data, colWidths=[w * mm for w in WIDTHS], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F0")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    if not story:
        story.append(Paragraph("リスク分析表はまだありません。", title))
    story.append(Spacer(1, 5 * mm))
    for label, classes in (("脅威", scales.THREAT_CLASSES), ("ぜい弱性", scales.VULNERABILITY_CLASSES)):
        legend = [[Paragraph(escape(h), cell) for h in (label + " 評価", "クラス", "内容")]]
        legend += [[Paragraph(escape(str(v)), cell) for v in (k, c, d)] for k, (c, d) in classes.items()]
        block = Table(legend, colWidths=[22 * mm, 14 * mm, 80 * mm])
        block.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
        story.extend([block, Spacer(1, 3 * mm)])
    note = "資産価値 = 機密性 + 完全性 + 可用性 − 3（最小1）、総合評価 = 資産価値 × 脆弱性 × 脅威、残存評価 = 資産価値 × (脆弱性 − 対策の軽減量、最小1) × 脅威"
    story.append(Paragraph(escape(note), small))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title="リスク分析表",
        author=body_name or "renkei",
    )
    document.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
