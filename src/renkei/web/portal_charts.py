"""Server-rendered SVG charts (no script, no external code): stacked bars over days, horizontal bars by label.

Every value is escaped; each bar carries a <title> so the number shows on hover and reaches screen readers, and
the figures are also given as a table next to each chart by the pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#2e7d32", "#90a4ae", "#c62828", "#f9a825", "#1565c0", "#6a1b9a")


def _axis_max(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1), so ticks are round numbers."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= max(value, 1):
                return step * scale
        scale *= 10


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    width: int = 720,
    height: int = 240,
    chart_id: str = "",
) -> Markup:
    """One bar per label, one coloured segment per series (legend on top)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = _axis_max(max(totals, default=0))
    left, bottom, top_pad = 40, 40, 40
    plot_h = height - bottom - top_pad
    slot = (width - left - 10) / max(len(labels), 1)
    bar_w = max(slot * 0.7, 2)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for i, name in enumerate(series):
        legend_x = left + i * 130
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{legend_x + 14}" y="17">{escape(name)}</text>')
    for tick in range(5):
        value = top * tick // 4
        y = top_pad + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top_pad + plot_h)
        for s, (name, values) in enumerate(series.items()):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect class="bar" data-label="{escape(label)}" data-series="{escape(name)}" data-value="{value}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(label)} {escape(name)}: {value}</title></rect>"
            )
        if len(labels) <= 16 or i % max(len(labels) // 12, 1) == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above passes through escape()


def horizontal_bars(
    items: Sequence[tuple[str, int]], *, title: str, width: int = 720, chart_id: str = ""
) -> Markup:
    """One labelled bar per item, longest first as given."""
    row_h, label_w = 22, 260
    height = row_h * max(len(items), 1) + 30
    top = _axis_max(max((v for _, v in items), default=0))
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 10 + i * row_h
        w = plot_w * value / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" x="{label_w}" y="{y + 3}" '
            f'width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[4]}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above passes through escape()
