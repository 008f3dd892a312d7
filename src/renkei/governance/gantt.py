"""The 自治体クラウド timeline as SVG: one band of rows per joint-procurement candidate, one bar per phase, by month.

Plain SVG text built with xml.sax.saxutils escaping (no drawing library needed for rectangles and labels); the
same months and bars are what the Excel 工程表 shades, so the two always agree.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape, quoteattr

from renkei.governance.cloud import Candidate, add_months

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2")
LABEL_WIDTH = 330
MONTH_WIDTH = 9
ROW_HEIGHT = 18


def months_span(candidates: list[Candidate]) -> tuple[dt.date, int]:
    """The first month shown and how many months: from the earliest phase start to the latest phase end."""
    start = min(p.start for c in candidates for p in c.phases)
    end = max(p.end for c in candidates for p in c.phases)
    count = (end.year - start.year) * 12 + end.month - start.month
    return start, count


def month_index(first: dt.date, day: dt.date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def gantt_svg(candidates: list[Candidate], *, title: str) -> str:
    if not candidates:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="40" role="img">'
            f'<text x="8" y="24" font-size="13">{escape(title)}: 共同調達の候補はありません</text></svg>'
        )
    first, count = months_span(candidates)
    rows = sum(1 + len(c.phases) for c in candidates)
    width = LABEL_WIDTH + count * MONTH_WIDTH + 20
    height = 60 + rows * ROW_HEIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for m in range(count + 1):
        day = add_months(first, m)
        x = LABEL_WIDTH + m * MONTH_WIDTH
        if day.month == 4:  # 年度 boundaries
            out.append(f'<line x1="{x}" y1="28" x2="{x}" y2="{height - 4}" stroke="#bbb" stroke-width="1"/>')
            out.append(f'<text x="{x + 2}" y="40" font-size="10">{day.year}年度</text>')
    y = 50
    for candidate in candidates:
        label = f"{candidate.business}（{'・'.join(s.member.name for s in candidate.shares)}）稼働 {candidate.go_live}"
        out.append(f'<text x="8" y="{y + 13}" font-size="12" font-weight="bold">{escape(label)}</text>')
        y += ROW_HEIGHT
        for index, phase in enumerate(candidate.phases):
            x = LABEL_WIDTH + month_index(first, phase.start) * MONTH_WIDTH
            w = phase.months * MONTH_WIDTH
            colour = COLOURS[index % len(COLOURS)]
            out.append(f'<text x="20" y="{y + 13}" font-size="11">{escape(phase.name)}</text>')
            tip = quoteattr(f"{phase.name}: {phase.start} 〜 {add_months(phase.end, -1):%Y-%m}")
            out.append(
                f'<rect x="{x}" y="{y + 3}" width="{w}" height="{ROW_HEIGHT - 6}" fill="{colour}" '
                f'data-phase={quoteattr(phase.name)} data-start="{phase.start}" data-end="{phase.end}">'
                f"<title>{escape(tip[1:-1])}</title></rect>"
            )
            y += ROW_HEIGHT
    out.append("</svg>")
    return "\n".join(out)
