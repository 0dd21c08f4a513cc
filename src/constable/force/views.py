"""The force area on the web: pages (``page_router``) and JSON API (``router``).

Pages:
    ``GET /forces/{code}``                      the force: districts table and map
    ``GET /forces/{code}/districts/{district}`` a district: teams, neighbourhoods and map
API (included under ``/api``):
    ``GET /forces/{code}``                      :class:`~constable.force.schemas.ForceRead`
    ``GET /forces/{code}/districts/{district}`` :class:`~constable.force.schemas.DistrictRead`

A force or district that is not in the store is a 404 whose message names it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from constable.api.deps import SessionDep
from constable.force import service
from constable.force.enums import TEAM_LABELS, TeamKind
from constable.force.models import District, Force
from constable.force.schemas import (
    DistrictRead,
    ForceRead,
    Message,
    NeighbourhoodRead,
    TeamRead,
)
from constable.force.service import DistrictSummary, ForceSummary
from constable.web import get_templates, number, svg

FORCE_MAP_WIDTH = 800
DISTRICT_MAP_WIDTH = 800
DISTRICT_MAP_MAX_HEIGHT = 560
MAP_PADDING = 12

router = APIRouter()
"""The JSON API of the force area (the app includes it under ``/api``)."""

page_router = APIRouter()
"""The pages of the force area."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "The force or district is not in the store."}
}


def get_current_force(code: str, session: SessionDep) -> Force:
    """The force named in the address, or 404 naming it."""
    try:
        return service.get_or_raise(session=session, code=code)
    except service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


CurrentForce = Annotated[Force, Depends(get_current_force)]


def get_current_district(district: str, force: CurrentForce, session: SessionDep) -> District:
    """The district of the force named in the address (slug, name or ONS code), or 404."""
    try:
        return service.get_district_or_raise(session=session, force=force, district=district)
    except service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


CurrentDistrict = Annotated[District, Depends(get_current_district)]


def _district_summary(summary: ForceSummary, district: District) -> DistrictSummary:
    return next(d for d in summary.districts if d.slug == district.slug)


# -- JSON API ---------------------------------------------------------------------------------


@router.get(
    "/forces/{code}",
    summary="A force: its districts, residents, area and teams",
    response_model=ForceRead,
    responses=NOT_FOUND,
)
def read_force(force: CurrentForce, session: SessionDep) -> ForceRead:
    """The force with every district (the data of ``constable force show --json``)."""
    summary = service.summary(session=session, force=force)
    return ForceRead.model_validate(summary)


@router.get(
    "/forces/{code}/districts/{district}",
    summary="A district with its neighbourhoods",
    response_model=DistrictRead,
    responses=NOT_FOUND,
)
def read_district(
    force: CurrentForce, district: CurrentDistrict, session: SessionDep
) -> DistrictRead:
    """The district (by slug, name or ONS code) with each neighbourhood and its named PCSO."""
    found = _district_summary(service.summary(session=session, force=force), district)
    return DistrictRead(
        force=force.code,
        force_name=force.name,
        name=found.name,
        slug=found.slug,
        code=found.code,
        population=found.population,
        households=found.households,
        hectares=found.hectares,
        neighbourhood_count=found.neighbourhoods,
        urban_neighbourhoods=found.urban_neighbourhoods,
        commander=found.commander,
        teams=[TeamRead.model_validate(t) for t in found.teams],
        neighbourhoods=[
            NeighbourhoodRead.model_validate(n)
            for n in service.neighbourhoods(session=session, district=district)
        ],
    )


# -- Pages ------------------------------------------------------------------------------------


def _team_columns(summary: ForceSummary) -> list[dict[str, str]]:
    """One column per kind of district team: a short heading and the team's full name.

    The district command is left out: the District Commander has a column of their own.
    """
    columns: dict[str, dict[str, str]] = {}
    for district in summary.districts:
        for team in district.teams:
            if team.kind not in columns and team.kind != TeamKind.COMMAND:
                full = team.name.removeprefix(district.name).strip() or team.name
                label = TEAM_LABELS.get(team.kind, full)
                columns[team.kind] = {"kind": team.kind, "label": label, "title": full}
    return list(columns.values())


def _force_map(request: Request, summary: ForceSummary, outlines: dict[str, Any]) -> svg.MapView:
    drawn = svg.draw(outlines, FORCE_MAP_WIDTH, padding=MAP_PADDING)
    colours = svg.colour_indices(outlines)
    shapes = []
    for district in summary.districts:
        if district.slug not in outlines:
            continue
        x, y = svg.label_point(outlines[district.slug], drawn.frame)
        shapes.append(
            svg.MapShape(
                key=district.slug,
                d=drawn.paths[district.slug],
                href=str(
                    request.url_for("district_page", code=summary.code, district=district.slug).path
                ),
                title=f"{district.name}: {number(district.population)} residents",
                css_class=f"district colour-{colours[district.slug] % svg.PALETTE_SIZE}",
                label=svg.label_lines(district.name),
                label_x=x,
                label_y=y,
            )
        )
    return svg.MapView.build(
        drawn.frame, shapes, title=f"Map of the {len(shapes)} districts of {summary.name}"
    )


@page_router.get(
    "/forces/{code}", response_class=HTMLResponse, name="force_page", include_in_schema=False
)
def force_page(request: Request, force: CurrentForce, session: SessionDep) -> HTMLResponse:
    """The force: a map and a table of its districts, and the force-level teams."""
    summary = service.summary(session=session, force=force)
    outlines = service.outlines(session=session, force=force)
    columns = _team_columns(summary)
    rows = [
        (district, [{t.kind: t for t in district.teams}.get(c["kind"]) for c in columns])
        for district in summary.districts
    ]
    totals = {
        c["kind"]: (
            sum(t.people for d in summary.districts for t in d.teams if t.kind == c["kind"]),
            sum(t.units for d in summary.districts for t in d.teams if t.kind == c["kind"]),
        )
        for c in columns
    }
    return get_templates().TemplateResponse(
        request,
        "force.html",
        {
            "force": summary,
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "urban_total": sum(d.urban_neighbourhoods for d in summary.districts),
            "map": _force_map(request, summary, outlines) if outlines else None,
        },
    )


def _neighbourhood_map(
    request: Request,
    force: Force,
    district: District,
    neighbourhoods: list[Any],
    outlines: dict[str, Any],
    context: dict[str, Any],
) -> svg.MapView:
    drawn = svg.draw(
        outlines, DISTRICT_MAP_WIDTH, max_height=DISTRICT_MAP_MAX_HEIGHT, padding=MAP_PADDING
    )
    shapes = []
    for n in neighbourhoods:
        if n.code not in outlines:
            continue
        kind = "urban" if n.urban else "rural"
        pcso = f", PCSO {n.pcso.name}" if n.pcso is not None else ""
        shapes.append(
            svg.MapShape(
                key=n.code,
                d=drawn.paths[n.code],
                href=f"#{n.code}",
                title=f"{n.name} ({n.code}): {number(n.population)} residents, {kind}{pcso}",
                css_class=f"neighbourhood {kind}",
            )
        )
    names = {d.slug: d.name for d in force.districts}
    around = []
    for slug, geometry in context.items():
        if slug == district.slug:
            continue
        name = names.get(slug, slug)
        where = svg.visible_label_point(geometry, drawn.frame, min_size=60)
        around.append(
            svg.MapShape(
                key=slug,
                d=svg.path_d(geometry, drawn.frame),
                href=str(request.url_for("district_page", code=force.code, district=slug).path),
                title=f"{name} (neighbouring district)",
                css_class="context",
                label=svg.label_lines(name) if where else [],
                label_x=where[0] if where else 0.0,
                label_y=where[1] if where else 0.0,
            )
        )
    return svg.MapView.build(
        drawn.frame,
        shapes,
        context=around,
        title=f"Map of the {len(shapes)} neighbourhoods of {district.name}",
    )


@page_router.get(
    "/forces/{code}/districts/{district}",
    response_class=HTMLResponse,
    name="district_page",
    include_in_schema=False,
)
def district_page(
    request: Request, force: CurrentForce, district: CurrentDistrict, session: SessionDep
) -> HTMLResponse:
    """A district: its figures, teams, a map and a table of its neighbourhoods."""
    found = _district_summary(service.summary(session=session, force=force), district)
    neighbourhoods = service.neighbourhoods(session=session, district=district)
    outlines = service.neighbourhood_outlines(session=session, district=district)
    context = service.outlines(session=session, force=force) if outlines else {}
    threshold = (force.config.get("neighbourhoods") or {}).get("urban_density_threshold")
    return get_templates().TemplateResponse(
        request,
        "district.html",
        {
            "force": force,
            "district": found,
            "neighbourhoods": neighbourhoods,
            "urban_threshold": threshold,
            "map": (
                _neighbourhood_map(request, force, district, neighbourhoods, outlines, context)
                if outlines
                else None
            ),
        },
    )
