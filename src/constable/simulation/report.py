"""The comparison written to a folder: an HTML report, its SVG charts and the figures as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from constable.simulation.charts import comparison_charts
from constable.simulation.compare import Comparison, formatted_interval
from constable.simulation.scenarios import Scenario

_TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ c.base }} against {{ c.other }}: simulation report</title>
<style>
body { font-family: Arial, sans-serif; margin: 2em auto; max-width: 64em; color: #0b0c0c; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.3em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.distinct { font-weight: bold; }
figure { margin: 1.5em 0; }
</style></head>
<body>
<h1>{{ c.base }} against {{ c.other }}</h1>
<p>{{ c.replications }} replications of {{ c.days }} simulated days each (the first
{{ c.warm_up_days }} left out as warm-up), the same seeds for both scenarios. Figures are means
with {{ (c.confidence * 100) | round | int }}% confidence intervals over replications; a
difference in bold is one whose interval excludes zero.</p>
{% for figure in charts %}<figure>{{ figure }}</figure>
{% endfor %}
<h2>Every figure</h2>
<table>
<thead><tr><th scope="col">Figure</th><th scope="col">{{ c.base }}</th>
<th scope="col">{{ c.other }}</th><th scope="col">Difference</th></tr></thead>
<tbody>
{% for r in c.rows %}<tr><td>{{ r.description.label }}</td>
<td>{{ show(r.base, r.description.unit) }}</td>
<td>{{ show(r.other, r.description.unit) }}</td>
<td{% if r.distinct %} class="distinct"{% endif %}>
{{ show(r.difference, r.description.unit) }}</td></tr>
{% endfor %}</tbody></table>
{% for s in scenarios %}<h2>Assumptions: {{ s.name }}</h2>
<p>{{ s.description }}</p>
<ul>{% for a in s.assumptions %}
<li>{{ a.what }} <em>Source: {{ a.source }}</em></li>{% endfor %}</ul>
{% endfor %}
</body></html>
"""


def render_html(comparison: Comparison, scenarios: list[Scenario], charts: dict[str, str]) -> str:
    """The report page, charts inline."""
    env = Environment(autoescape=select_autoescape(default=True))
    env.globals["show"] = formatted_interval
    template = env.from_string(_TEMPLATE)
    return template.render(
        c=comparison, scenarios=scenarios, charts=[Markup(svg) for svg in charts.values()]
    )


def write_report(
    comparison: Comparison, scenarios: list[Scenario], folder: Path, prefix: str = ""
) -> list[Path]:
    """``report.html``, one SVG per chart and ``comparison.json`` in ``folder``; all written
    to temporary names first and renamed, so a failure leaves no half-written report."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = comparison_charts(comparison)
    files = {f"{prefix}{name}.svg": svg for name, svg in charts.items()}
    files[f"{prefix}report.html"] = render_html(comparison, scenarios, charts)
    files[f"{prefix}comparison.json"] = json.dumps(comparison.as_dict(), indent=2)
    staged = []
    for name, text in files.items():
        temporary = folder / f".{name}.part"
        temporary.write_text(text, encoding="utf-8")
        staged.append((temporary, folder / name))
    for temporary, final in staged:
        temporary.replace(final)
    return [final for _, final in staged]
