"""罹災証明書 as a PDF (reportlab with a built-in Japanese CID font), in the shape of the 内閣府 統一様式."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from renkei.core import wareki
from renkei.disaster.schemas import DAMAGE_LEVELS, DisasterView, HouseView, VictimView

FONT = "HeiseiMin-W3"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _jp(date: dt.date) -> str:
    return wareki.to_wareki(date)


def risai_certificate(
    *,
    number: str,
    disaster: DisasterView,
    victim: VictimView,
    house: HouseView,
    issued_on: dt.date,
    municipality: str,
) -> bytes:
    """One A4 page: number, 世帯主/申請者, 被災住家の所在地, 災害, 被害の程度 (all levels, the certified one marked)."""
    font = _font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(f"罹災証明書 {number}")
    page.setAuthor(municipality)
    width, height = A4
    page.setFont(font, 20)
    page.drawCentredString(width / 2, height - 35 * mm, "罹　災　証　明　書")
    page.setFont(font, 10)
    page.drawRightString(width - 20 * mm, height - 45 * mm, f"第 {number} 号")
    rows = (
        ("世帯主・申請者の氏名", f"{victim.name}（{victim.name_kana}）"),
        ("被災住家の所在地", house.address),
        ("災害名", f"{disaster.name}（{disaster.kind}）"),
        ("災害発生日", f"{_jp(disaster.occurred_on)}（{disaster.occurred_on.isoformat()}）"),
        ("住家の構造", house.structure or ""),
        ("調査日", f"{_jp(house.surveyed_on)}" if house.surveyed_on else ""),
    )
    y = height - 65 * mm
    for label, value in rows:
        page.rect(20 * mm, y - 3 * mm, width - 40 * mm, 10 * mm)
        page.drawString(23 * mm, y, label)
        page.drawString(70 * mm, y, value)
        y -= 10 * mm
    y -= 6 * mm
    page.setFont(font, 12)
    page.drawString(20 * mm, y, "住家の被害の程度")
    y -= 9 * mm
    page.setFont(font, 11)
    for _low, level in DAMAGE_LEVELS[:-1]:
        mark = "■" if level == house.damage_level else "□"
        page.drawString(28 * mm, y, f"{mark} {level}")
        y -= 7 * mm
    y -= 8 * mm
    page.setFont(font, 10)
    page.drawString(20 * mm, y, "上記のとおり相違ないことを証明します。")
    y -= 10 * mm
    page.drawString(20 * mm, y, f"{_jp(issued_on)}")
    page.setFont(font, 12)
    page.drawRightString(width - 20 * mm, y - 10 * mm, f"{municipality}長")
    page.setFont(font, 7)
    page.drawString(20 * mm, 15 * mm, "renkei 試験・研修用の証明書です。実在の証明書ではありません。")
    page.showPage()
    page.save()
    return out.getvalue()
