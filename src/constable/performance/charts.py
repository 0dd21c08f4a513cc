"""The peers funnel plot as hand-written SVG: every force's crime rate against its residents.

Pure functions, no I/O. Residents run along a log scale (the forces range from the City of
London's 7,375 to the Metropolitan Police's 8.2 million), the rate per 1,000 up the page. The
force is drawn large and labelled, its peers marked and labelled, the other forces small and
grey; the group mean is a line and the 95% and 99.8% limits are dashed and solid curves. A force
above or below the chart is drawn as a triangle on its edge. Every point has a ``<title>``
(its tooltip), and the chart a ``<title>`` and ``<desc>`` for screen readers.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from constable.performance.peers import ForceRate, PeerReport, funnel_limits
from constable.web.svg import number

FORCE_COLOUR = "#d4351c"
PEER_COLOUR = "#1d70b8"
OTHER_COLOUR = "#b1b4b6"
LIMIT_COLOUR = "#505a5f"
_LEFT, _RIGHT, _TOP, _BOTTOM = 64.0, 170.0, 40.0, 56.0


def _nice_ceiling(value: float) -> float:
    """The next of 1, 2, 2.5, 5 × 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


def _population_label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}m"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def _labels(
    points: list[tuple[int, float, float, float, str, str]], *, right_edge: float
) -> list[str]:
    """Labels beside the marked points, the force's first: to the right or left of the point,
    moved up or down in steps until clear of labels and points already there, joined to
    the point by a thin line when moved."""
    boxes: list[tuple[float, float, float, float]] = [
        (x - r, y - r, x + r, y + r) for _, x, y, r, _, _ in points
    ]
    drawn: list[str] = []
    for _, x, y, radius, name, colour in sorted(points):
        width = 6.6 * len(name)
        chosen = None
        for step in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5):
            for side in (1, -1):
                left = x + radius + 3 if side == 1 else x - radius - 3 - width
                if left + width > right_edge or left < _LEFT:
                    continue
                top = y + step * 13 - 7
                box = (left, top, left + width, top + 12)
                own = (x - radius, y - radius, x + radius, y + radius)
                if not any(
                    b != own and box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                    for b in boxes
                ):
                    chosen = box
                    break
            if chosen is not None:
                break
        if chosen is None:
            chosen = (x + radius + 3, y - 7, x + radius + 3 + width, y + 5)
        boxes.append(chosen)
        text_y = chosen[1] + 10
        if abs(chosen[1] + 7 - y) > 1:
            end_x = chosen[0] if chosen[0] > x else chosen[2]
            drawn.append(
                f'<line x1="{number(x)}" y1="{number(y)}" x2="{number(end_x)}" '
                f'y2="{number(chosen[1] + 6)}" stroke="{colour}" stroke-width="0.75"/>'
            )
        anchor = "start" if chosen[0] > x else "end"
        text_x = chosen[0] if anchor == "start" else chosen[2]
        drawn.append(
            f'<text x="{number(text_x)}" y="{number(text_y)}" text-anchor="{anchor}" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    return drawn


def funnel_svg(report: PeerReport, *, width: float = 760, height: float = 460) -> str:
    """The funnel plot of ``report``: all forces, the force and its peers marked, the limits."""
    forces = report.rates.forces
    own = report.force.rate.name
    peer_names = {p.rate.name for p in report.peers}
    grades = {m.rate.name: m.grade.value for m in report.members}
    mean = report.mean_per_1000
    phi = report.phi if report.limits_method.startswith("normal") else 1.0

    plot_w = width - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM
    low_exp = math.floor(math.log10(min(f.population for f in forces)) * 2) / 2
    high_exp = math.ceil(math.log10(max(f.population for f in forces)) * 2) / 2
    if high_exp <= low_exp:
        high_exp = low_exp + 1
    members = [m.rate for m in report.members]
    # The rate axis covers the group and its limits with room around them, not every force:
    # forces beyond it are drawn as triangles on its edge.
    group_rates = [mean, *(r.per_1000 for r in members)]
    rate_step = _nice_ceiling((max(group_rates) - min(group_rates)) * 1.6 / 5 or 1.0)
    bottom = max(
        0.0,
        rate_step
        * math.floor(
            (min(group_rates) - 0.3 * (max(group_rates) - min(group_rates)) - rate_step / 2)
            / rate_step
        ),
    )
    top = bottom + 5 * rate_step
    while top < max(group_rates) + rate_step / 2:
        top += rate_step

    def px(population: float) -> float:
        return _LEFT + (math.log10(population) - low_exp) / (high_exp - low_exp) * plot_w

    def py(rate: float) -> float:
        return _TOP + (1 - (rate - bottom) / (top - bottom)) * plot_h

    title = (
        f"{own}: crime per 1,000 residents against its {len(report.peers)} most similar forces, "
        f"{report.financial_year}"
    )
    desc = (
        f"Funnel plot of all {len(forces)} territorial forces. {own} has "
        f"{report.force.rate.per_1000:.1f} offences per 1,000 residents against its peer "
        f"group's {mean:.1f}: {report.force.grade.value}. Peers: "
        + ", ".join(f"{p.rate.name} {p.rate.per_1000:.1f} ({p.grade.value})" for p in report.peers)
        + f". Limits: {report.limits_method}."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {number(width)} '
        f'{number(height)}" width="{number(width)}" height="{number(height)}" role="img" '
        'aria-labelledby="funnel-title funnel-desc" font-family="Arial, sans-serif" '
        'font-size="12">',
        f'<title id="funnel-title">{escape(title)}</title>',
        f'<desc id="funnel-desc">{escape(desc)}</desc>',
        '<defs><clipPath id="funnel-plot"><rect '
        f'x="{number(_LEFT)}" y="{number(_TOP)}" width="{number(plot_w)}" '
        f'height="{number(plot_h)}"/></clipPath></defs>',
        f'<text x="{number(_LEFT)}" y="22" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect x="{number(_LEFT)}" y="{number(_TOP)}" width="{number(plot_w)}" '
        f'height="{number(plot_h)}" fill="none" stroke="#0b0c0c"/>',
    ]

    # Axes: decades of residents, and five steps of the rate.
    axis_y = _TOP + plot_h
    for exponent in np.arange(math.ceil(low_exp), math.floor(high_exp) + 1):
        for step in (1, 2, 5):
            value = step * 10.0 ** float(exponent)
            if not 10**low_exp <= value <= 10**high_exp:
                continue
            tick_x = number(px(value))
            parts.append(
                f'<line x1="{tick_x}" y1="{number(axis_y)}" x2="{tick_x}" '
                f'y2="{number(axis_y + 5)}" stroke="#0b0c0c"/>'
            )
            parts.append(
                f'<text x="{tick_x}" y="{number(axis_y + 18)}" text-anchor="middle">'
                f"{_population_label(value)}</text>"
            )
    for index in range(round((top - bottom) / rate_step) + 1):
        tick = bottom + rate_step * index
        tick_y = number(py(tick))
        parts.append(
            f'<line x1="{number(_LEFT - 5)}" y1="{tick_y}" x2="{number(_LEFT)}" y2="{tick_y}" '
            'stroke="#0b0c0c"/>'
        )
        parts.append(
            f'<text x="{number(_LEFT - 8)}" y="{tick_y}" dy="4" text-anchor="end">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{number(_LEFT + plot_w / 2)}" y="{number(height - 12)}" '
        'text-anchor="middle">Residents (2011 census), log scale</text>'
    )
    parts.append(
        f'<text transform="translate(16 {number(_TOP + plot_h / 2)}) rotate(-90)" '
        f'text-anchor="middle">Offences per 1,000 residents, {report.financial_year}</text>'
    )

    # The mean and the limits, clipped to the plot.
    sizes = np.logspace(low_exp, high_exp, 80)
    curves = [
        funnel_limits(
            mean,
            float(n),
            method="normal" if phi > 1 else "exact",
            phi=phi,
        )
        for n in sizes
    ]
    parts.append('<g clip-path="url(#funnel-plot)" fill="none" stroke-width="1.5">')
    parts.append(
        f'<line x1="{number(_LEFT)}" y1="{number(py(mean))}" x2="{number(_LEFT + plot_w)}" '
        f'y2="{number(py(mean))}" stroke="{LIMIT_COLOUR}"><title>Peer group mean '
        f"{mean:.2f} per 1,000</title></line>"
    )
    for attribute, dash, label in (
        ("lower_95", ' stroke-dasharray="6 4"', "95% limit"),
        ("upper_95", ' stroke-dasharray="6 4"', "95% limit"),
        ("lower_998", "", "99.8% limit"),
        ("upper_998", "", "99.8% limit"),
    ):
        points = " ".join(
            f"{number(px(n))},{number(py(getattr(c, attribute)))}"
            for n, c in zip(sizes, curves, strict=True)
        )
        parts.append(
            f'<polyline points="{points}" stroke="{LIMIT_COLOUR}"{dash}>'
            f"<title>{label}</title></polyline>"
        )
    parts.append("</g>")

    # Points: other forces first, then peers, then the force on top.
    def order(rate: ForceRate) -> int:
        return 2 if rate.name == own else 1 if rate.name in peer_names else 0

    labels: list[tuple[int, float, float, float, str, str]] = []
    for rate in sorted(forces, key=lambda r: (order(r), r.name)):
        kind = order(rate)
        colour, radius = ((OTHER_COLOUR, 3.0), (PEER_COLOUR, 5.0), (FORCE_COLOUR, 7.0))[kind]
        x, y = px(rate.population), py(rate.per_1000)
        role = ("", f"peer, {grades.get(rate.name)}", f"{grades.get(rate.name)}")[kind]
        tip = (
            f"{rate.name}: {rate.per_1000:.1f} per 1,000, {rate.offences:,} offences, "
            f"{rate.population:,} residents" + (f" ({role})" if role else "")
        )
        if rate.per_1000 > top:
            tip += " (above the chart)"
            y = _TOP + radius
            parts.append(
                f'<path d="M{number(x)} {number(_TOP)}l{number(-radius)} {number(2 * radius)}'
                f'h{number(2 * radius)}Z" fill="{colour}"><title>{escape(tip)}</title></path>'
            )
        elif rate.per_1000 < bottom:
            tip += " (below the chart)"
            y = _TOP + plot_h - radius
            parts.append(
                f'<path d="M{number(x)} {number(_TOP + plot_h)}l{number(-radius)} '
                f'{number(-2 * radius)}h{number(2 * radius)}Z" fill="{colour}">'
                f"<title>{escape(tip)}</title></path>"
            )
        else:
            parts.append(
                f'<circle cx="{number(x)}" cy="{number(y)}" r="{number(radius)}" '
                f'fill="{colour}" stroke="#ffffff"><title>{escape(tip)}</title></circle>'
            )
        if kind:
            labels.append((-kind, x, y, radius, rate.name, colour))

    parts.extend(_labels(labels, right_edge=_LEFT + plot_w))

    # Legend, right of the plot.
    legend_x = _LEFT + plot_w + 12
    entries = [
        (f'<circle cx="{number(legend_x + 6)}" cy="{{y}}" r="6" fill="{FORCE_COLOUR}"/>', own),
        (f'<circle cx="{number(legend_x + 6)}" cy="{{y}}" r="5" fill="{PEER_COLOUR}"/>', "peers"),
        (
            f'<circle cx="{number(legend_x + 6)}" cy="{{y}}" r="3" fill="{OTHER_COLOUR}"/>',
            "other forces",
        ),
        (
            f'<line x1="{number(legend_x)}" y1="{{y}}" x2="{number(legend_x + 14)}" y2="{{y}}" '
            f'stroke="{LIMIT_COLOUR}" stroke-width="1.5"/>',
            "peer mean",
        ),
        (
            f'<line x1="{number(legend_x)}" y1="{{y}}" x2="{number(legend_x + 14)}" y2="{{y}}" '
            f'stroke="{LIMIT_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>',
            "95% limits",
        ),
        (
            f'<line x1="{number(legend_x)}" y1="{{y}}" x2="{number(legend_x + 14)}" y2="{{y}}" '
            f'stroke="{LIMIT_COLOUR}" stroke-width="1.5"/>',
            "99.8% limits",
        ),
    ]
    for index, (mark, text) in enumerate(entries):
        entry_y = number(_TOP + 10 + index * 20)
        parts.append(mark.replace("{y}", entry_y))
        parts.append(
            f'<text x="{number(legend_x + 20)}" y="{entry_y}" dy="4">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
