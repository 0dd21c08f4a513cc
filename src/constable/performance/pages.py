"""Pages of the Police and Crime Plan, behind sign-in (any role may read them).

``GET /plan``                    the plan as a tree (priorities, objectives, measures) with status
``GET /plan/measures/{name}``    one measure: its plan lines, SPC chart and district breakdown
``GET /performance/peers``       the force against its most similar forces: funnel and table

Each takes ``plan`` (a shipped plan's name; default the first shipped plan for the force) and
``quarter`` (``2017Q3``; default the last whole quarter), and computes its figures with the same
functions as the board pack (:func:`constable.performance.status.plan_status`,
:func:`constable.performance.boardpack.data.district_breakdown`,
:func:`constable.performance.peers.peer_report`), so a page and the pack agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from constable.analysis.trends import xmr_svg
from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503
from constable.api.signin import PageUser, staff_router
from constable.auth.service import Principal
from constable.community.service import CommunityError, Period, parse_quarter, today
from constable.crime.service import records_name
from constable.force.models import Force
from constable.performance.boardpack.charts import status_icon
from constable.performance.boardpack.data import district_breakdown
from constable.performance.budgets import financial_year_label
from constable.performance.charts import funnel_svg
from constable.performance.measures import MEASURES
from constable.performance.peers import PeersError, peer_report
from constable.performance.plan import Plan, PlanError, format_value, load_plan, shipped_plans
from constable.performance.status import MeasureStatus, plan_status
from constable.web import get_templates

page_router = staff_router()


def last_whole_quarter(day: dt.date) -> str:
    """The last calendar quarter that ended before ``day``: 2024-05-10 → ``2024Q1``."""
    index = (day.year * 12 + day.month - 1) // 3 - 1
    return f"{index // 4}Q{index % 4 + 1}"


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    templates = get_templates()
    templates.env.globals.setdefault("status_icon", status_icon)
    return templates.TemplateResponse(
        request, template, {"format_value": format_value, **context}, status_code=status
    )


class _Choice:
    """The plan and quarter a page was asked for, or the mistakes in them."""

    def __init__(self, force: Force, request: Request) -> None:
        query = request.query_params
        names = [n for n in shipped_plans() if load_plan(n).force == force.code] or shipped_plans()
        self.plans = names
        self.values = {
            "plan": query.get("plan", "").strip() or names[0],
            "quarter": query.get("quarter", "").strip() or last_whole_quarter(today()),
        }
        self.errors: list[tuple[str, str]] = []
        self.plan: Plan | None = None
        self.quarter: Period | None = None
        if self.values["plan"] not in names:
            self.errors.append(("plan", "Choose a plan from the list"))
        else:
            try:
                self.plan = load_plan(self.values["plan"])
            except PlanError as exc:
                self.errors.append(("plan", f"The plan cannot be read: {exc}"))
        try:
            self.quarter = parse_quarter(self.values["quarter"])
        except CommunityError:
            self.errors.append(("quarter", "Enter a quarter like 2017Q3 (July to September 2017)"))

    @property
    def query(self) -> str:
        """``plan=…&quarter=…`` for links between the pages."""
        return f"plan={self.values['plan']}&quarter={self.values['quarter']}"


def _start(
    request: Request, principal: Principal, session: Session, force_code: str
) -> tuple[Principal, Force, _Choice]:
    force = force_or_503(session, force_code)
    return principal, force, _Choice(force, request)


@page_router.get("/plan", response_class=HTMLResponse, name="plan_page")
def plan_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The plan as a tree: each measure with its value for the quarter and its status."""
    started = _start(request, principal, session, settings.force)
    principal, force, choice = started
    result = None
    statuses: dict[str, MeasureStatus] = {}
    if choice.plan is not None and choice.quarter is not None:
        result = plan_status(
            session=session, force=force, plan=choice.plan, quarter=choice.quarter, with_spc=False
        )
        statuses = {m.line.key: m for m in result.measures}
    return _render(
        request,
        "plan_tree.html",
        {
            "principal": principal,
            "force": force,
            "choice": choice,
            "errors": choice.errors,
            "result": result,
            "statuses": statuses,
        },
        422 if choice.errors else 200,
    )


@page_router.get("/plan/measures/{name}", response_class=HTMLResponse, name="plan_measure_page")
def plan_measure_page(
    name: str, request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """One measure: its lines in the plan with their status, the SPC chart, the districts."""
    started = _start(request, principal, session, settings.force)
    principal, force, choice = started
    measure = MEASURES.get(name)
    if measure is None:
        raise HTTPException(status_code=404, detail=f"no measure called {name!r}")
    lines: list[MeasureStatus] = []
    chart = None
    districts = []
    if choice.plan is not None and choice.quarter is not None:
        result = plan_status(session=session, force=force, plan=choice.plan, quarter=choice.quarter)
        lines = [m for m in result.measures if m.measure.name == name]
        top = next((m for m in lines if m.spc is not None and m.area == "force"), None)
        if top is not None and top.spc is not None:
            spc = top.spc.chart
            chart = xmr_svg(
                spc,
                title=(
                    f"{measure.label}, {force.name}: monthly, {spc.labels[0]} to {spc.labels[-1]}"
                ),
                y_label={"share": "Share (1 = 100%)", "per_1000": "Per 1,000 residents"}.get(
                    measure.unit, "Count"
                ),
                id_prefix="measure-spc",
            )
        districts = district_breakdown(
            session=session, force=force, measure=name, quarter=choice.quarter
        )
    return _render(
        request,
        "plan_measure.html",
        {
            "principal": principal,
            "force": force,
            "choice": choice,
            "errors": choice.errors,
            "measure": measure,
            "lines": lines,
            "chart": chart,
            "districts": districts,
        },
        422 if choice.errors else 200,
    )


@page_router.get("/performance/peers", response_class=HTMLResponse, name="peers_page")
def peers_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The force against its most similar forces for the quarter's financial year."""
    started = _start(request, principal, session, settings.force)
    principal, force, choice = started
    report = None
    problem = None
    year = financial_year_label(choice.quarter.start) if choice.quarter else None
    if year is not None:
        try:
            report = peer_report(session=session, force=records_name(force), financial_year=year)
        except PeersError as exc:
            problem = str(exc)
    return _render(
        request,
        "plan_peers.html",
        {
            "principal": principal,
            "force": force,
            "choice": choice,
            "errors": choice.errors,
            "report": report,
            "funnel": funnel_svg(report) if report is not None else None,
            "problem": problem,
            "year": year,
        },
        422 if choice.errors else 200,
    )
