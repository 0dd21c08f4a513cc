"""Patrol plans in the store: forecast a district's shift, choose its boxes, keep them, record
visits, and analyse the randomised design. The choosing is :mod:`constable.analysis.patrol`;
this module is the I/O around it.

A district's crimes are the force's located crimes in the district's neighbourhoods (by LSOA
code, as data.police.uk publishes them) or recorded against the district. The grid is the
district's outline at ``cell_size`` metres, each cell belonging to the neighbourhood its centre
lies in. Month-only history is cut at the start of the shift's month, so that no crime of the
month being forecast (whose day is unknown) can leak into its forecast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from constable.analysis import patrol
from constable.analysis.auto import Auto
from constable.analysis.auto import summary as auto_summary
from constable.analysis.events import Events
from constable.analysis.forecasters import make_forecaster
from constable.analysis.grid import Grid, Scores
from constable.analysis.models import PatrolBox, PatrolPlan, PatrolVisit
from constable.control.service import force_config
from constable.control.shifts import LOCAL
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.crime.service import records_name
from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood
from constable.public.priorities import open_priorities, priority_weights
from constable.store import audit
from constable.store.base import utcnow

DESIGNS = ("ordinary", "randomised")
DAY_SHIFT = "day"
"""The day-working hours of PCSOs and Community Policing Teams (the rota's ``day_working``)."""


class PlanError(ConstableError):
    """A patrol plan that cannot be made, read or changed as asked."""


class PlanNotFound(PlanError):
    """A plan (or a box of one) that is not in the store."""

    status = 404


class PlanConflict(PlanError):
    """A plan that clashes with one already kept."""

    status = 409


# --- Shifts --------------------------------------------------------------------------------------


def shift_names(force: Force) -> list[str]:
    """The shifts a plan can be for: the rota's periods and ``day``."""
    rota = force_config(force).control.rota
    return [period.name for period in rota.periods] + [DAY_SHIFT]


def shift_window(force: Force, day: dt.date, shift: str) -> tuple[dt.datetime, dt.datetime]:
    """When ``shift`` of ``day`` starts and ends (UTC), from the force's rota (local time)."""
    rota = force_config(force).control.rota
    periods = {period.name: period for period in rota.periods}
    periods[DAY_SHIFT] = rota.day_working
    if shift not in periods:
        raise PlanError(f"shift {shift!r} is not one of {', '.join(shift_names(force))}")
    period = periods[shift]
    hours, minutes = (int(part) for part in period.start.split(":"))
    start = dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=LOCAL)
    end = start + dt.timedelta(hours=period.hours)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


# --- A district's crimes, grid and neighbourhoods -------------------------------------------------


def _month_start(moment: dt.date) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``month``'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _district_filter(session: Session, force: Force, district: District) -> Any:
    codes = list(
        session.scalars(select(Neighbourhood.code).where(Neighbourhood.district_id == district.id))
    )
    return (
        Crime.force == records_name(force),
        Crime.easting.is_not(None),
        Crime.northing.is_not(None),
        Crime.category != ASB_CATEGORY,
        or_(Crime.district_id == district.id, Crime.lsoa_code.in_(codes)),
    )


def latest_month(session: Session, force: Force, district: District) -> dt.date | None:
    """The newest month with a located crime in the district, if any."""
    found: dt.date | None = session.scalar(
        select(func.max(Crime.month)).where(*_district_filter(session, force, district))
    )
    return found


def district_events(
    session: Session,
    force: Force,
    district: District,
    *,
    first_month: dt.date,
    before: dt.datetime,
    timed_only: bool = False,
) -> Events:
    """The district's crimes from ``first_month`` up to (not including) ``before``.

    Month-only rows are kept only from months that end by ``before``'s month start (their day
    is unknown); with ``timed_only`` only crimes with a time are read, cut at ``before``
    itself."""
    query = select(Crime.easting, Crime.northing, Crime.month, Crime.occurred_at).where(
        *_district_filter(session, force, district), Crime.month >= first_month
    )
    if timed_only:
        query = query.where(Crime.occurred_at.is_not(None), Crime.occurred_at < before)
    else:
        query = query.where(Crime.month <= before.date())
    rows = session.execute(query).all()
    has_times = bool(rows) and all(row.occurred_at is not None for row in rows)
    if not has_times:
        cut = _month_start(before.date())
        rows = [row for row in rows if row.month < cut]
        times = [dt.datetime.combine(row.month, dt.time(), dt.UTC) for row in rows]
    else:
        rows = [row for row in rows if row.occurred_at < before]
        times = [row.occurred_at for row in rows]
    return Events.from_bng(
        [row.easting for row in rows],
        [row.northing for row in rows],
        times,
        has_times=has_times,
    )


def district_grid(session: Session, district: District, cell_size: float) -> Grid:
    """The district's outline as a grid of ``cell_size`` metres."""
    outline = district_outline(session, district)
    if outline is None:
        raise PlanError(f"{district.name} has no outline in the store: build the force first")
    return Grid.from_geometry(shape(outline), cell_size=cell_size)


def cell_neighbourhoods(session: Session, district: District, grid: Grid) -> list[str | None]:
    """The LSOA code of the neighbourhood each cell's centre lies in (flat order; None for
    masked-out cells and centres in no neighbourhood)."""
    rows = session.execute(
        select(Neighbourhood.code, Neighbourhood.boundary_bng).where(
            Neighbourhood.district_id == district.id, Neighbourhood.boundary_bng.is_not(None)
        )
    ).all()
    areas: list[str | None] = [None] * grid.n_cells
    if not rows:
        return areas
    codes = [code for code, _ in rows]
    tree = shapely.STRtree([shape(geometry) for _, geometry in rows])
    cells = grid.valid_cells()
    xc, yc = grid.centres()
    points = shapely.points(xc.ravel()[cells], yc.ravel()[cells])
    point_index, shape_index = tree.query(points, predicate="within")
    for p, s in zip(point_index, shape_index, strict=True):
        areas[int(cells[p])] = codes[int(s)]
    return areas


@dataclass(frozen=True)
class DistrictForecast:
    """A forecast over a district's grid, with what it was made from."""

    scores: Scores
    areas: list[str | None]
    history_from: dt.date
    history_to: dt.date
    history_events: int
    has_times: bool
    method_note: str | None = None
    """For ``auto``: what it chose and how it did against naive in its backtest."""


PLAN_AUTO: dict[str, Any] = {"learned": False, "max_windows": 8}
"""``auto``'s parameters for a patrol plan unless given: the learned forecaster (about a second
per window) left out, 8 backtest windows."""


def forecast_district(
    session: Session,
    force: Force,
    district: District,
    *,
    start: dt.datetime,
    end: dt.datetime,
    method: str = "auto",
    cell_size: float = 150.0,
    history_months: int = 12,
    history_to: dt.date | None = None,
    params: Mapping[str, Any] | None = None,
) -> DistrictForecast:
    """The district's forecast for ``[start, end)`` from the ``history_months`` months of
    crime before ``start`` (or up to and including the month ``history_to``)."""
    if history_months < 1:
        raise PlanError(f"history_months == {history_months}, must be >= 1")
    last = _month_start(history_to) if history_to else add_months(_month_start(start.date()), -1)
    before = min(start, dt.datetime.combine(add_months(last, 1), dt.time(), dt.UTC))
    first = add_months(last, 1 - history_months)
    events = district_events(session, force, district, first_month=first, before=before)
    if not len(events):
        newest = latest_month(session, force, district)
        hint = (
            f"its newest crimes are from {newest:%Y-%m}: give the history's last month"
            if newest
            else "the store has none: import or record some"
        )
        # Crimes from the shift's own start on are not history (no look-ahead).
        until = (
            f"{last:%Y-%m}"
            if before.date() > last
            else f"the shift's start, {before:%Y-%m-%d %H:%M}"
        )
        raise PlanError(
            f"{district.name} has no located crimes from {first:%Y-%m} to {until} to "
            f"forecast from ({hint})"
        )
    grid = district_grid(session, district, cell_size)
    chosen = dict(params or {})
    if method == "auto":
        # A plan is made while a sergeant waits: auto's backtest without the learned candidate
        # and on fewer windows (docs/patrol.md), unless told otherwise.
        chosen = {**PLAN_AUTO, **chosen}
    model = make_forecaster(method, grid, **chosen).fit(events)
    scores = model.predict(start, end)
    note = auto_summary(model.report_) if isinstance(model, Auto) else None
    return DistrictForecast(
        scores=scores,
        areas=cell_neighbourhoods(session, district, grid),
        history_from=first,
        history_to=last,
        history_events=len(events),
        has_times=events.has_times,
        method_note=note,
    )


# --- Plans ---------------------------------------------------------------------------------------


def _box(row: PatrolBox) -> patrol.Box:
    arm: patrol.Arm = (
        "control" if row.arm == "control" else ("treatment" if row.arm == "treatment" else "patrol")
    )
    return patrol.Box(
        cell=row.cell,
        x0=row.x0,
        y0=row.y0,
        size=row.size,
        rank=row.rank,
        score=row.score,
        value=row.value,
        arm=arm,
        area=row.area,
        weight=row.weight,
        unit=row.unit,
        order=row.visit_order,
        arrive_minute=row.arrive_minute,
    )


def boxes_of(plan: PatrolPlan) -> list[patrol.Box]:
    """A stored plan's boxes as :class:`~constable.analysis.patrol.Box` values."""
    return [_box(row) for row in plan.boxes]


def create_plan(
    *,
    session: Session,
    force: Force,
    district: District,
    day: dt.date,
    shift: str,
    rules: patrol.PatrolRules,
    actor: str,
    method: str = "auto",
    cell_size: float = 150.0,
    history_months: int = 12,
    history_to: dt.date | None = None,
    design: str = "ordinary",
    seed: int | None = None,
    priorities: Mapping[str, float] | None = None,
) -> PatrolPlan:
    """Forecast the shift, choose its boxes and keep the plan (with an audit entry).

    One plan per district, day and shift: a second is a :class:`PlanConflict`. In the
    randomised design ``seed`` is required; the draw is kept (the seed on the plan, the arm
    on each box) and can be re-made from them. ``priorities`` weighs neighbourhoods by LSOA
    code; ``None`` takes the district's open neighbourhood priorities on ``day``
    (:func:`constable.public.priorities.priority_weights`), ``{}`` plans without any."""
    if design not in DESIGNS:
        raise PlanError(f"design {design!r} is not one of {', '.join(DESIGNS)}")
    if design == "randomised" and seed is None:
        raise PlanError("the randomised design needs a seed (a whole number, kept with the plan)")
    if design == "ordinary" and seed is not None:
        raise PlanError("a seed is for the randomised design only: give design 'randomised'")
    rules.check()
    start, end = shift_window(force, day, shift)
    existing = session.scalar(
        select(PatrolPlan.id).where(
            PatrolPlan.district_id == district.id,
            PatrolPlan.shift_date == day,
            PatrolPlan.shift == shift,
        )
    )
    if existing is not None:
        raise PlanConflict(
            f"{district.name} already has plan {existing} for the {shift} shift of {day}: "
            "delete it first to plan again"
        )
    if priorities is None:
        # What the public asked for at neighbourhood meetings (docs/public.md) raises its boxes.
        priorities = priority_weights(open_priorities(session, district, on=day)) or None
    known = set(
        session.scalars(select(Neighbourhood.code).where(Neighbourhood.district_id == district.id))
    )
    unknown = sorted(set(priorities or {}) - known)
    if unknown:
        raise PlanError(
            f"priority neighbourhood {unknown[0]} is not one of {district.name}'s neighbourhoods"
        )
    forecast = forecast_district(
        session,
        force,
        district,
        start=start,
        end=end,
        method=method,
        cell_size=cell_size,
        history_months=history_months,
        history_to=history_to,
    )
    chosen = patrol.plan_patrols(
        forecast.scores,
        rules,
        cell_areas=forecast.areas,
        priorities=priorities,
        design=None if seed is None else patrol.Design(seed=seed, day=day),
    )
    plan = PatrolPlan(
        force_id=force.id,
        district_id=district.id,
        shift_date=day,
        shift=shift,
        starts_at=start,
        ends_at=end,
        method=method,
        cell_size=cell_size,
        crs=chosen.crs,
        history_from=forecast.history_from,
        history_to=forecast.history_to,
        history_events=forecast.history_events,
        rules=rules.as_dict(),
        priorities=dict(priorities) if priorities else None,
        design=design,
        seed=seed,
        notes=[*chosen.notes, *([forecast.method_note] if forecast.method_note else [])],
        created_at=utcnow(),
        created_by=actor,
    )
    plan.boxes = [
        PatrolBox(
            cell=box.cell,
            x0=box.x0,
            y0=box.y0,
            size=box.size,
            rank=box.rank,
            score=box.score,
            value=box.value,
            arm=box.arm,
            area=box.area,
            weight=box.weight,
            unit=box.unit,
            visit_order=box.order,
            arrive_minute=box.arrive_minute,
        )
        for box in chosen.boxes
    ]
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="patrol_plan.create",
        entity="patrol_plan",
        entity_id=plan.id,
        after={
            "district": district.slug,
            "day": day.isoformat(),
            "shift": shift,
            "design": design,
            "seed": seed,
            "boxes": {box.cell: box.arm for box in chosen.boxes},
        },
    )
    return plan


def get_plan(*, session: Session, force: Force, plan_id: int) -> PatrolPlan | None:
    """The force's plan with this id, with its boxes and their visits."""
    return session.scalar(
        select(PatrolPlan)
        .where(PatrolPlan.id == plan_id, PatrolPlan.force_id == force.id)
        .options(selectinload(PatrolPlan.boxes).selectinload(PatrolBox.visits))
    )


def get_plan_or_raise(*, session: Session, force: Force, plan_id: int) -> PatrolPlan:
    """The plan, or :class:`PlanNotFound`."""
    plan = get_plan(session=session, force=force, plan_id=plan_id)
    if plan is None:
        raise PlanNotFound(f"there is no patrol plan {plan_id} in {force.name}")
    return plan


def list_plans(
    *,
    session: Session,
    force: Force,
    district: District | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[PatrolPlan]:
    """The force's plans (of a district, from ``start`` to ``end`` inclusive), newest first."""
    query = select(PatrolPlan).where(PatrolPlan.force_id == force.id)
    if district is not None:
        query = query.where(PatrolPlan.district_id == district.id)
    if start is not None:
        query = query.where(PatrolPlan.shift_date >= start)
    if end is not None:
        query = query.where(PatrolPlan.shift_date <= end)
    query = query.options(selectinload(PatrolPlan.boxes).selectinload(PatrolBox.visits))
    return list(session.scalars(query.order_by(PatrolPlan.shift_date.desc(), PatrolPlan.id)))


def delete_plan(*, session: Session, plan: PatrolPlan, actor: str) -> None:
    """Delete a plan that has no visits yet (a plan worked on is a record, kept)."""
    visits = session.scalar(select(func.count()).where(PatrolVisit.plan_id == plan.id)) or 0
    if visits:
        raise PlanConflict(
            f"plan {plan.id} has {visits} recorded visit(s): it is a record and is kept"
        )
    audit.record(
        session,
        actor=actor,
        action="patrol_plan.delete",
        entity="patrol_plan",
        entity_id=plan.id,
        before={"day": plan.shift_date.isoformat(), "shift": plan.shift, "seed": plan.seed},
    )
    session.delete(plan)
    session.flush()


def record_visit(
    *,
    session: Session,
    plan: PatrolPlan,
    cell: str,
    unit: str,
    arrived_at: dt.datetime,
    minutes: float,
    actor: str,
    note: str | None = None,
) -> PatrolVisit:
    """Record that ``unit`` spent ``minutes`` in the box ``cell`` of the plan from
    ``arrived_at`` (which must fall within the shift). A visit to a control box is kept (it
    is what happened) and counted in the design's analysis as a crossover."""
    box = next((b for b in plan.boxes if b.cell == cell), None)
    if box is None:
        raise PlanNotFound(f"plan {plan.id} has no box {cell!r}")
    if not unit.strip():
        raise PlanError("unit: give the call sign or number of the unit that visited")
    if arrived_at.tzinfo is None:
        raise PlanError("arrived_at: give the time with its offset, e.g. 2026-11-25T09:30+00:00")
    if not (plan.starts_at <= arrived_at < plan.ends_at):
        raise PlanError(
            f"arrived_at: {arrived_at.isoformat()} is outside the shift "
            f"({plan.starts_at.isoformat()} to {plan.ends_at.isoformat()})"
        )
    shift_minutes = (plan.ends_at - plan.starts_at).total_seconds() / 60
    if not (0 < minutes <= shift_minutes):
        raise PlanError(
            f"minutes: {minutes:g} must be more than 0 and at most the shift's {shift_minutes:g}"
        )
    visit = PatrolVisit(
        box_id=box.id,
        plan_id=plan.id,
        unit=unit.strip(),
        arrived_at=arrived_at,
        minutes=float(minutes),
        note=note,
        recorded_at=utcnow(),
        recorded_by=actor,
    )
    session.add(visit)
    box.visits.append(visit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="patrol_visit.create",
        entity="patrol_plan",
        entity_id=plan.id,
        after={"cell": cell, "unit": visit.unit, "minutes": visit.minutes},
    )
    return visit


def plan_dict(plan: PatrolPlan, district: District) -> dict[str, Any]:
    """The plan as plain data: its boxes with visits and minutes, and each unit's totals."""
    boxes = []
    for row in plan.boxes:
        minutes = sum(v.minutes for v in row.visits)
        boxes.append(
            {
                **_box(row).as_dict(),
                "visits": [
                    {
                        "unit": v.unit,
                        "arrived_at": v.arrived_at.isoformat(),
                        "minutes": v.minutes,
                        "note": v.note,
                        "recorded_by": v.recorded_by,
                    }
                    for v in row.visits
                ],
                "visited_minutes": minutes,
            }
        )
    planned = [b for b in boxes if b["unit"] is not None]
    return {
        "id": plan.id,
        "district": district.slug,
        "district_name": district.name,
        "day": plan.shift_date.isoformat(),
        "shift": plan.shift,
        "starts_at": plan.starts_at.isoformat(),
        "ends_at": plan.ends_at.isoformat(),
        "method": plan.method,
        "cell_size": plan.cell_size,
        "history": {
            "from": plan.history_from.strftime("%Y-%m"),
            "to": plan.history_to.strftime("%Y-%m"),
            "events": plan.history_events,
        },
        "rules": plan.rules,
        "priorities": plan.priorities,
        "design": plan.design,
        "seed": plan.seed,
        "notes": plan.notes,
        "created_at": plan.created_at.isoformat(),
        "created_by": plan.created_by,
        "boxes": boxes,
        "totals": {
            "boxes": len(boxes),
            "to_visit": len(planned),
            "visited": sum(1 for b in planned if b["visits"]),
            "visited_minutes": sum(b["visited_minutes"] for b in boxes),
            "control_visits": sum(len(b["visits"]) for b in boxes if b["arm"] == "control"),
        },
    }


# --- The randomised design ------------------------------------------------------------------------


def design_box_days(plans: Sequence[PatrolPlan]) -> list[patrol.BoxDay]:
    """The treatment and control boxes of randomised plans, each over its shift."""
    found = []
    for plan in plans:
        if plan.design != "randomised":
            continue
        for row in plan.boxes:
            if row.arm not in ("treatment", "control"):
                continue
            found.append(
                patrol.BoxDay(
                    day=plan.shift_date,
                    cell=row.cell,
                    x0=row.x0,
                    y0=row.y0,
                    size=row.size,
                    arm="treatment" if row.arm == "treatment" else "control",
                    start=plan.starts_at,
                    end=plan.ends_at,
                )
            )
    return found


def analyse_design(
    *,
    session: Session,
    force: Force,
    district: District,
    start: dt.date,
    end: dt.date,
    confidence: float = 0.95,
    permutations: int = 9_999,
) -> tuple[patrol.DesignResult, int]:
    """The design's analysis over the district's randomised plans from ``start`` to ``end``,
    counting the crimes recorded with a time in each box during its shift; and how many
    visits went to control boxes (crossovers, which make any effect look smaller)."""
    if end < start:
        raise PlanError(f"the end ({end}) is before the start ({start})")
    plans = [
        p
        for p in list_plans(session=session, force=force, district=district, start=start, end=end)
        if p.design == "randomised"
    ]
    if not plans:
        raise PlanError(
            f"{district.name} has no randomised patrol plans from {start} to {end}: plan shifts "
            "with the randomised design first"
        )
    box_days = design_box_days(plans)
    first = min(p.starts_at for p in plans)
    last = max(p.ends_at for p in plans)
    events = district_events(
        session,
        force,
        district,
        first_month=_month_start(first.date()),
        before=last,
        timed_only=True,
    )
    counted = patrol.count_crimes(box_days, events)
    crossovers = sum(
        len(row.visits) for plan in plans for row in plan.boxes if row.arm == "control"
    )
    return (
        patrol.analyse_design(counted, confidence=confidence, permutations=permutations),
        crossovers,
    )


def resolve_priorities(text: Sequence[str]) -> dict[str, float]:
    """``["E01024044=1.5", ...]`` as a mapping, or a clear error."""
    found: dict[str, float] = {}
    for item in text:
        code, _, weight = item.partition("=")
        try:
            value = float(weight) if weight else 2.0
        except ValueError:
            raise PlanError(f"priority {item!r}: write CODE=WEIGHT, e.g. E01024044=1.5") from None
        if not np.isfinite(value) or value <= 0:
            raise PlanError(f"priority {item!r}: the weight must be a number above 0")
        found[code.strip()] = value
    return found


def district_outline(session: Session, district: District) -> dict[str, Any] | None:
    """The district's outline in BNG metres (GeoJSON), for maps."""
    outline: dict[str, Any] | None = session.scalar(
        select(District.boundary_bng).where(District.id == district.id)
    )
    return outline
