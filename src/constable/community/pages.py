"""The community records' pages: lists with filters by district and period, behind sign-in.

``GET /community``             the quarter's figures (the community report)
``GET /community/s136``        s.136 detentions and their monthly series
``GET /community/speedwatch``  Speedwatch sites, sessions and the repeat-vehicle worklist
``GET /community/volunteers``  Special Constables, volunteers and school officers with their hours,
                               and the schools

A page asked for without signing in sends the browser to ``/login?next=…`` and back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.signin import PageUser, staff_router
from constable.auth.service import Principal
from constable.community import report, s136, speedwatch, volunteers
from constable.community.enums import VolunteerRole
from constable.community.service import (
    LOCAL_TIME,
    CommunityError,
    Names,
    Period,
    Quarter,
    district_or_none,
    get_force,
    neighbourhood_codes,
    parse_month,
    parse_quarter,
    rules,
    today,
)
from constable.force.models import District, Force
from constable.web import get_templates

page_router = staff_router()


class _Filters:
    """A page's filters as asked for, what they resolve to, and any mistakes in them."""

    def __init__(self, session: Session, force: Force, request: Request) -> None:
        query = request.query_params
        self.values = {
            k: query.get(k, "").strip() for k in ("district", "quarter", "month", "role")
        }
        self.errors: list[tuple[str, str]] = []
        self.status = 200
        self.district: District | None = None
        self.period: Period | None = None
        try:
            self.district = district_or_none(
                session=session, force=force, district=self.values["district"] or None
            )
        except CommunityError as exc:
            self._fail("district", "Choose a district from the list", exc.status)
        if self.values["quarter"] and self.values["month"]:
            self._fail("month", "Give a month or a quarter, not both", 422)
        elif self.values["quarter"]:
            try:
                self.period = parse_quarter(self.values["quarter"])
            except CommunityError:
                self._fail("quarter", "Enter a quarter like 2017Q3 (July to September 2017)", 422)
        elif self.values["month"]:
            try:
                self.period = parse_month(self.values["month"])
            except CommunityError:
                self._fail("month", "Enter a month like 2022-12", 422)
        self.role: VolunteerRole | None = None
        if self.values["role"]:
            try:
                self.role = VolunteerRole(self.values["role"])
            except ValueError:
                self._fail("role", "Choose a role from the list", 422)

    def _fail(self, field: str, message: str, status: int) -> None:
        self.errors.append((field, message))
        self.status = max(self.status, status)

    @property
    def where(self) -> str:
        """``Sevenoaks, 2017Q3`` or ``all districts, all dates``."""
        area = self.district.name if self.district else "all districts"
        return f"{area}, {self.period.label if self.period else 'all dates'}"


def _render(
    request: Request,
    template: str,
    principal: Principal,
    force: Force,
    filters: _Filters,
    **context: Any,
) -> Response:
    districts = sorted(force.districts, key=lambda d: d.name)
    return get_templates().TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "force": force,
            "districts": districts,
            "filters": filters,
            "errors": filters.errors,
            "roles": list(VolunteerRole),
            **context,
        },
        status_code=filters.status,
    )


def _start(
    request: Request, principal: Principal, session: Session, settings_force: str
) -> tuple[Principal, Force, _Filters]:
    try:
        force = get_force(session=session, code=settings_force)
    except CommunityError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return principal, force, _Filters(session, force, request)


def _local(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}" if moment else "–"


def _minutes(value: float | None) -> str:
    if value is None:
        return "–"
    hours, minutes = divmod(round(value), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@page_router.get("/community", name="community_page")
def community_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The quarter's figures for the force or a district (this quarter unless one is chosen)."""
    started = _start(request, principal, session, settings.force)
    principal, force, filters = started
    built = None
    quarter = filters.period if filters.values["quarter"] else None
    if not filters.errors:
        quarter = quarter or parse_quarter(report.current_quarter(today()))
        assert isinstance(quarter, Quarter)
        built = report.build(
            session=session, force=force, quarter=quarter, district=filters.district
        )
    return _render(
        request, "community_index.html", principal, force, filters, report=built, quarter=quarter
    )


@page_router.get("/community/s136", name="community_s136_page")
def s136_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Detentions (newest first) and the monthly series, by district and month or quarter."""
    started = _start(request, principal, session, settings.force)
    principal, force, filters = started
    rows: list[dict[str, Any]] = []
    series = None
    if not filters.errors:
        found = s136.list_detentions(
            session=session, force=force, district=filters.district, period=filters.period
        )
        names = Names.of(session, force)
        codes = neighbourhood_codes(
            session, {d.neighbourhood_id for d in found if d.neighbourhood_id}
        )
        for detention in found:
            data = s136.read(detention, names, codes)
            data["detained_local"] = _local(detention.detained_at)
            data["ended_local"] = _local(detention.ended_at)
            data["duration"] = _minutes(data["duration_minutes"])
            rows.append(data)
        period = filters.period
        if period is None:
            now = today()
            months = now.year * 12 + now.month - 1 - 11
            period = Period(
                dt.date(months // 12, months % 12 + 1, 1),
                parse_month(f"{now:%Y-%m}").end,
                "the last 12 months",
            )
        series = s136.monthly(
            session=session, force=force, period=period, district=filters.district
        )
    return _render(
        request, "community_s136.html", principal, force, filters, rows=rows, series=series
    )


@page_router.get("/community/speedwatch", name="community_speedwatch_page")
def speedwatch_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Sites, sessions and the worklist of vehicles to visit, by district and period."""
    started = _start(request, principal, session, settings.force)
    principal, force, filters = started
    context: dict[str, Any] = {"sites": [], "sessions": [], "flagged": [], "letters": None}
    threshold = rules(force).repeat_detections
    if not filters.errors:
        args: dict[str, Any] = {
            "session": session,
            "force": force,
            "district": filters.district,
            "period": filters.period,
        }
        names = Names.of(session, force)
        context["sites"] = speedwatch.list_sites(**args)
        context["sessions"] = speedwatch.list_sessions(**args, limit=200)
        context["flagged"] = [
            v.as_dict(names)
            for v in speedwatch.flagged(
                session=session, force=force, threshold=threshold, district=filters.district
            )
        ]
        context["letters"] = speedwatch.letter_effectiveness(**args)
        context["names"] = names
    return _render(
        request,
        "community_speedwatch.html",
        principal,
        force,
        filters,
        threshold=threshold,
        **context,
    )


@page_router.get("/community/volunteers", name="community_volunteers_page")
def volunteers_page(
    request: Request, principal: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """People with their hours in the period (or ever), by district and role, and the schools."""
    started = _start(request, principal, session, settings.force)
    principal, force, filters = started
    people: list[dict[str, Any]] = []
    schools: list[dict[str, Any]] = []
    if not filters.errors:
        names = Names.of(session, force)
        day = min(filters.period.last_day, today()) if filters.period else today()
        people = [
            v.as_dict(names, day)
            for v in volunteers.list_volunteers(
                session=session,
                force=force,
                district=filters.district,
                role=filters.role,
                period=filters.period,
            )
        ]
        schools = [
            v.as_dict(names)
            for v in volunteers.list_schools(
                session=session, force=force, district=filters.district, period=filters.period
            )
        ]
    return _render(
        request,
        "community_volunteers.html",
        principal,
        force,
        filters,
        people=people,
        schools=schools,
        hours=round(sum(p["hours"] for p in people), 2),
    )
