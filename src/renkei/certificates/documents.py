"""The certificate pages: 住民票の写し, 印鑑登録証明書, 課税証明書 on A4 plain paper with the コンビニ交付 measures.

Anti-forgery as renkei can draw it (J-LIS names: けん制文字 地紋 that shows 「複写」 when copied, a back-side scrambled
image and 偽変造防止検出画像 checked at the 問い合わせサイト): a light 地紋 of 「複写」 across the page, micro-text borders,
and a verification code with its QR code that the 証明書確認 service answers. The real proof is the PAdES seal.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from renkei.core import wareki

FONT = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
WIDTH, HEIGHT = A4


def _fonts() -> None:
    for name in (FONT, GOTHIC):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))


def _jp(date: dt.date | None) -> str:
    return wareki.to_wareki(date) if date else ""


def _pattern(page: canvas.Canvas) -> None:
    """地紋: 「複写」 in a light tint over the whole page, and micro-text borders."""
    page.saveState()
    page.setFillGray(0.88)
    page.setFont(GOTHIC, 9)
    for row in range(0, int(HEIGHT / mm), 9):
        for col in range(0, int(WIDTH / mm), 18):
            page.drawString((col + (row % 18) / 2) * mm, row * mm, "複写")
    page.setFillGray(0.5)
    page.setFont(GOTHIC, 2.2)
    micro = "RENKEI-コンビニ交付-" * 40
    page.drawString(10 * mm, HEIGHT - 10 * mm, micro)
    page.drawString(10 * mm, 10 * mm, micro)
    page.restoreState()


def _footer(page: canvas.Canvas, *, number: str, code: str, kiosk_id: str | None) -> None:
    widget = QrCodeWidget(f"renkei-certificate:{code}")
    left, bottom, right, top = widget.getBounds()
    size = 24 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, page, WIDTH - 40 * mm, 16 * mm)
    page.setFont(GOTHIC, 8)
    page.drawString(20 * mm, 30 * mm, f"証明書番号 {number}　証明書確認番号 {code}")
    where = f"交付場所 {kiosk_id}（コンビニ交付）" if kiosk_id else "交付場所 窓口"
    page.drawString(20 * mm, 25 * mm, where)
    page.drawString(
        20 * mm, 20 * mm, "この証明書は電子署名（市区町村長の電子公印）付きPDFから印刷されたものです。"
    )
    page.drawString(20 * mm, 15 * mm, "renkei 試験・研修用の証明書です。実在の証明書ではありません。")


def _title(page: canvas.Canvas, title: str) -> None:
    page.setFont(FONT, 20)
    page.drawCentredString(WIDTH / 2, HEIGHT - 30 * mm, title)


def _rows(page: canvas.Canvas, rows: Sequence[tuple[str, str]], top: float) -> float:
    y = top
    page.setFont(FONT, 10)
    for label, value in rows:
        page.rect(20 * mm, y - 3 * mm, WIDTH - 40 * mm, 9 * mm)
        page.drawString(23 * mm, y, label)
        page.drawString(65 * mm, y, value)
        y -= 9 * mm
    return y


def _closing(page: canvas.Canvas, text: str, y: float, *, issued_on: dt.date, municipality: str) -> None:
    page.setFont(FONT, 10)
    page.drawString(20 * mm, y, text)
    page.drawString(20 * mm, y - 9 * mm, _jp(issued_on))
    page.setFont(FONT, 13)
    page.drawRightString(WIDTH - 35 * mm, y - 20 * mm, f"{municipality}長")
    page.setStrokeColorRGB(0.8, 0.1, 0.1)
    page.setFillColorRGB(0.8, 0.1, 0.1)
    page.rect(WIDTH - 33 * mm, y - 25 * mm, 14 * mm, 14 * mm)
    page.setFont(FONT, 6)
    page.drawCentredString(WIDTH - 26 * mm, y - 19 * mm, "電子公印")
    page.setFillGray(0)
    page.setStrokeGray(0)


def _page(title: str, meta: str) -> tuple[io.BytesIO, canvas.Canvas]:
    _fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(title)
    page.setSubject(meta)
    _pattern(page)
    _title(page, title)
    return out, page


def juminhyo(
    *,
    number: str,
    code: str,
    kiosk_id: str | None,
    municipality: str,
    head: str,
    persons: Sequence[dict[str, str]],
    issued_on: dt.date,
) -> bytes:
    out, page = _page("住民票の写し", number)
    y = _rows(page, [("世帯主", head), ("住所", persons[0]["address"])], HEIGHT - 50 * mm) - 4 * mm
    for person in persons:
        y = (
            _rows(
                page,
                [
                    ("氏名", f"{person['name']}（{person['kana']}）"),
                    ("生年月日・性別", f"{person['birth']}　{person['sex']}"),
                    ("続柄", person["relationship"]),
                    ("住民となった年月日", person["since"]),
                ],
                y,
            )
            - 3 * mm
        )
    _closing(
        page,
        "この写しは、住民票の原本と相違ないことを証明する。",
        y - 4 * mm,
        issued_on=issued_on,
        municipality=municipality,
    )
    _footer(page, number=number, code=code, kiosk_id=kiosk_id)
    page.showPage()
    page.save()
    return out.getvalue()


def inkan(
    *,
    number: str,
    code: str,
    kiosk_id: str | None,
    municipality: str,
    seal_number: str,
    impression: str,
    name: str,
    birth: str,
    address: str,
    issued_on: dt.date,
) -> bytes:
    out, page = _page("印鑑登録証明書", number)
    page.setStrokeColorRGB(0.75, 0.1, 0.1)
    page.setFillColorRGB(0.75, 0.1, 0.1)
    page.setLineWidth(2)
    page.circle(WIDTH / 2, HEIGHT - 70 * mm, 14 * mm)
    page.setFont(FONT, 22 if len(impression) <= 2 else 14)
    page.drawCentredString(WIDTH / 2, HEIGHT - 73 * mm, impression)
    page.setFillGray(0)
    page.setStrokeGray(0)
    page.setLineWidth(1)
    y = _rows(
        page,
        [("登録番号", seal_number), ("氏名", name), ("生年月日", birth), ("住所", address)],
        HEIGHT - 100 * mm,
    )
    _closing(
        page,
        "この写しは、登録されている印影と相違ないことを証明します。",
        y - 6 * mm,
        issued_on=issued_on,
        municipality=municipality,
    )
    _footer(page, number=number, code=code, kiosk_id=kiosk_id)
    page.showPage()
    page.save()
    return out.getvalue()


def kazei(
    *,
    number: str,
    code: str,
    kiosk_id: str | None,
    municipality: str,
    fiscal_year: int,
    name: str,
    address: str,
    income: int,
    municipal_tax: int,
    prefectural_tax: int,
    issued_on: dt.date,
) -> bytes:
    out, page = _page("課税証明書", number)
    era = wareki.to_wareki(dt.date(fiscal_year, 4, 1)).split("年")[0] + "年度"
    y = _rows(
        page,
        [
            ("年度", f"{era}（{fiscal_year}年度）"),
            ("氏名", name),
            ("住所", address),
            ("総所得金額等", f"{income:,}円"),
            ("市町村民税額", f"{municipal_tax:,}円"),
            ("道府県民税額", f"{prefectural_tax:,}円"),
            ("合計税額", f"{municipal_tax + prefectural_tax:,}円"),
        ],
        HEIGHT - 50 * mm,
    )
    _closing(
        page,
        "上記のとおり相違ないことを証明します。",
        y - 6 * mm,
        issued_on=issued_on,
        municipality=municipality,
    )
    _footer(page, number=number, code=code, kiosk_id=kiosk_id)
    page.showPage()
    page.save()
    return out.getvalue()
