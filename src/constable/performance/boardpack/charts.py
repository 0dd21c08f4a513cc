"""Charts of the board pack as hand-written SVG: status icons, district trends, budget bars.

Pure functions, no I/O, each returning an SVG string with a ``<title>`` and ``role="img"`` (or
``aria-hidden`` for an icon that sits beside its own words). The SPC charts are
:func:`constable.analysis.trends.xmr_svg` and the peers funnel
:func:`constable.performance.charts.funnel_svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from constable.performance.status import Status
from constable.web.svg import number

GREEN = "#00703c"
AMBER = "#b35200"
RED = "#d4351c"
GREY = "#505a5f"
BLUE = "#1d70b8"
LIGHT = "#b1b4b6"

ICONS: dict[str, tuple[str, str]] = {
    # A shape of its own for each status, so colour is never the only cue.
    str(Status.ON_TRACK): (
        GREEN,
        '<circle cx="9" cy="9" r="8" fill="{c}"/>'
        '<path d="M4.8 9.4l2.8 2.8 5.6-6" fill="none" stroke="#fff" stroke-width="2.2"/>',
    ),
    str(Status.AT_RISK): (
        AMBER,
        '<path d="M9 1.2L17.2 16.4H0.8Z" fill="{c}"/>'
        '<rect x="8" y="6" width="2" height="5.4" fill="#fff"/>'
        '<rect x="8" y="12.6" width="2" height="2" fill="#fff"/>',
    ),
    str(Status.OFF_TRACK): (
        RED,
        '<rect x="1.5" y="1.5" width="15" height="15" fill="{c}"/>'
        '<path d="M5.5 5.5l7 7M12.5 5.5l-7 7" stroke="#fff" stroke-width="2.2"/>',
    ),
}
NEUTRAL_ICON = (
    '<circle cx="9" cy="9" r="7" fill="none" stroke="{c}" stroke-width="2"/>'
    '<path d="M5.5 9h7" stroke="{c}" stroke-width="2"/>'
)


def status_icon(status: str, *, size: int = 18) -> str:
    """The icon of a status (a tick in a circle, ! in a triangle, × in a square, or a dash in
    a ring for no data, no target and not started), hidden from screen readers: it is always
    shown beside the status in words."""
    colour, shape = ICONS.get(status, (GREY, NEUTRAL_ICON))
    return (
        f'<svg class="status-icon" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 18 18" '
        f'width="{size}" height="{size}" aria-hidden="true" focusable="false">'
        f"{shape.format(c=colour)}</svg>"
    )


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    span = (high - low) or 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def _short(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value * 100:.0f}%"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}m"
    if abs(value) >= 10_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


@dataclass(frozen=True)
class DistrictSeries:
    """One district's monthly values (None where a month has no value or is withheld)."""

    name: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]


def district_trends_svg(
    series: Sequence[DistrictSeries],
    *,
    title: str,
    unit: str = "count",
    columns: int = 4,
    panel_width: float = 170,
    panel_height: float = 92,
) -> str:
    """Small multiples: one panel per district with its monthly line, all on the same scale so
    the districts compare at a glance; the last three months (the quarter) are shaded."""
    if not series:
        raise ValueError("no districts to draw")
    known = [v for s in series for v in s.values if v is not None]
    high = max(known) if known else 1.0
    ticks = _ticks(0.0, high if high > 0 else 1.0, 2)
    top_value = ticks[-1]
    rows = math.ceil(len(series) / columns)
    pad_top, gap = 30.0, 10.0
    width = columns * panel_width + (columns - 1) * gap
    height = pad_top + rows * (panel_height + gap)
    months = len(series[0].labels)
    first, last = series[0].labels[0], series[0].labels[-1]
    desc = (
        f"{len(series)} panels, one per district, each the monthly values from {first} to {last} "
        f"on a shared scale from 0 to {_short(top_value, unit)}. "
        + "; ".join(
            f"{s.name}: latest {_short(s.values[-1], unit) if s.values[-1] is not None else 'none'}"
            for s in series
        )
        + "."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="district-trends" viewBox="0 0 '
        f'{number(width)} {number(height)}" width="{number(width)}" height="{number(height)}" '
        f'role="img" font-family="Arial, sans-serif" font-size="11"><title>{escape(title)}'
        f"</title><desc>{escape(desc)}</desc>",
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    inner_left, inner_right, inner_top, inner_bottom = 34.0, 6.0, 18.0, 16.0
    plot_w = panel_width - inner_left - inner_right
    plot_h = panel_height - inner_top - inner_bottom
    step = plot_w / max(months - 1, 1)
    for index, item in enumerate(series):
        ox = (index % columns) * (panel_width + gap)
        oy = pad_top + (index // columns) * (panel_height + gap)

        def x_at(i: int, ox: float = ox) -> float:
            return ox + inner_left + i * step

        def y_at(v: float, oy: float = oy) -> float:
            return oy + inner_top + (1 - v / top_value) * plot_h

        parts.append(
            f'<rect x="{number(ox)}" y="{number(oy)}" width="{number(panel_width)}" '
            f'height="{number(panel_height)}" fill="#f3f2f1"/>'
        )
        quarter_x = x_at(max(months - 3, 0)) - step / 2
        parts.append(
            f'<rect x="{number(quarter_x)}" y="{number(oy + inner_top)}" '
            f'width="{number(x_at(months - 1) + step / 2 - quarter_x)}" height="{number(plot_h)}" '
            'fill="#dbe7f3"/>'
        )
        parts.append(
            f'<text x="{number(ox + 4)}" y="{number(oy + 12)}" font-weight="bold">'
            f"{escape(item.name)}</text>"
        )
        for tick in (0.0, top_value):
            parts.append(
                f'<text x="{number(ox + inner_left - 4)}" y="{number(y_at(tick) + 4)}" '
                f'text-anchor="end" fill="{GREY}">{_short(tick, unit)}</text>'
            )
        parts.append(
            f'<line x1="{number(ox + inner_left)}" y1="{number(y_at(0))}" '
            f'x2="{number(ox + inner_left + plot_w)}" y2="{number(y_at(0))}" stroke="{GREY}"/>'
        )
        run: list[str] = []
        runs: list[list[str]] = []
        for i, value in enumerate(item.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{number(x_at(i))},{number(y_at(value))}")
        if run:
            runs.append(run)
        for points in runs:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{BLUE}" '
                'stroke-width="1.6"/>'
            )
        if item.values and item.values[-1] is not None:
            value = item.values[-1]
            parts.append(
                f'<circle cx="{number(x_at(months - 1))}" cy="{number(y_at(value))}" r="2.6" '
                f'fill="{BLUE}"><title>{escape(item.name)}, {escape(item.labels[-1])}: '
                f"{_short(value, unit)}</title></circle>"
            )
        parts.append(
            f'<text x="{number(ox + inner_left)}" y="{number(oy + panel_height - 4)}" '
            f'fill="{GREY}">{escape(first)}</text><text x="{number(ox + inner_left + plot_w)}" '
            f'y="{number(oy + panel_height - 4)}" text-anchor="end" fill="{GREY}">'
            f"{escape(last)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    """A line of a bar chart: this year's amount and, when known, the year before's."""

    label: str
    current: float
    previous: float | None = None


def bars_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    current_label: str,
    previous_label: str | None = None,
    width: float = 680,
) -> str:
    """Horizontal bars, one row per line: this year solid, the year before as a thin outlined
    bar beneath it (so the two differ in shape as well as colour). Negative amounts (income)
    run left of zero."""
    if not bars:
        raise ValueError("no bars to draw")
    label_w, right_pad, row_h, top = 230.0, 90.0, 30.0, 46.0
    values = [b.current for b in bars] + [b.previous for b in bars if b.previous is not None]
    low, high = min(0.0, *values), max(0.0, *values)
    ticks = _ticks(low, high, 4)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_w = width - label_w - right_pad
    height = top + row_h * len(bars) + 26

    def x_at(value: float) -> float:
        return label_w + (value - low) / ((high - low) or 1.0) * plot_w

    desc = "; ".join(
        f"{b.label}: {current_label} £{b.current:,.0f}"
        + (f", {previous_label} £{b.previous:,.0f}" if b.previous is not None else "")
        for b in bars
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 {number(width)} '
        f'{number(height)}" width="{number(width)}" height="{number(height)}" role="img" '
        f'font-family="Arial, sans-serif" font-size="11"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>",
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{number(label_w)}" y="22" width="14" height="9" fill="{BLUE}"/>'
        f'<text x="{number(label_w + 18)}" y="30">{escape(current_label)}</text>',
    ]
    if previous_label:
        parts.append(
            f'<rect x="{number(label_w + 90)}" y="26" width="14" height="4" fill="#fff" '
            f'stroke="{GREY}"/><text x="{number(label_w + 108)}" y="30">'
            f"{escape(previous_label)}</text>"
        )
    for tick in ticks:
        tx = x_at(tick)
        parts.append(
            f'<line x1="{number(tx)}" y1="{number(top - 4)}" x2="{number(tx)}" '
            f'y2="{number(height - 22)}" stroke="#e5e5e5"/><text x="{number(tx)}" '
            f'y="{number(height - 8)}" text-anchor="middle" fill="{GREY}">'
            f"£{_short(tick, 'pounds')}</text>"
        )
    zero = x_at(0.0)
    for index, bar in enumerate(bars):
        y = top + index * row_h
        parts.append(
            f'<text x="{number(label_w - 8)}" y="{number(y + 12)}" text-anchor="end">'
            f"{escape(bar.label[:40])}</text>"
        )
        left, right = sorted((zero, x_at(bar.current)))
        parts.append(
            f'<rect x="{number(left)}" y="{number(y + 2)}" width="{number(max(right - left, 1))}" '
            f'height="13" fill="{BLUE}"><title>{escape(bar.label)}: £{bar.current:,.0f}</title>'
            "</rect>"
        )
        # A negative amount's words go right of zero, clear of the line's name.
        end = right if bar.current >= 0 else zero
        parts.append(
            f'<text x="{number(end + 4)}" y="{number(y + 12)}">'
            f"{'−' if bar.current < 0 else ''}£{_short(abs(bar.current), 'pounds')}</text>"
        )
        if bar.previous is not None:
            left, right = sorted((zero, x_at(bar.previous)))
            parts.append(
                f'<rect x="{number(left)}" y="{number(y + 18)}" '
                f'width="{number(max(right - left, 1))}" height="5" fill="#fff" '
                f'stroke="{GREY}"><title>{escape(bar.label)}, {escape(previous_label or "")}: '
                f"£{bar.previous:,.0f}</title></rect>"
            )
    parts.append(
        f'<line x1="{number(zero)}" y1="{number(top - 4)}" x2="{number(zero)}" '
        f'y2="{number(height - 22)}" stroke="#0b0c0c"/></svg>'
    )
    return "".join(parts)
