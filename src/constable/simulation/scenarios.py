"""Scenarios: the force configuration plus changes, read from YAML and checked before any run.

A scenario file names the force and its demand calibration, a seed, the day the run starts, and
the changes: demand growth and district demand, team strengths (any post's rule), PCSOs per
ward, abstraction, the shift rota, central or district ownership of response units, and the
control room's staffing. Every problem in the file is reported at once, naming the field:
an unknown district, team or post, negative staffing, a profile that does not sum to one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from constable.control.units import KINDS_FOR_GRADE
from constable.force.config import ForceConfig, ForceConfigError, load_config
from constable.force.enums import UnitKind
from constable.simulation import SimulationError
from constable.simulation.demand import DemandCalibration, load_calibration
from constable.simulation.establishment import UnitSpec, establishment
from constable.simulation.geography import Geography, force_geography
from constable.simulation.validation import Strict, merge, read_yaml, validate

RULES = ("count", "per_1000_residents", "neighbourhoods_per_post", "force_total")


class PostChange(Strict):
    """A post's new size: exactly one rule, none negative."""

    count: int | None = None
    per_1000_residents: float | None = None
    neighbourhoods_per_post: float | None = None
    force_total: int | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> PostChange:
        given = {name: getattr(self, name) for name in RULES if getattr(self, name) is not None}
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(RULES)} (found {len(given)})")
        name, value = next(iter(given.items()))
        if value < 0:
            raise ValueError(f"{name} == {value:g}: staffing cannot be negative")
        if name == "neighbourhoods_per_post" and value == 0:
            raise ValueError("neighbourhoods_per_post == 0, must be > 0")
        return self


class ResponseChanges(Strict):
    """Who owns response units and how they are sent."""

    ownership: Literal["central", "district"] = Field(
        default="district",
        description="central: the nearest free unit anywhere; district: the district's own first",
    )
    cross_border_grades: list[int] = Field(
        default=[1], description="grades a neighbouring district's unit may be sent to"
    )
    mobilise_minutes: dict[int, float] = Field(
        default={1: 1.0, 2: 3.0, 3: 10.0}, description="from assignment to setting off"
    )
    kind_order: dict[int, list[str | list[str]]] = Field(
        default={
            1: ["patrol_car"],
            2: ["patrol_car", "foot_patrol"],
            3: [["foot_patrol", "pcso"], "patrol_car"],
        },
        description="per grade, the kinds of unit to send in order of preference; a list in "
        "the list is one tier (the nearest of those kinds)",
    )
    reserve_cars: int = Field(
        default=2,
        ge=0,
        description="a patrol car is given a grade 3 only while this many others are free",
    )
    include_specials: bool = False

    @field_validator("kind_order")
    @classmethod
    def _kind_order(
        cls, value: dict[int, list[str | list[str]]]
    ) -> dict[int, list[str | list[str]]]:
        if set(value) != {1, 2, 3}:
            raise ValueError("give the kinds of unit for grades 1, 2 and 3")
        for grade, tiers in value.items():
            allowed = KINDS_FOR_GRADE[grade]
            kinds = [k for tier in tiers for k in ([tier] if isinstance(tier, str) else tier)]
            wrong = [k for k in kinds if k not in allowed]
            if wrong or not kinds:
                raise ValueError(
                    f"grade {grade}: dispatch sends only {', '.join(sorted(allowed))} "
                    f"(not {', '.join(wrong) or 'nothing'})"
                )
        return value

    def tiers(self, grade: int) -> list[list[str]]:
        """The kinds for ``grade``, tier by tier."""
        return [[t] if isinstance(t, str) else list(t) for t in self.kind_order[grade]]

    @field_validator("cross_border_grades")
    @classmethod
    def _grades(cls, value: list[int]) -> list[int]:
        wrong = [g for g in value if g not in (1, 2, 3)]
        if wrong:
            raise ValueError(f"grades {wrong} cannot be attended: use 1, 2 or 3")
        return value

    @field_validator("mobilise_minutes")
    @classmethod
    def _mobilise(cls, value: dict[int, float]) -> dict[int, float]:
        if set(value) != {1, 2, 3}:
            raise ValueError("give mobilise minutes for grades 1, 2 and 3")
        if any(v < 0 for v in value.values()):
            raise ValueError("mobilise minutes cannot be negative")
        return value


class ControlRoomChanges(Strict):
    """How the control room is staffed."""

    handlers: Literal["plan", "rota"] = Field(
        default="plan",
        description="plan: Erlang C staffing hour by hour; rota: the force's handlers a shift",
    )
    shrinkage: float = Field(default=0.3, ge=0, lt=1)


class Changes(Strict):
    """What the scenario changes in the force configuration and demand."""

    demand_growth: float = Field(default=1.0, gt=0)
    district_demand: dict[str, float] = Field(default_factory=dict)
    demand: dict[str, Any] = Field(default_factory=dict, description="laid over the calibration")
    teams: dict[str, dict[str, PostChange]] = Field(default_factory=dict)
    rota: dict[str, Any] | None = None
    abstraction: dict[str, float] = Field(default_factory=dict)
    day_working_days: float = Field(default=5.0, gt=0, le=7)
    response: ResponseChanges = ResponseChanges()
    control_room: ControlRoomChanges = ControlRoomChanges()

    @field_validator("district_demand")
    @classmethod
    def _factors(cls, value: dict[str, float]) -> dict[str, float]:
        for name, factor in value.items():
            if factor < 0:
                raise ValueError(f"{name}: demand factor {factor:g} cannot be negative")
        return value

    @field_validator("abstraction")
    @classmethod
    def _abstraction(cls, value: dict[str, float]) -> dict[str, float]:
        kinds = {k.value for k in UnitKind}
        for kind, share in value.items():
            if kind not in kinds:
                raise ValueError(
                    f"unknown unit kind {kind!r}; the kinds are {', '.join(sorted(kinds))}"
                )
            if not 0 <= share < 1:
                raise ValueError(f"{kind}: abstraction {share:g} must be >= 0 and < 1")
        return value


class Assumption(Strict):
    """One assumption and where it came from."""

    what: str
    source: str


class ScenarioFile(Strict):
    """A scenario as written in YAML."""

    name: str
    description: str = ""
    force: str = "kent"
    demand: str = "kent"
    seed: int = Field(ge=0)
    start: dt.date = Field(default=dt.date(2013, 6, 24), description="the first simulated day")
    changes: Changes = Changes()
    assumptions: list[Assumption] = Field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, ready to run: the changed configuration, demand and units."""

    name: str
    description: str
    where: str
    seed: int
    start: dt.date
    config: ForceConfig
    calibration: DemandCalibration
    changes: Changes
    assumptions: tuple[Assumption, ...]
    geography: Geography
    units: tuple[UnitSpec, ...]


def _apply_teams(raw: dict[str, Any], teams: dict[str, dict[str, PostChange]]) -> list[str]:
    problems = []
    by_kind = {team["kind"]: team for team in raw["teams"]}
    for kind, posts in teams.items():
        team = by_kind.get(kind)
        if team is None:
            problems.append(
                f"changes.teams: no team {kind!r} in the force; the teams are {', '.join(by_kind)}"
            )
            continue
        roles = {post["role"]: post for post in team["posts"]}
        for role, change in posts.items():
            post = roles.get(role)
            if post is None:
                problems.append(
                    f"changes.teams.{kind}: no post {role!r}; the posts are {', '.join(roles)}"
                )
                continue
            for rule in RULES:
                post.pop(rule, None)
            post.update(change.model_dump(exclude_none=True))
            post["source"] = f"Scenario change (was: {post.get('source', '')})"
    return problems


def build(spec: ScenarioFile, where: str, base: Path | None = None) -> Scenario:
    """Check ``spec`` against the force and its demand and prepare it; one error lists every
    problem found."""
    try:
        config = load_config(spec.force)
    except ForceConfigError as exc:
        raise SimulationError(f"{where}: force: {exc}") from exc
    raw = config.model_dump(mode="json")
    problems = _apply_teams(raw, spec.changes.teams)
    if spec.changes.rota is not None:
        raw["control"]["rota"] = spec.changes.rota
    names = [d.name for d in config.districts]
    folded = {n.casefold() for n in names}
    for name in spec.changes.district_demand:
        if name.casefold() not in folded:
            problems.append(
                f"changes.district_demand: unknown district {name!r}; the districts are "
                f"{', '.join(names)}"
            )
    shares = merge({}, spec.changes.demand).get("district_shares") or {}
    for name in shares:
        if str(name).casefold() not in folded:
            problems.append(
                f"changes.demand.district_shares: unknown district {name!r}; the districts "
                f"are {', '.join(names)}"
            )
    demand_path: str | Path = spec.demand
    if base is not None and spec.demand.endswith((".yaml", ".yml")):
        demand_path = base / spec.demand
    try:
        calibration = load_calibration(demand_path, spec.changes.demand)
    except SimulationError as exc:
        problems.append(f"demand: {exc}")
    try:
        changed = ForceConfig.model_validate(raw)
    except ValueError as exc:
        problems.append(f"changes: {exc}")
    if problems:
        raise SimulationError(f"{where}: " + "; ".join(problems))
    geography = force_geography(changed)
    if calibration.district_shares:
        for name in calibration.district_shares:
            try:
                geography.index(name)
            except ForceConfigError as exc:
                raise SimulationError(f"{where}: demand district_shares: {exc}") from exc
    units = establishment(changed, geography)
    if not any(u.kind == UnitKind.PATROL_CAR.value for u in units):
        raise SimulationError(f"{where}: the scenario has no patrol cars to answer grade 1 calls")
    return Scenario(
        name=spec.name,
        description=spec.description,
        where=where,
        seed=spec.seed,
        start=spec.start,
        config=changed,
        calibration=calibration,
        changes=spec.changes,
        assumptions=tuple(spec.assumptions),
        geography=geography,
        units=tuple(units),
    )


def shipped_scenarios() -> dict[str, Path]:
    """The scenarios that ship with Constable, by file name without ``.yaml``."""
    folder = Path(str(resources.files("constable.simulation") / "data" / "scenarios"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario from a YAML file, or a shipped one by name (``kent-2013-district``)."""
    path = Path(name_or_path)
    if not path.exists() and path.suffix not in (".yaml", ".yml"):
        shipped = shipped_scenarios()
        if str(name_or_path) not in shipped:
            raise SimulationError(
                f"no scenario {name_or_path!r}: give a YAML file or one of {', '.join(shipped)}"
            )
        path = shipped[str(name_or_path)]
    raw = read_yaml(path)
    spec = validate(ScenarioFile, raw, str(path))
    return build(spec, str(path), base=path.parent)
