"""The public pages: anyone may read them; nothing on them can change anything.

``GET /neighbourhood``                     find your neighbourhood: a postcode, or the map
``GET /neighbourhood?postcode=ME14 1XX``   → ``303`` to the neighbourhood's page, or the form
                                           again with what to fix (422 malformed, 404 unknown)
``GET /neighbourhood?district=sevenoaks``  the district's neighbourhoods on a map and in a list
``GET /neighbourhood/{slug}``              a neighbourhood's page (an LSOA code redirects)

Every page is rate-limited per client address and served from the page cache with
``Cache-Control`` and an ``ETag`` (:mod:`constable.public.site`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from constable.analysis import trends
from constable.api.deps import SessionDep, SettingsDep
from constable.community.service import today
from constable.config import Settings
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import Force
from constable.public.neighbourhood import (
    Directory,
    NeighbourhoodNotFound,
    build_page,
    directory,
    find_by_postcode,
)
from constable.public.site import NO_STORE, cacheable, check_rate, site_of
from constable.web import get_templates, svg

page_router = APIRouter(include_in_schema=False)

PICK_MAP_WIDTH = 800
PICK_MAP_MAX_HEIGHT = 560
MAP_PADDING = 12
HTML = "text/html; charset=utf-8"


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    return get_templates().TemplateResponse(request, template, context, status_code=status)


def _busy(request: Request, retry_after: int) -> Response:
    answer = _render(request, "public_busy.html", 429, retry_after=retry_after)
    answer.headers["Retry-After"] = str(retry_after)
    answer.headers.update(NO_STORE)
    return answer


def _force(session: Session, settings: Settings) -> Force | None:
    try:
        return force_service.get_or_raise(session=session, code=settings.force)
    except force_service.NotFoundError:
        return None


def _force_map(session: Session, force: Force) -> svg.MapView | None:
    outlines = force_service.outlines(session=session, force=force)
    if not outlines:
        return None
    drawn = svg.draw(outlines, PICK_MAP_WIDTH, max_height=PICK_MAP_MAX_HEIGHT, padding=MAP_PADDING)
    colours = svg.colour_indices(outlines)
    shapes = []
    for district in sorted(force.districts, key=lambda d: d.name):
        if district.slug not in outlines:
            continue
        x, y = svg.label_point(outlines[district.slug], drawn.frame)
        shapes.append(
            svg.MapShape(
                key=district.slug,
                d=drawn.paths[district.slug],
                href=f"/neighbourhood?district={quote(district.slug)}",
                title=f"{district.name}: choose a neighbourhood",
                css_class=f"district colour-{colours[district.slug] % svg.PALETTE_SIZE}",
                label=svg.label_lines(district.name),
                label_x=x,
                label_y=y,
            )
        )
    return svg.MapView.build(
        drawn.frame, shapes, title=f"Map of the districts of {force.name}: choose yours"
    )


def _district_map(session: Session, force: Force, found: Directory, slug: str) -> svg.MapView:
    district = force_service.get_district_or_raise(session=session, force=force, district=slug)
    outlines = force_service.neighbourhood_outlines(session=session, district=district)
    drawn = svg.draw(outlines, PICK_MAP_WIDTH, max_height=PICK_MAP_MAX_HEIGHT, padding=MAP_PADDING)
    colours = svg.colour_indices(outlines)
    shapes = [
        svg.MapShape(
            key=entry.code,
            d=drawn.paths[entry.code],
            href=f"/neighbourhood/{entry.slug}",
            title=entry.name,
            css_class=f"neighbourhood-pick colour-{colours[entry.code] % svg.PALETTE_SIZE}",
        )
        for entry in found.districts.get(district.slug, [])
        if entry.code in outlines
    ]
    return svg.MapView.build(
        drawn.frame, shapes, title=f"Map of the neighbourhoods of {district.name}: choose yours"
    )


def _find_page(
    request: Request,
    session: Session,
    force: Force,
    *,
    district: str | None = None,
    postcode: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = directory(session, force)
    context: dict[str, Any] = {"force": force, "postcode": postcode, "error": error}
    chosen = None
    if district:
        chosen = next((d for d in force.districts if d.slug == district.casefold()), None)
    if chosen is not None:
        context["district"] = chosen
        context["entries"] = sorted(found.districts.get(chosen.slug, []), key=lambda e: e.name)
        context["map"] = _district_map(session, force, found, chosen.slug)
    else:
        context["districts"] = sorted(force.districts, key=lambda d: d.name)
        context["map"] = _force_map(session, force)
        if district:
            context["error"] = error or "Choose a district from the map or the list"
            status = max(status, 404)
    return _render(request, "public_find.html", status, **context)


def _unavailable(request: Request) -> Response:
    answer = _render(request, "public_busy.html", 503, retry_after=None)
    answer.headers.update(NO_STORE)
    return answer


@page_router.get("/neighbourhood", name="public_find_page")
def find_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Find your neighbourhood by postcode, or pick it on the map."""
    decision = check_rate(request)
    if not decision.allowed:
        return _busy(request, decision.retry_after_seconds)
    postcode = request.query_params.get("postcode")
    district = request.query_params.get("district", "").strip() or None
    if postcode is None:
        # The find page and each district's page are the same for everyone: cached.
        site = site_of(request)
        key = ("find", (district or "").casefold())
        day = today()
        hit = site.cache.get(key, day)
        if hit is None:
            force = _force(session, settings)
            if force is None:
                return _unavailable(request)
            answer = _find_page(request, session, force, district=district)
            if answer.status_code != 200:
                answer.headers.update(NO_STORE)
                return answer
            hit = site.cache.put(key, day, bytes(answer.body), HTML)
        return cacheable(request, hit, site.cache_seconds)
    force = _force(session, settings)
    if force is None:
        return _unavailable(request)
    try:
        entry = find_by_postcode(session, force, postcode)
    except ConstableError as exc:
        answer = _find_page(
            request, session, force, postcode=postcode, error=str(exc), status=exc.status
        )
        answer.headers.update(NO_STORE)
        return answer
    return RedirectResponse(f"/neighbourhood/{entry.slug}", status_code=303, headers=NO_STORE)


@page_router.get("/neighbourhood/{slug}", name="public_neighbourhood_page")
def neighbourhood_page(
    slug: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A neighbourhood's page: team, priorities, meetings, crime and ASB, contact."""
    decision = check_rate(request)
    if not decision.allowed:
        return _busy(request, decision.retry_after_seconds)
    site = site_of(request)
    day = today()
    key = ("neighbourhood", slug)
    hit = site.cache.get(key, day)
    if hit is not None:
        return cacheable(request, hit, site.cache_seconds)
    force = _force(session, settings)
    if force is None:
        return _unavailable(request)
    try:
        entry = directory(session, force).get(slug)
    except NeighbourhoodNotFound as exc:
        answer = _find_page(request, session, force, error=str(exc), status=404)
        answer.headers.update(NO_STORE)
        return answer
    if entry.slug != slug:
        return RedirectResponse(f"/neighbourhood/{entry.slug}", status_code=301)
    page = build_page(
        session,
        force,
        entry,
        on=day,
        months=settings.public_months,
        below=settings.public_suppress_below,
        snap_metres=settings.public_snap_metres,
        contact_phone=settings.public_contact_phone,
        report_url=settings.public_report_url,
    )
    chart = page.crime.trend.chart
    chart_svg = (
        trends.xmr_svg(
            chart,
            title=f"Crime and ASB each month in {entry.name}",
            y_label="Crimes and ASB reports",
            id_prefix="trend",
        )
        if chart is not None
        else None
    )
    answer = _render(
        request,
        "public_neighbourhood.html",
        data=page.data,
        table=page.crime.table,
        picture=page.picture,
        chart_svg=chart_svg,
        below=settings.public_suppress_below,
        snap_metres=round(settings.public_snap_metres),
    )
    hit = site.cache.put(key, day, bytes(answer.body), HTML)
    return cacheable(request, hit, site.cache_seconds)
