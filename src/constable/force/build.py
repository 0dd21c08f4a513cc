"""Building a force in the store from its configuration and the real census and boundaries."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from constable.errors import ConstableError
from constable.force.config import DistrictConfig, ForceConfig, ForceConfigError, PostConfig
from constable.force.geography import bng_to_wgs84_geojson, dissolve, geometry_to_bng, to_geojson
from constable.force.models import District, Force, Neighbourhood, Person, Team, Unit
from constable.ingest.boundaries import LsoaBoundary, read_boundaries
from constable.ingest.census import CensusArea, read_census
from constable.store import audit

Progress = Callable[[str], None]


class ForceExistsError(ConstableError):
    """The force is already in the store and replacing it was not asked for."""


def slugify(name: str) -> str:
    """``Folkestone & Hythe`` → ``folkestone-hythe``."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def call_sign_prefixes(names: Sequence[str]) -> dict[str, str]:
    """Short, unique prefixes for call signs: initials of several words, else three letters."""
    prefixes: dict[str, str] = {}
    for name in names:
        words = [w for w in re.split(r"[^A-Za-z]+", name) if w and w.casefold() != "and"]
        base = "".join(w[0] for w in words).upper() if len(words) > 1 else words[0][:3].upper()
        prefix, n = base, 2
        while prefix in prefixes.values():
            prefix, n = f"{base}{n}", n + 1
        prefixes[name] = prefix
    return prefixes


def share_by_weight(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``, largest remainders first, summing exactly."""
    weights_array = np.asarray(weights, dtype=float)
    exact = total * weights_array / weights_array.sum()
    shares = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - shares), kind="stable")[: total - int(shares.sum())]:
        shares[index] += 1
    return [int(s) for s in shares]


@dataclass
class _Area:
    """What a team is sized for: a district, or the whole force."""

    name: str
    population: int
    neighbourhoods: list[Neighbourhood]
    district: District | None
    force_total_shares: dict[str, int] = field(default_factory=dict)


def post_holders(
    post: PostConfig, *, population: int, neighbourhoods: int, shifts: int, force_share: int
) -> int:
    """How many hold ``post`` in an area (``force_share``: the area's part of a force total).

    Used by the force build and by the simulation's establishment, so both count alike.
    """
    if post.count is not None:
        return post.count * (shifts if post.per_shift else 1)
    if post.per_1000_residents is not None:
        # A post set to zero is gone (a scenario without it); otherwise an area has at least one.
        if post.per_1000_residents == 0:
            return 0
        return max(1, round(population / 1000 * post.per_1000_residents))
    if post.neighbourhoods_per_post is not None:
        return max(1, round(neighbourhoods / post.neighbourhoods_per_post))
    return force_share


def _read_areas(
    config: ForceConfig, census_path: Path, boundaries_path: Path
) -> tuple[dict[str, list[CensusArea]], dict[str, LsoaBoundary]]:
    codes = {d.code for d in config.districts}
    by_authority: dict[str, list[CensusArea]] = defaultdict(list)
    for area in read_census(census_path, codes):
        by_authority[area.authority_code].append(area)
    for district in config.districts:
        found = by_authority.get(district.code)
        if not found:
            raise ForceConfigError(
                f"district {district.name!r}: no census LSOAs for authority code {district.code} "
                f"in {census_path}"
            )
        expected = district.census_name or district.name
        if found[0].authority_name != expected:
            raise ForceConfigError(
                f"district {district.name!r}: authority {district.code} is "
                f"{found[0].authority_name!r} in the census; set census_name to that name"
            )
    lsoa_codes = {a.lsoa_code for areas in by_authority.values() for a in areas}
    boundaries = {b.code: b for b in read_boundaries(boundaries_path, lsoa_codes)}
    missing = sorted(lsoa_codes - boundaries.keys())
    if missing:
        raise ForceConfigError(
            f"{len(missing)} LSOAs have no boundary in {boundaries_path}: {', '.join(missing[:10])}"
        )
    return by_authority, boundaries


def _district(
    config: DistrictConfig,
    areas: list[CensusArea],
    boundaries: dict[str, LsoaBoundary],
    urban_threshold: float,
) -> District:
    shapes = []
    neighbourhoods = []
    for area in sorted(areas, key=lambda a: a.lsoa_code):
        boundary = boundaries[area.lsoa_code]
        bng_shape = geometry_to_bng(boundary.geometry)
        shapes.append(bng_shape)
        density = area.population / area.hectares if area.hectares else 0.0
        neighbourhoods.append(
            Neighbourhood(
                code=area.lsoa_code,
                name=area.lsoa_name,
                msoa_code=area.msoa_code,
                population=area.population,
                households=area.households,
                hectares=area.hectares,
                urban=density >= urban_threshold,
                latitude=boundary.latitude,
                longitude=boundary.longitude,
                easting=boundary.easting,
                northing=boundary.northing,
                boundary=boundary.geometry,
                boundary_bng=to_geojson(bng_shape, precision=0),
            )
        )
    outline = dissolve(shapes)
    centre = outline.point_on_surface()
    centre_wgs84 = bng_to_wgs84_geojson(centre)["coordinates"]
    return District(
        code=config.code,
        name=config.name,
        slug=slugify(config.name),
        population=sum(a.population for a in areas),
        households=sum(a.households for a in areas),
        hectares=sum(a.hectares for a in areas),
        easting=round(centre.x),
        northing=round(centre.y),
        longitude=centre_wgs84[0],
        latitude=centre_wgs84[1],
        boundary=bng_to_wgs84_geojson(outline),
        boundary_bng=to_geojson(shapely.simplify(outline, 1.0), precision=0),
        neighbourhoods=neighbourhoods,
    )


class _Staffing:
    """Creates the posts, their chain of command and their units, team by team."""

    def __init__(self, session: Session, force: Force, prefixes: dict[str, str]) -> None:
        self.session = session
        self.force = force
        self.prefixes = prefixes
        self.people_by_role: dict[tuple[int | None, str], list[Person]] = defaultdict(list)
        self.unit_numbers: dict[str, int] = defaultdict(int)

    def _managers(self, role: str, team: Team, district_id: int | None) -> list[Person]:
        in_team = [p for p in self.people_by_role[(district_id, role)] if p.team_id == team.id]
        return (
            in_team or self.people_by_role[(district_id, role)] or self.people_by_role[(None, role)]
        )

    def staff_team(
        self, team: Team, posts: Sequence[PostConfig], area: _Area, shifts: list[str]
    ) -> None:
        """Add the team's post holders, units and neighbourhood assignments."""
        district_id = area.district.id if area.district is not None else None
        place = area.district.name if area.district is not None else self.force.name
        for post in posts:
            count = post_holders(
                post,
                population=area.population,
                neighbourhoods=len(area.neighbourhoods),
                shifts=len(shifts) or 1,
                force_share=area.force_total_shares.get(post.role, 0),
            )
            holders: list[Person] = []
            for index in range(count):
                shift = shifts[index % len(shifts)] if shifts else None
                name = (
                    f"{post.role}, {place}"
                    if count == 1
                    else f"{post.role} {place} {index + 1:02d}"
                )
                holders.append(Person(team_id=team.id, name=name, role=post.role, shift=shift))
            if post.reports_to is not None:
                managers = self._managers(post.reports_to, team, district_id)
                for index, holder in enumerate(holders):
                    same_shift = [m for m in managers if m.shift == holder.shift] or managers
                    holder.line_manager_id = same_shift[index % len(same_shift)].id
            self.session.add_all(holders)
            self.session.flush()
            self.people_by_role[(district_id, post.role)].extend(holders)
            if post.assigns_neighbourhoods and holders:
                ordered = sorted(area.neighbourhoods, key=lambda n: (n.msoa_code or "", n.code))
                for holder, chunk in zip(
                    holders, np.array_split(np.arange(len(ordered)), len(holders)), strict=True
                ):
                    for position in chunk:
                        ordered[int(position)].pcso_id = holder.id
            if post.unit is not None:
                self._units(team, holders, post, area, place)

    def _units(
        self, team: Team, holders: list[Person], post: PostConfig, area: _Area, place: str
    ) -> None:
        assert post.unit is not None
        by_shift: dict[str | None, list[Person]] = defaultdict(list)
        for holder in holders:
            by_shift[holder.shift].append(holder)
        prefix = self.prefixes.get(place, "F")
        kind = post.unit.kind
        for shift, members in by_shift.items():
            for start in range(0, len(members), post.unit.posts_per_unit):
                key = f"{prefix}-{kind.value}"
                self.unit_numbers[key] += 1
                letters = "".join(w[0] for w in kind.value.split("_")).upper()
                home = None
                if post.assigns_neighbourhoods:
                    home = next(
                        (n.id for n in area.neighbourhoods if n.pcso_id == members[start].id), None
                    )
                self.session.add(
                    Unit(
                        team_id=team.id,
                        call_sign=f"{prefix}-{letters}{self.unit_numbers[key]:02d}",
                        kind=kind.value,
                        shift=shift,
                        home_neighbourhood_id=home,
                    )
                )


def build_force(
    session: Session,
    config: ForceConfig,
    *,
    census_path: Path,
    boundaries_path: Path,
    replace: bool = False,
    actor: str = "system",
    progress: Progress | None = None,
) -> Force:
    """Write the force described by ``config`` into the store, in the caller's transaction."""
    say = progress or (lambda _message: None)
    existing = session.scalar(select(Force).where(Force.code == config.code))
    if existing is not None:
        if not replace:
            raise ForceExistsError(
                f"force {config.code!r} is already built; use --replace to build it again"
            )
        session.execute(delete(Force).where(Force.id == existing.id))
        session.expunge(existing)

    say("reading the 2011 census and LSOA boundaries")
    by_authority, boundaries = _read_areas(config, census_path, boundaries_path)
    force = Force(code=config.code, name=config.name, config=config.model_dump(mode="json"))
    session.add(force)
    threshold = config.neighbourhoods.urban_density_threshold
    for district_config in config.districts:
        say(f"district {district_config.name}")
        district = _district(
            district_config, by_authority[district_config.code], boundaries, threshold
        )
        force.districts.append(district)
    session.flush()

    say("teams, posts and units")
    districts = sorted(force.districts, key=lambda d: d.name)
    areas = [_Area(d.name, d.population, list(d.neighbourhoods), d) for d in districts]
    force_area = _Area(
        config.name,
        sum(d.population for d in districts),
        [n for d in districts for n in d.neighbourhoods],
        None,
    )
    for team_config in config.teams:
        for post in team_config.posts:
            if post.force_total is None:
                continue
            if team_config.level == "force":
                force_area.force_total_shares[post.role] = post.force_total
            else:
                shares = share_by_weight(post.force_total, [a.population for a in areas])
                for area, share in zip(areas, shares, strict=True):
                    area.force_total_shares[post.role] = share

    staffing = _Staffing(session, force, call_sign_prefixes([d.name for d in districts]))
    for team_config in config.teams:
        targets = [force_area] if team_config.level == "force" else areas
        for area in targets:
            place = area.name
            parent_id = None
            if team_config.parent is not None:
                parent_id = session.scalar(
                    select(Team.id).where(
                        Team.force_id == force.id,
                        Team.kind == team_config.parent.value,
                        Team.district_id == (area.district.id if area.district else None),
                    )
                )
            team = Team(
                force_id=force.id,
                district_id=area.district.id if area.district else None,
                kind=team_config.kind.value,
                name=team_config.name.format(district=place, force=config.name),
                shift_pattern=team_config.shift_pattern,
                parent_id=parent_id,
            )
            session.add(team)
            session.flush()
            staffing.staff_team(team, team_config.posts, area, team_config.shifts)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="force.build",
        entity="force",
        entity_id=force.code,
        after={"districts": len(districts), "neighbourhoods": len(force_area.neighbourhoods)},
    )
    return force
