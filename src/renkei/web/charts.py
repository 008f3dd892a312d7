"""Server-rendered SVG charts: no script, no external file, readable without colour.

Every bar carries its value as text, a second series is drawn hatched (not merely in another colour), and the
SVG has a <title> and <desc> so that a screen reader states what it shows. Charts are built from plain
(label, value) pairs that the home page's services computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
BAR_AREA = 170
TOP = 28
BOTTOM = 46


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    hatched: bool = False


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    horizontal_limit: float | None = None,
    limit_label: str = "",
) -> Markup:
    """A grouped bar chart (one group per label, one bar per series) as inline SVG."""
    count = max(len(labels), 1)
    group = (WIDTH - 60) / count
    bar = max(min(group / (len(series) + 0.6), 40), 3)
    peak = max([v for s in series for v in s.values] + [horizontal_limit or 0, 1])
    height = TOP + BAR_AREA + BOTTOM
    summary = "、".join(
        f"{label}: " + "・".join(f"{s.name} {_num(s.values[i])}{unit}" for s in series)
        for i, label in enumerate(labels)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="t d">',
        f"<title>{escape(title)}</title><desc>{escape(summary or 'データがありません')}</desc>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#333" stroke-width="3"/></pattern></defs>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="40" y1="{TOP + BAR_AREA}" x2="{WIDTH}" y2="{TOP + BAR_AREA}" stroke="#333"/>',
    ]
    for i, label in enumerate(labels):
        x0 = 50 + i * group
        for j, s in enumerate(series):
            value = s.values[i]
            h = BAR_AREA * value / peak
            x = x0 + j * bar
            fill = "url(#hatch)" if s.hatched else "#3a6ea5"
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + BAR_AREA - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{fill}" stroke="#333"><title>{escape(label)} {escape(s.name)} {_num(value)}{escape(unit)}</title></rect>'
            )
            parts.append(
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{TOP + BAR_AREA - h - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{_num(value)}</text>'
            )
        parts.append(
            f'<text x="{x0 + bar * len(series) / 2:.1f}" y="{TOP + BAR_AREA + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    if horizontal_limit is not None:
        y = TOP + BAR_AREA - BAR_AREA * horizontal_limit / peak
        parts.append(
            f'<line x1="40" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" stroke="#000" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - 4}" y="{y - 4:.1f}" font-size="10" text-anchor="end">{escape(limit_label)}</text>'
        )
    legend_y = height - 10
    for j, s in enumerate(series):
        x = 50 + j * 150
        fill = "url(#hatch)" if s.hatched else "#3a6ea5"
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="14" height="10" fill="{fill}" stroke="#333"/>'
            f'<text x="{x + 20}" y="{legend_y}" font-size="11">{escape(s.name)}（{escape(unit) or "件"}）</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape(), numbers are formatted


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
