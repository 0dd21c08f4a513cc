"""Assemble a board pack: every figure, table, chart and statement, as plain data.

:func:`assemble` reads the store once (the plan's status for the quarter, the districts, the
peers, the budgets, the imports) and returns a :class:`Pack`; rendering it as HTML, PDF and CSV
is done elsewhere (:mod:`.render`, :mod:`.pdf`, :mod:`.csvfile`) and reads nothing more.

Every number shown in the pack is a :class:`Figure` with an id: a table cell or a statement
that shows it carries the id, and ``figures.csv`` has one row per figure, so the CSV and the
pack always agree. A public pack (``public=True``) applies :mod:`.suppress`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.analysis.trends import xmr_svg
from constable.community.service import Period
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force.models import District, Force
from constable.ingest.models import ImportedFile
from constable.performance.boardpack import charts
from constable.performance.boardpack.data import (
    district_breakdown,
    district_months,
    home_office_groups,
)
from constable.performance.boardpack.papers import PAPERS, Paper, paper_of
from constable.performance.boardpack.suppress import WITHHELD, small, value_is_small
from constable.performance.budgets import budget_tables, financial_year_label, pounds
from constable.performance.charts import funnel_svg
from constable.performance.measures import Value
from constable.performance.peers import PeersError, peer_report
from constable.performance.plan import Plan, format_value
from constable.performance.status import MeasureStatus, PlanStatus, Status, plan_status
from constable.public.priorities import priority_records, quarter_priorities
from constable.store.audit import AuditEntry

Progress = Callable[[str], None]
"""Told the name of each step as it starts (the command line shows it with Rich)."""

DISTRICT_KINDS = ("count", "rate", "share")
"""Kinds of measure given a district breakdown in Delivery & Performance."""

TREND_MEASURES = ("recorded_crime", "crime_per_1000")
"""The measure drawn as district trends, the first of these in the plan (else its first count
measure with districts)."""


class BoardPackError(ConstableError):
    """A pack that cannot be built from what was given or what the store holds."""


@dataclass(frozen=True)
class Figure:
    """One number in the pack: where it is, what it is, and how it is shown."""

    id: str
    paper: str
    section: str
    label: str
    area: str
    period: str
    value: float | None
    unit: str
    text: str
    status: str = ""
    note: str = ""

    def as_row(self) -> dict[str, str]:
        """The figure as a row of ``figures.csv`` (every value as text)."""
        return {
            "id": self.id,
            "paper": self.paper,
            "section": self.section,
            "figure": self.label,
            "area": self.area,
            "period": self.period,
            "value": "" if self.value is None else f"{self.value:.10g}",
            "unit": self.unit,
            "text": self.text,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, the figure it shows (if any), whether it is a number, and a
    status to show as an icon."""

    text: str
    figure: str | None = None
    numeric: bool = False
    status: str | None = None


@dataclass(frozen=True)
class Block:
    """A table."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart: SVG markup built by this package's own code, and a caption."""

    id: str
    title: str
    svg: str
    caption: str


@dataclass(frozen=True)
class Statement:
    """How a measure's status was decided, in words."""

    key: str
    label: str
    status: str
    text: str
    owner: str | None = None
    chart: Chart | None = None


@dataclass
class Section:
    """Part of a paper."""

    key: str
    title: str
    intro: str = ""
    tables: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PaperPart:
    """A paper with its sections."""

    paper: Paper
    sections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class SummaryRow:
    """A line of the one-page summary: one measure of the plan."""

    key: str
    label: str
    area: str
    paper: str
    value: Cell
    previous: Cell
    change: str
    status: Cell
    target: str
    owner: str | None


@dataclass(frozen=True)
class Pack:
    """A whole board pack, ready to render."""

    title: str
    force: str
    plan: str
    plan_source: str
    quarter: str
    start: dt.date
    last_day: dt.date
    financial_year: str
    district: str | None
    public: bool
    generated: dt.datetime
    summary: tuple[SummaryRow, ...]
    counts: dict[str, int]
    papers: tuple[PaperPart, ...]
    figures: tuple[Figure, ...]

    @property
    def period_words(self) -> str:
        """``1 July 2017 to 30 September 2017``."""
        return f"{_day(self.start)} to {_day(self.last_day)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


class FigureBook:
    """Collects the figures of a pack, numbering them per paper, applying suppression."""

    def __init__(self, *, public: bool) -> None:
        self.public = public
        self.figures: list[Figure] = []
        self._numbers: dict[str, int] = {}

    def add(
        self,
        paper: str,
        section: str,
        label: str,
        *,
        area: str,
        period: str,
        value: float | None,
        unit: str,
        text: str,
        status: str = "",
        note: str = "",
        numeric: bool = True,
        withhold: bool = False,
    ) -> Cell:
        """Record a figure and return the cell that shows it (withheld when asked and public)."""
        number = self._numbers.get(paper, 0) + 1
        self._numbers[paper] = number
        if withhold and self.public:
            value, text, note = None, WITHHELD, "small count withheld in the public pack"
        figure = Figure(
            f"{paper}-{number:03d}",
            paper,
            section,
            label,
            area,
            period,
            value,
            unit,
            text,
            status,
            note,
        )
        self.figures.append(figure)
        return Cell(text, figure.id, numeric)

    def value(
        self, paper: str, section: str, label: str, value: Value, unit: str, *, area: str
    ) -> Cell:
        """A measure's value as a figure (withheld in public when small)."""
        return self.add(
            paper,
            section,
            label,
            area=area,
            period=value.period.label,
            value=value.value,
            unit=unit,
            text=format_value(value.value, unit),
            note=value.note or "",
            withhold=value_is_small(value, unit),
        )

    def count(
        self, paper: str, section: str, label: str, number: int, *, area: str, period: str
    ) -> Cell:
        """A count as a figure (withheld in public when from 1 to 9)."""
        return self.add(
            paper,
            section,
            label,
            area=area,
            period=period,
            value=float(number),
            unit="count",
            text=f"{number:,}",
            withhold=small(number),
        )

    def money(
        self, paper: str, section: str, label: str, amount: Decimal, *, area: str, period: str
    ) -> Cell:
        """A sum of money as a figure (never withheld)."""
        return self.add(
            paper,
            section,
            label,
            area=area,
            period=period,
            value=float(amount),
            unit="pounds",
            text=pounds(amount),
        )


def _area_name(force: Force, slug: str) -> str:
    if slug == "force":
        return force.name
    found = next((d for d in force.districts if d.slug == slug), None)
    return found.name if found else slug


def _measure_withheld(item: MeasureStatus) -> bool:
    unit = item.measure.unit
    values = [item.value, item.change.previous]
    values += [t.so_far for t in item.targets if t.so_far is not None]
    return any(value_is_small(v, unit) for v in values)


def _spc_chart(item: MeasureStatus, *, public: bool, area: str) -> tuple[Chart | None, str]:
    if item.spc is None:
        return None, ""
    chart = item.spc.chart
    unit = item.measure.unit
    if public and unit in ("count", "per_1000", "share"):
        if unit != "share" and any(small(float(v)) for v in chart.values):
            return None, (
                "The SPC chart is left out of the public pack: a month has fewer than 10."
            )
        if unit == "share":
            return None, (
                "The SPC chart of a share is left out of the public pack: its monthly "
                "numerators are not shown."
            )
    ident = f"spc-{_slug(item.line.key)}"
    title = f"{item.measure.label}, {area}: monthly, {chart.labels[0]} to {chart.labels[-1]}"
    y_label = {"share": "Share (1 = 100%)", "per_1000": "Per 1,000 residents"}.get(unit, "Count")
    svg = xmr_svg(chart, title=title, y_label=y_label, id_prefix=ident)
    recent = "; ".join(item.spc.recent) if item.spc.recent else "no signal in the quarter"
    caption = (
        f"XmR chart of the 24 months to the quarter's end: centre line, process limits (dashed) "
        f"and signals (triangles). In the quarter: {recent}."
    )
    return Chart(ident, title, svg, caption), ""


def _measure_rows(
    book: FigureBook, result: PlanStatus, force: Force, public: bool
) -> tuple[list[SummaryRow], dict[str, list[tuple[MeasureStatus, SummaryRow]]]]:
    summary: list[SummaryRow] = []
    by_paper: dict[str, list[tuple[MeasureStatus, SummaryRow]]] = {}
    for item in result.measures:
        paper = paper_of(item.measure.name)
        unit = item.measure.unit
        area = _area_name(force, item.area)
        label = item.measure.label
        value = book.value(paper, "measures", label, item.value, unit, area=area)
        previous = book.value(paper, "measures", label, item.change.previous, unit, area=area)
        top = next(
            (t for t in item.targets if t.status == item.status and t.status != Status.NO_DATA),
            item.targets[0] if item.targets else None,
        )
        status = book.add(
            paper,
            "measures",
            f"{label}: status",
            area=area,
            period=result.quarter.label,
            value=None,
            unit="status",
            text=str(item.status),
            status=str(item.status),
            numeric=False,
        )
        row = SummaryRow(
            item.line.key,
            label,
            area,
            paper,
            value,
            previous,
            str(item.change.assessment),
            replace(status, status=str(item.status)),
            top.text if top else "no target: direction and significance",
            None if public else item.line.owner,
        )
        summary.append(row)
        by_paper.setdefault(paper, []).append((item, row))
    return summary, by_paper


def _measures_section(
    paper: Paper,
    items: list[tuple[MeasureStatus, SummaryRow]],
    quarter: Period,
    *,
    public: bool,
) -> Section:
    section = Section(
        "measures",
        "The plan's measures",
        f"Each measure for {quarter.label} against the same quarter a year before (the change "
        "is tested before it is called a rise or a fall), and its status against target.",
    )
    rows = tuple(
        (
            Cell(row.key),
            Cell(item.line.item.label),
            Cell(row.area),
            row.value,
            row.previous,
            Cell(row.change),
            row.status,
        )
        for item, row in items
    )
    section.tables.append(
        Block(
            f"{paper.key}-measures-table",
            f"{paper.title}: measures, {quarter.label}",
            ("Key", "Measure", "Area", quarter.label, "A year before", "Change", "Status"),
            rows,
        )
    )
    for item, row in items:
        chart, chart_note = _spc_chart(item, public=public, area=row.area)
        text = item.statement
        if public and _measure_withheld(item):
            text = (
                f"{str(item.status).capitalize()}. Target: {row.target}. The figures behind this "
                "status include a count below 10, withheld in the public pack; the status was "
                "decided on the full figures."
            )
        if chart_note:
            text += " " + chart_note
        section.statements.append(
            Statement(row.key, item.line.item.label, str(item.status), text, row.owner, chart)
        )
    return section


def _district_section(
    book: FigureBook,
    session: Session,
    force: Force,
    items: list[tuple[MeasureStatus, SummaryRow]],
    quarter: Period,
    cache: dict[Any, Any],
    *,
    public: bool,
) -> Section:
    section = Section(
        "districts",
        "The districts",
        f"The plan's force-wide measures in each district, {quarter.label} against a year before.",
    )
    seen: set[str] = set()
    order: list[str] = []
    for item, _ in items:
        measure = item.measure
        if (
            item.area != "force"
            or measure.source != "store"
            or not measure.districts
            or measure.kind not in DISTRICT_KINDS
            or measure.name in seen
            or item.value.value is None
        ):
            continue
        seen.add(measure.name)
        order.append(measure.name)
        rows = []
        for found in district_breakdown(
            session=session, force=force, measure=measure.name, quarter=quarter, cache=cache
        ):
            name = found.district.name
            rows.append(
                (
                    Cell(name),
                    book.value(
                        "delivery", "districts", measure.label, found.value, measure.unit, area=name
                    ),
                    book.value(
                        "delivery",
                        "districts",
                        measure.label,
                        found.previous,
                        measure.unit,
                        area=name,
                    ),
                    Cell(str(found.change.assessment)),
                )
            )
        section.tables.append(
            Block(
                f"districts-{_slug(measure.name)}",
                f"{measure.label} by district, {quarter.label}",
                ("District", quarter.label, "A year before", "Change"),
                tuple(rows),
            )
        )
    kinds = {i.measure.name: i.measure.kind for i, _ in items}
    trend = next((n for n in TREND_MEASURES if n in seen), None) or next(
        (n for n in order if kinds[n] == "count"), None
    )
    if trend is not None:
        measure = next(i.measure for i, _ in items if i.measure.name == trend)
        monthly = district_months(
            session=session, force=force, measure=trend, quarter=quarter, cache=cache
        )
        series = []
        withheld = False
        for district, values in monthly:
            shown: list[float | None] = []
            for value in values:
                if public and value_is_small(value, measure.unit):
                    shown.append(None)
                    withheld = True
                else:
                    shown.append(value.value)
            series.append(
                charts.DistrictSeries(
                    district.name, tuple(v.period.label for v in values), tuple(shown)
                )
            )
        title = f"{measure.label} by district, monthly"
        caption = "Twelve months to the quarter's end, the quarter shaded; one scale for all."
        if withheld:
            caption += " Months with fewer than 10 are left out of the public pack (gaps)."
        section.charts.append(
            Chart(
                f"trends-{_slug(trend)}",
                title,
                charts.district_trends_svg(series, title=title, unit=measure.unit),
                caption,
            )
        )
    if not section.tables:
        section.notes.append(
            "No force-wide measure of the plan has a value by district for this quarter."
        )
    return section


def _home_office_section(
    book: FigureBook, session: Session, force: Force, year: str
) -> Section | None:
    groups = home_office_groups(session=session, force=force, financial_year=year)
    if not groups:
        return None
    section = Section(
        "recorded-crime",
        f"Police recorded crime, {year} (Home Office)",
        "Offences by offence group and financial quarter from the Home Office table imported "
        "into the store (constable import recorded-crime).",
    )
    quarters = sorted({q for g in groups for q in g.quarters})
    rows = []
    for group in groups:
        cells = [Cell(group.group)]
        for quarter in quarters:
            cells.append(
                book.count(
                    "delivery",
                    "recorded-crime",
                    group.group,
                    group.quarters.get(quarter, 0),
                    area=force.name,
                    period=f"{year} Q{quarter}",
                )
            )
        cells.append(
            book.count(
                "delivery", "recorded-crime", group.group, group.total, area=force.name, period=year
            )
        )
        rows.append(tuple(cells))
    totals = [Cell("All offences")]
    for quarter in quarters:
        totals.append(
            book.count(
                "delivery",
                "recorded-crime",
                "All offences",
                sum(g.quarters.get(quarter, 0) for g in groups),
                area=force.name,
                period=f"{year} Q{quarter}",
            )
        )
    totals.append(
        book.count(
            "delivery",
            "recorded-crime",
            "All offences",
            sum(g.total for g in groups),
            area=force.name,
            period=year,
        )
    )
    rows.append(tuple(totals))
    section.tables.append(
        Block(
            "recorded-crime-groups",
            f"{force.name}: recorded crime by offence group, {year}",
            ("Offence group", *(f"Q{q}" for q in quarters), year),
            tuple(rows),
        )
    )
    return section


def _peers_section(book: FigureBook, session: Session, force: Force, year: str) -> Section:
    section = Section(
        "peers",
        "Review: the force against its most similar forces",
        "Crime per 1,000 residents (Home Office recorded crime over the 2011 census) for the 43 "
        "forces, with the most similar forces by census features, funnel limits and grades "
        "(docs/performance.md).",
    )
    try:
        report = peer_report(session=session, force=records_name(force), financial_year=year)
    except PeersError as exc:
        section.notes.append(f"No peer comparison for {year}: {exc}.")
        return section
    section.charts.append(
        Chart(
            "peers-funnel",
            f"{report.force.rate.name} against its most similar forces, {year}",
            funnel_svg(report),
            "Every force's rate against its residents (log scale); the peer group's mean, and "
            "95% (dashed) and 99.8% (solid) limits.",
        )
    )
    rows = []
    for member in report.members:
        name = member.rate.name
        rows.append(
            (
                Cell(name),
                book.add(
                    "inspections",
                    "peers",
                    "Residents (2011 census)",
                    area=name,
                    period=year,
                    value=float(member.rate.population),
                    unit="count",
                    text=f"{member.rate.population:,}",
                ),
                book.count(
                    "inspections",
                    "peers",
                    "Offences",
                    member.rate.offences,
                    area=name,
                    period=year,
                ),
                book.add(
                    "inspections",
                    "peers",
                    "Crime per 1,000 residents",
                    area=name,
                    period=year,
                    value=round(member.rate.per_1000, 2),
                    unit="per_1000",
                    text=f"{member.rate.per_1000:.2f}",
                ),
                Cell(f"{member.limits.lower_95:.2f}–{member.limits.upper_95:.2f}", numeric=True),
                book.add(
                    "inspections",
                    "peers",
                    "Grade against peers",
                    area=name,
                    period=year,
                    value=None,
                    unit="grade",
                    text=member.grade.value,
                    numeric=False,
                ),
            )
        )
    section.tables.append(
        Block(
            "peers-group",
            f"{report.force.rate.name} and its {len(report.peers)} most similar forces, {year}",
            ("Force", "Residents", "Offences", "Per 1,000", "95% limits", "Grade"),
            tuple(rows),
            (
                f"Grade: {report.grade_test}.",
                f"Against last year: {report.trend_statement}.",
                f"Peer group mean {report.mean_per_1000:.2f} per 1,000; overdispersion "
                f"{report.phi:,.0f} (docs/performance.md).",
            ),
        )
    )
    return section


def _audit_section(session: Session, result: PlanStatus, *, public: bool, force: Force) -> Section:
    section = Section(
        "data-audit",
        "Audit: the data behind this pack",
        "What was imported into the store, and which measures have no value for the quarter.",
    )
    files = list(session.scalars(select(ImportedFile).order_by(ImportedFile.imported_at)))
    who: dict[str, str] = {}
    if not public and files:
        for entity_id, actor in session.execute(
            select(AuditEntry.entity_id, AuditEntry.actor).where(
                AuditEntry.entity == "imported_file",
                AuditEntry.entity_id.in_([str(f.id) for f in files]),
            )
        ):
            who[str(entity_id)] = actor
    columns: tuple[str, ...] = ("File", "Kind", "Rows", "Imported")
    if not public:
        columns = (*columns, "By")
    rows = []
    for found in files:
        cells = [
            Cell(found.name),
            Cell(found.kind),
            Cell(f"{found.rows:,}", numeric=True),
            Cell(f"{found.imported_at:%Y-%m-%d}"),
        ]
        if not public:
            cells.append(Cell(who.get(str(found.id), "–")))
        rows.append(tuple(cells))
    section.tables.append(Block("imports", "Files imported into the store", columns, tuple(rows)))
    missing = [
        (
            Cell(m.line.key),
            Cell(m.measure.label),
            Cell(_area_name(force, m.area)),
            Cell(m.measure.source),
            Cell(m.value.note or "no value"),
        )
        for m in result.measures
        if m.value.value is None
    ]
    if missing:
        section.tables.append(
            Block(
                "no-data",
                f"Measures with no value for {result.quarter.label}",
                ("Key", "Measure", "Area", "Source", "Why"),
                tuple(missing),
                (
                    "Store measures come from the records; external measures are imported "
                    "with constable plan import-measures (docs/plan.md).",
                ),
            )
        )
    return section


def _finance_section(book: FigureBook, session: Session, force: Force, year: str) -> Section:
    section = Section(
        "budgets",
        "Budgets and commissioning",
        f"The latest budget and commissioning tables imported for {year} or before, each with "
        "the year before when it was imported (constable plan import-budgets).",
    )
    tables, later = budget_tables(session=session, force=force, upto=year)
    for table in tables:
        head = ("Line", table.financial_year) + (
            (table.previous_year, "Change", "Change (%)") if table.previous_year else ()
        )
        rows = []
        label_of = f"{table.title}"
        bars = []
        for figure in table.figures:
            line = figure.line if not figure.heading else f"{figure.heading}: {figure.line}"
            cells = [
                Cell(line),
                book.money(
                    "finance",
                    table.statement,
                    f"{label_of}: {line}",
                    figure.amount,
                    area=force.name,
                    period=table.financial_year,
                ),
            ]
            if table.previous_year:
                if figure.previous is None:
                    cells += [Cell("–", numeric=True)] * 3
                else:
                    cells.append(
                        book.money(
                            "finance",
                            table.statement,
                            f"{label_of}: {line}",
                            figure.previous,
                            area=force.name,
                            period=table.previous_year,
                        )
                    )
                    change = figure.change or Decimal(0)
                    cells.append(
                        book.add(
                            "finance",
                            table.statement,
                            f"{label_of}: {line}: change",
                            area=force.name,
                            period=f"{table.previous_year} to {table.financial_year}",
                            value=float(change),
                            unit="pounds",
                            text=pounds(change, sign=True),
                        )
                    )
                    share = figure.change_share
                    cells.append(
                        book.add(
                            "finance",
                            table.statement,
                            f"{label_of}: {line}: change (%)",
                            area=force.name,
                            period=f"{table.previous_year} to {table.financial_year}",
                            value=None if share is None else round(share * 100, 2),
                            unit="percent",
                            text="–" if share is None else f"{share * 100:+.1f}%",
                        )
                    )
            rows.append(tuple(cells))
            if figure.kind == "line":
                bars.append(
                    charts.Bar(
                        figure.line,
                        float(figure.amount),
                        None if figure.previous is None else float(figure.previous),
                    )
                )
        notes = [f"Source: {'; '.join(table.sources)}."]
        notes += [n.rstrip(".") + "." for n in table.checks]
        notes += [f"{f.line}: {f.note}" for f in table.figures if f.note]
        section.tables.append(
            Block(
                f"budget-{table.statement}",
                f"{table.title}, {table.financial_year}",
                head,
                tuple(rows),
                tuple(notes),
            )
        )
        if bars:
            section.charts.append(
                Chart(
                    f"bars-{table.statement}",
                    f"{table.title}, {table.financial_year}",
                    charts.bars_svg(
                        bars,
                        title=f"{table.title}, {table.financial_year}",
                        current_label=table.financial_year,
                        previous_label=table.previous_year,
                    ),
                    "Each line of the table"
                    + (", the year before as a thin outlined bar." if table.previous_year else "."),
                )
            )
    for words in later:
        section.notes.append(f"Not shown: {words}.")
    if not tables:
        section.notes.append(
            f"No budget imported for {year} or before: constable plan import-budgets FILE "
            "(docs/plan.md)."
        )
    return section


def _priorities_section(
    book: FigureBook,
    session: Session,
    force: Force,
    quarter: Period,
    district: District | None,
    *,
    public: bool,
) -> Section:
    """ "You said, we did": the neighbourhood priorities open in the quarter, per district, and
    each one with what was done in the quarter (owners only in the private pack)."""
    section = Section(
        "priorities",
        "Neighbourhood priorities: you said, we did",
        "Priorities agreed with residents at neighbourhood meetings and consultations that were "
        f"open at some time in {quarter.label}, and what was done about them in the quarter.",
    )
    found = quarter_priorities(priority_records(session, force), quarter.start, quarter.end)
    if district is not None:
        found = {k: v for k, v in found.items() if k == district.slug}
    if not found:
        section.notes.append(f"No neighbourhood priority was open in {quarter.label}.")
        return section
    paper, label = "collaboration", quarter.label
    counts = []
    for slug in sorted(found, key=lambda k: found[k][0].district_name):
        records = found[slug]
        area = records[0].district_name
        resolved = [r for r in records if r.closed_on is not None and r.closed_on < quarter.end]
        counts.append(
            (
                Cell(area),
                book.count(
                    paper, "priorities", "priorities open", len(records), area=area, period=label
                ),
                book.count(
                    paper,
                    "priorities",
                    "priorities resolved",
                    len(resolved),
                    area=area,
                    period=label,
                ),
                book.count(
                    paper,
                    "priorities",
                    "actions reported",
                    sum(len(r.actions) for r in records),
                    area=area,
                    period=label,
                ),
            )
        )
    section.tables.append(
        Block(
            "priorities-by-district",
            f"Neighbourhood priorities by district, {label}",
            ("District", "Open in the quarter", "Resolved", "Actions reported"),
            tuple(counts),
        )
    )
    columns: tuple[str, ...] = ("Neighbourhood", "Priority", "Agreed", "Status", "What was done")
    if not public:
        columns = (*columns, "Owner")
    rows = []
    for slug in sorted(found, key=lambda k: found[k][0].district_name):
        for record in found[slug]:
            done = "; ".join(f"{day:%d %b}: {text}" for day, text in record.actions)
            if record.result:
                done = f"{done}; result: {record.result}" if done else f"Result: {record.result}"
            cells = [
                Cell(f"{record.neighbourhood_name} ({record.district_name})"),
                Cell(record.title),
                Cell(f"{record.agreed_on:%Y-%m-%d}"),
                Cell(record.status),
                Cell(done or "nothing reported yet"),
            ]
            if not public:
                cells.append(Cell(record.owner))
            rows.append(tuple(cells))
    section.tables.append(
        Block("priorities-list", "Each priority and what was done", columns, tuple(rows))
    )
    return section


def assemble(
    *,
    session: Session,
    force: Force,
    plan: Plan,
    quarter: Period,
    district: District | None = None,
    public: bool = False,
    progress: Progress | None = None,
    generated: dt.datetime | None = None,
) -> Pack:
    """Everything in the board pack for ``plan`` at the end of ``quarter``, for the force or
    one district (see the module's documentation). Raises :class:`BoardPackError` for a plan
    written for another force."""
    if plan.force != force.code:
        raise BoardPackError(
            f"the plan {plan.name!r} is for the force {plan.force!r}, not {force.code!r}"
        )

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    book = FigureBook(public=public)
    year = financial_year_label(quarter.start)
    step("Measures and status")
    result = plan_status(
        session=session, force=force, plan=plan, quarter=quarter, district=district
    )
    summary, by_paper = _measure_rows(book, result, force, public)
    cache: dict[Any, Any] = {}
    parts: list[PaperPart] = []
    for paper in PAPERS:
        part = PaperPart(paper)
        items = by_paper.get(paper.key, [])
        if items:
            part.sections.append(_measures_section(paper, items, quarter, public=public))
        if paper.key == "delivery":
            step("Districts")
            if district is None:
                part.sections.append(
                    _district_section(book, session, force, items, quarter, cache, public=public)
                )
            recorded = _home_office_section(book, session, force, year)
            if recorded is not None:
                part.sections.append(recorded)
        elif paper.key == "inspections":
            step("Peers")
            part.sections.append(_peers_section(book, session, force, year))
            step("Audit")
            part.sections.append(_audit_section(session, result, public=public, force=force))
        elif paper.key == "finance":
            step("Finance")
            part.sections.append(_finance_section(book, session, force, year))
        elif paper.key == "collaboration":
            step("Neighbourhood priorities")
            part.sections.append(
                _priorities_section(book, session, force, quarter, district, public=public)
            )
        if not part.sections:
            part.sections.append(
                Section(
                    "none",
                    "Nothing to report",
                    notes=[f"The plan has no measure reported in {paper.title}."],
                )
            )
        parts.append(part)
    area = district.name if district is not None else force.name
    return Pack(
        title=f"{area}: Performance and Delivery Board, {quarter.label}",
        force=force.name,
        plan=plan.name,
        plan_source=plan.source,
        quarter=quarter.label,
        start=quarter.start,
        last_day=quarter.last_day,
        financial_year=year,
        district=district.name if district is not None else None,
        public=public,
        generated=generated or dt.datetime.now(dt.UTC),
        summary=tuple(summary),
        counts={k: v for k, v in result.counts.items() if v},
        papers=tuple(parts),
        figures=tuple(book.figures),
    )
