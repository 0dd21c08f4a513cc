"""Charts of a comparison as hand-written SVG: horizontal bars with confidence intervals.

Pure functions returning SVG text, with a ``<title>`` and a ``<desc>`` that states every value
for screen readers. Shares are drawn as percentages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from constable.simulation.compare import Comparison, Interval, formatted

COLOURS = ("#1d70b8", "#f47738")
"""Base and other scenario: GOV.UK blue and orange, told apart with common colour blindness."""
_LEFT, _RIGHT, _TOP, _BAR, _GAP = 250.0, 70.0, 62.0, 13.0, 12.0


@dataclass(frozen=True)
class Group:
    """One label on the chart and an interval per scenario."""

    label: str
    values: tuple[Interval, ...]


def _nice_top(value: float) -> float:
    if value <= 0 or math.isnan(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def bars_svg(
    *,
    title: str,
    groups: Sequence[Group],
    series: Sequence[str],
    unit: str,
    width: float = 760,
) -> str:
    """Bars of each group's means, one per series, with their intervals as whiskers."""
    share = unit == "share"
    top_value = max(
        (
            v.high if not math.isnan(v.high) else v.mean
            for g in groups
            for v in g.values
            if not math.isnan(v.mean)
        ),
        default=1.0,
    )
    top = 1.0 if share else _nice_top(top_value * 1.05)
    plot_w = width - _LEFT - _RIGHT
    row_h = _BAR * len(series) + _GAP
    height = _TOP + row_h * len(groups) + 40

    def px(value: float) -> float:
        return _LEFT + max(0.0, min(value, top)) / top * plot_w

    parts = []
    for tick in range(6):
        at = top * tick / 5
        x = px(at)
        label = f"{at * 100:.0f}%" if share else formatted(at, unit)
        parts.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{height - 34:.1f}" '
            f'stroke="#dddddd"/><text x="{x:.1f}" y="{height - 20:.1f}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    described = []
    for row, group in enumerate(groups):
        y0 = _TOP + row * row_h
        parts.append(
            f'<text x="{_LEFT - 8}" y="{y0 + _BAR * len(series) / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="12">{escape(group.label)}</text>'
        )
        for s, value in enumerate(group.values):
            y = y0 + s * _BAR
            if math.isnan(value.mean):
                continue
            parts.append(
                f'<rect x="{_LEFT}" y="{y:.1f}" width="{px(value.mean) - _LEFT:.1f}" '
                f'height="{_BAR - 2}" fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
            if not math.isnan(value.low):
                mid = y + (_BAR - 2) / 2
                parts.append(
                    f'<path d="M{px(value.low):.1f} {mid:.1f}H{px(value.high):.1f}'
                    f'M{px(value.low):.1f} {mid - 4:.1f}v8M{px(value.high):.1f} {mid - 4:.1f}v8" '
                    f'stroke="#0b0c0c" stroke-width="1.2" fill="none"/>'
                )
            end = value.mean if math.isnan(value.high) else max(value.mean, value.high)
            parts.append(
                f'<text x="{px(end) + 4:.1f}" y="{y + _BAR - 3:.1f}" font-size="10">'
                f"{escape(formatted(value.mean, unit))}</text>"
            )
            described.append(f"{group.label}, {series[s]}: {formatted(value.mean, unit)}")
    legend = []
    for s, name in enumerate(series):
        x = _LEFT + s * 260
        legend.append(
            f'<rect x="{x}" y="30" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{x + 18}" y="40" font-size="12">{escape(name)}</text>'
        )
    desc = (
        f"{title}. " + "; ".join(described) + ". Whiskers: confidence intervals over replications."
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" font-family="Arial, sans-serif">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(legend)
        + "".join(parts)
        + "</svg>"
    )


def _groups(comparison: Comparison, names: Sequence[tuple[str, str]]) -> list[Group]:
    found = []
    for name, label in names:
        try:
            row = comparison.row(name)
        except KeyError:
            continue
        found.append(Group(label, (row.base, row.other)))
    return found


def comparison_charts(comparison: Comparison) -> dict[str, str]:
    """The report's charts by file stem: attendance by grade, grade 1 by district, queue
    times, utilisation, and hours for patrol and problem solving."""
    series = (comparison.base, comparison.other)
    days = f"{comparison.replications} replications of {comparison.days} days"
    grades = [(f"response.grade{g}.within_standard", f"Grade {g}") for g in (1, 2, 3)]
    districts = sorted(
        (r.name, r.name.split(".")[1].replace("-", " ").title().replace(" And ", " and "))
        for r in comparison.rows
        if r.name.startswith("district.") and r.name.endswith("grade1.within_standard")
    )
    queues = [(f"response.grade{g}.queue_minutes", f"Grade {g}") for g in (1, 2, 3)]
    kinds = [
        (r.name, r.name.split(".")[1].replace("_", " "))
        for r in comparison.rows
        if r.name.startswith("units.") and r.name.endswith(".utilisation")
    ]
    hours = [
        ("hours.visible_patrol", "Visible patrol (patrol cars)"),
        ("hours.problem_solving", "Problem solving (CPT, PCSOs)"),
    ]
    return {
        "attendance": bars_svg(
            title=f"Attended within standard, by grade ({days})",
            groups=_groups(comparison, grades),
            series=series,
            unit="share",
        ),
        "districts": bars_svg(
            title=f"Grade 1 attended within standard, by district ({days})",
            groups=_groups(comparison, districts),
            series=series,
            unit="share",
        ),
        "queue": bars_svg(
            title=f"Mean wait for a free unit, minutes ({days})",
            groups=_groups(comparison, queues),
            series=series,
            unit="minutes",
        ),
        "utilisation": bars_svg(
            title=f"Unit utilisation: share of time on duty spent on incidents ({days})",
            groups=_groups(comparison, kinds),
            series=series,
            unit="share",
        ),
        "hours": bars_svg(
            title=f"Hours a day left for patrol and problem solving ({days})",
            groups=_groups(comparison, hours),
            series=series,
            unit="hours",
        ),
    }
