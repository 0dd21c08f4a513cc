"""Reading the organisation: forces, districts, neighbourhoods and their teams."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, case, func, select
from sqlalchemy.orm import Session, selectinload

from constable.errors import ConstableError
from constable.force.models import District, Force, Neighbourhood, Person, Team, Unit


class NotFoundError(ConstableError):
    """A force, district or neighbourhood that is not in the store."""


# Built once: every request of the web app asks for its force.
_WANTED: BindParameter[str] = bindparam("wanted")
_BY_CODE_OR_NAME = select(Force).where(
    (func.lower(Force.code) == _WANTED) | (func.lower(Force.name) == _WANTED)
)


def get(*, session: Session, code: str) -> Force | None:
    """The force with this code (``kent``) or name (``Kent Police``), any case."""
    return session.scalar(_BY_CODE_OR_NAME, {"wanted": code.casefold()})


def get_or_raise(*, session: Session, code: str) -> Force:
    """The force, or :class:`NotFoundError` naming the forces that are built."""
    force = get(session=session, code=code)
    if force is None:
        built = session.scalars(select(Force.code).order_by(Force.code)).all()
        hint = (
            f"built: {', '.join(built)}" if built else "none is built: run `constable force build`"
        )
        raise NotFoundError(f"no force {code!r} in the store ({hint})")
    return force


def list_codes(*, session: Session) -> list[str]:
    """Codes of every force in the store."""
    return list(session.scalars(select(Force.code).order_by(Force.code)))


def get_district_or_raise(*, session: Session, force: Force, district: str) -> District:
    """A district of ``force`` by slug, name or ONS code (any case)."""
    wanted = district.casefold()
    found = session.scalar(
        select(District).where(
            District.force_id == force.id,
            (District.slug == wanted)
            | (func.lower(District.name) == wanted)
            | (func.lower(District.code) == wanted),
        )
    )
    if found is None:
        names = ", ".join(d.name for d in force.districts)
        raise NotFoundError(f"{force.name} has no district {district!r}; its districts are {names}")
    return found


def neighbourhoods(*, session: Session, district: District) -> list[Neighbourhood]:
    """The district's neighbourhoods, with their PCSO, by code."""
    return list(
        session.scalars(
            select(Neighbourhood)
            .where(Neighbourhood.district_id == district.id)
            .options(selectinload(Neighbourhood.pcso))
            .order_by(Neighbourhood.code)
        )
    )


def outlines(*, session: Session, force: Force) -> dict[str, dict[str, Any]]:
    """Each district's outline in BNG metres (GeoJSON), by slug."""
    rows = session.execute(
        select(District.slug, District.boundary_bng).where(District.force_id == force.id)
    )
    return {slug: geometry for slug, geometry in rows if geometry is not None}


def neighbourhood_outlines(*, session: Session, district: District) -> dict[str, dict[str, Any]]:
    """Each neighbourhood's outline in BNG metres (GeoJSON), by LSOA code."""
    rows = session.execute(
        select(Neighbourhood.code, Neighbourhood.boundary_bng).where(
            Neighbourhood.district_id == district.id
        )
    )
    return {code: geometry for code, geometry in rows if geometry is not None}


@dataclass
class TeamSummary:
    """A team with its strength."""

    kind: str
    name: str
    people: int
    units: int
    shift_pattern: str | None = None


@dataclass
class DistrictSummary:
    """A district as the force page and ``constable force show`` present it."""

    name: str
    slug: str
    code: str
    population: int
    households: int
    hectares: float
    neighbourhoods: int
    urban_neighbourhoods: int
    commander: str | None
    teams: list[TeamSummary] = field(default_factory=list)

    @property
    def density(self) -> float:
        """Residents per hectare."""
        return self.population / self.hectares if self.hectares else 0.0


@dataclass
class ForceSummary:
    """A force with its districts and force-level teams."""

    code: str
    name: str
    population: int
    households: int
    hectares: float
    neighbourhoods: int
    districts: list[DistrictSummary]
    force_teams: list[TeamSummary]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["district_count"] = len(self.districts)
        return data


def summary(*, session: Session, force: Force) -> ForceSummary:
    """Residents, area, neighbourhoods and teams of every district of ``force``."""
    people = dict(
        session.execute(
            select(Person.team_id, func.count())
            .join(Team)
            .where(Team.force_id == force.id)
            .group_by(Person.team_id)
        ).all()
    )
    units = dict(
        session.execute(
            select(Unit.team_id, func.count())
            .join(Team)
            .where(Team.force_id == force.id)
            .group_by(Unit.team_id)
        ).all()
    )
    counts = {
        district_id: (total, urban or 0)
        for district_id, total, urban in session.execute(
            select(
                Neighbourhood.district_id,
                func.count(),
                func.sum(case((Neighbourhood.urban, 1), else_=0)),
            )
            .join(District)
            .where(District.force_id == force.id)
            .group_by(Neighbourhood.district_id)
        )
    }
    commanders = dict(
        session.execute(
            select(Team.district_id, Person.name)
            .join(Person, Person.team_id == Team.id)
            .where(Team.force_id == force.id, Person.role == "District Commander")
        ).all()
    )
    teams = session.scalars(select(Team).where(Team.force_id == force.id).order_by(Team.id)).all()

    def team_summary(team: Team) -> TeamSummary:
        return TeamSummary(
            kind=team.kind,
            name=team.name,
            people=people.get(team.id, 0),
            units=units.get(team.id, 0),
            shift_pattern=team.shift_pattern,
        )

    districts = []
    for district in sorted(force.districts, key=lambda d: d.name):
        total, urban = counts.get(district.id, (0, 0))
        districts.append(
            DistrictSummary(
                name=district.name,
                slug=district.slug,
                code=district.code,
                population=district.population,
                households=district.households,
                hectares=district.hectares,
                neighbourhoods=total,
                urban_neighbourhoods=int(urban),
                commander=commanders.get(district.id),
                teams=[team_summary(t) for t in teams if t.district_id == district.id],
            )
        )
    return ForceSummary(
        code=force.code,
        name=force.name,
        population=sum(d.population for d in districts),
        households=sum(d.households for d in districts),
        hectares=sum(d.hectares for d in districts),
        neighbourhoods=sum(d.neighbourhoods for d in districts),
        districts=districts,
        force_teams=[team_summary(t) for t in teams if t.district_id is None],
    )
