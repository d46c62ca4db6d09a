"""Inline SVG charts for the HTML report: horizontal bars, a donut, stacked bars (no script, no CDN)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#1b7c83", "#bc4c00", "#6e7781")
WIDTH = 500
LABEL_W = 160
ROW_H = 26


@dataclass(frozen=True)
class Segment:
    """One part of a whole: a label, a value and its colour."""

    label: str
    value: float
    color: str


def _svg(chart_id: str, title: str, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(title)}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _fmt(value: float, unit: str) -> str:
    return f"{value:.0%}" if unit == "%" else f"{value:g}{unit}"


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float]], *, unit: str = "") -> str:
    """One horizontal bar per item, longest = full width; `unit="%"` for rates 0..1."""
    top = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL_W - 60
    rows = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * ROW_H
        w = max(1.0, span * value / (1 if unit == "%" else top)) if value else 0
        rows.append(
            f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 8}" rx="3" '
            f'fill="{PALETTE[0]}" data-value="{value:g}"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 15}" class="value">{_fmt(value, unit)}</text>'
        )
    return _svg(chart_id, title, 16 + len(items) * ROW_H, "".join(rows))


def donut(chart_id: str, title: str, segments: Sequence[Segment], *, center: str) -> str:
    """A donut of the segments with a legend and a big centre figure (e.g. the compliance rate)."""
    total = sum(s.value for s in segments) or 1
    radius, cx, cy = 70.0, 100, 100
    circumference = 2 * math.pi * radius
    offset, arcs, legend = 0.0, [], []
    for i, s in enumerate(segments):
        length = circumference * s.value / total
        arcs.append(
            f'<circle class="segment" cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{s.color}" '
            f'stroke-width="34" stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {cx} {cy})" data-value="{s.value:g}"/>'
        )
        offset += length
        y = 50 + i * 30
        legend.append(
            f'<rect x="230" y="{y}" width="16" height="16" fill="{s.color}"/>'
            f'<text x="254" y="{y + 13}" class="label">{escape(s.label)}: {s.value:g} ({s.value / total:.0%})</text>'
        )
    middle = f'<text x="{cx}" y="{cy + 8}" text-anchor="middle" class="big">{escape(center)}</text>'
    return _svg(chart_id, title, 200, "".join(arcs) + middle + "".join(legend))


def stacked_bars(chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[Segment]]]) -> str:
    """One 100 % bar per row split into its segments, with a legend of the first row's labels."""
    span = WIDTH - LABEL_W - 20
    parts = []
    for i, (label, segments) in enumerate(rows):
        y = 8 + i * ROW_H
        total = sum(s.value for s in segments) or 1
        x = float(LABEL_W)
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(label)}</text>')
        for s in segments:
            w = span * s.value / total
            parts.append(
                f'<rect class="segment" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 8}" '
                f'fill="{s.color}" data-value="{s.value:g}"><title>{escape(s.label)}: {s.value:g}</title></rect>'
            )
            x += w
    legend_y = 16 + len(rows) * ROW_H
    first = rows[0][1] if rows else ()
    for j, s in enumerate(first):
        x = 10 + j * 150
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{s.color}"/>'
            f'<text x="{x + 16}" y="{legend_y + 11}" class="label">{escape(s.label)}</text>'
        )
    return _svg(chart_id, title, legend_y + 24, "".join(parts))
