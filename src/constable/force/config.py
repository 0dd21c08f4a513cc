"""A force described as data: the YAML configuration file, validated on load.

Nothing about a particular force lives in code. Kent's file ships in ``force/data/kent.yaml``;
another force is described by another file of the same shape (see ``docs/force-config.md``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from constable.errors import ConstableError
from constable.force.enums import TeamKind, UnitKind


class ForceConfigError(ConstableError):
    """A force configuration file that cannot be used, with the place and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DistrictConfig(_Strict):
    """One district: a local authority area of the 2011 census."""

    name: str
    code: str = Field(pattern=r"^[EW]0[6-9]\d{6}$", description="ONS local authority code")
    census_name: str | None = Field(
        default=None, description="the authority's name in the 2011 files, when it has changed"
    )
    commander: str | None = Field(default=None, description="the District Commander's name")


class UnitRule(_Strict):
    """Units made from a post: one unit of ``kind`` for every ``posts_per_unit`` post holders."""

    kind: UnitKind
    posts_per_unit: int = Field(default=1, ge=1)


class PostConfig(_Strict):
    """A role in a team and how many holders it has.

    Exactly one rule sets the number: ``count`` (per district, or per shift when ``per_shift``),
    ``per_1000_residents`` (of the district), ``neighbourhoods_per_post`` (one post for that many
    neighbourhoods), or ``force_total`` (shared between districts by residents).
    """

    role: str
    count: int | None = Field(default=None, ge=0)
    per_1000_residents: float | None = Field(default=None, ge=0)
    neighbourhoods_per_post: float | None = Field(default=None, gt=0)
    force_total: int | None = Field(default=None, ge=0)
    per_shift: bool = False
    reports_to: str | None = None
    unit: UnitRule | None = None
    assigns_neighbourhoods: bool = False
    source: str = Field(description="where the number comes from")

    @model_validator(mode="after")
    def _one_rule(self) -> PostConfig:
        rules = [
            name
            for name in ("count", "per_1000_residents", "neighbourhoods_per_post", "force_total")
            if getattr(self, name) is not None
        ]
        if len(rules) != 1:
            raise ValueError(
                f"post {self.role!r} needs exactly one of count, per_1000_residents, "
                f"neighbourhoods_per_post, force_total (it has {rules or 'none'})"
            )
        return self


class TeamConfig(_Strict):
    """A team, made once per district (``level: district``) or once for the force."""

    kind: TeamKind
    name: str = Field(description="may use {district} and {force}")
    level: Literal["district", "force"] = "district"
    parent: TeamKind | None = Field(default=None, description="the team this one is part of")
    shift_pattern: str | None = None
    shifts: list[str] = Field(default_factory=list)
    posts: list[PostConfig]


class NeighbourhoodRules(_Strict):
    """How neighbourhoods are classed."""

    urban_density_threshold: float = Field(
        gt=0, description="residents per hectare at or above which a neighbourhood is urban"
    )
    source: str


class AnswerTarget(_Strict):
    """A call-answering target: ``share`` of calls answered within ``seconds``."""

    seconds: float = Field(gt=0)
    share: float = Field(gt=0, le=1)


class AttendanceStandard(_Strict):
    """How soon a grade must be attended: minutes (urban, rural), or hours by appointment."""

    urban_minutes: float | None = Field(default=None, gt=0)
    rural_minutes: float | None = Field(default=None, gt=0)
    within_hours: float | None = Field(default=None, gt=0)
    attend: bool = True

    def minutes(self, *, urban: bool) -> float | None:
        """The standard in minutes for an urban or rural neighbourhood (None: no attendance)."""
        if not self.attend:
            return None
        if self.within_hours is not None:
            return self.within_hours * 60
        return self.urban_minutes if urban else self.rural_minutes


class TravelModel(_Strict):
    """Estimated time of arrival from straight-line distance."""

    road_factor: float = Field(default=1.3, ge=1)
    urban_kmh: float = Field(default=40.0, gt=0)
    rural_kmh: float = Field(default=65.0, gt=0)
    cross_border_margin_minutes: float = Field(default=3.0, ge=0)


class ShiftPeriod(_Strict):
    """A duty period of the day (local time)."""

    name: str
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    hours: float = Field(gt=0, le=24)


class ShiftRota(_Strict):
    """Which shift works which period on each day of a repeating cycle."""

    periods: list[ShiftPeriod] = Field(min_length=1)
    cycle_start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    days: list[list[str]] = Field(
        min_length=1, description="per day of the cycle, the shift on each period ('-' for none)"
    )
    day_working: ShiftPeriod = Field(description="hours of teams without a rota (PCSOs, CPT)")

    @model_validator(mode="after")
    def _aligned(self) -> ShiftRota:
        for index, day in enumerate(self.days):
            if len(day) != len(self.periods):
                raise ValueError(
                    f"rota day {index + 1} names {len(day)} shifts for {len(self.periods)} periods"
                )
        return self


class ControlRoomConfig(_Strict):
    """Standards and models of the force control room (issue: control room)."""

    answer_targets: dict[str, AnswerTarget]
    attendance: dict[int, AttendanceStandard]
    travel: TravelModel = TravelModel()
    duplicate_minutes: float = Field(default=30.0, gt=0)
    duplicate_metres: float = Field(default=250.0, gt=0, le=2000)
    rota: ShiftRota
    source: str

    @model_validator(mode="after")
    def _grades(self) -> ControlRoomConfig:
        missing = sorted({1, 2, 3, 4} - set(self.attendance))
        if missing:
            raise ValueError(f"attendance standards missing for grade(s) {missing}")
        if "999" not in self.answer_targets or "other" not in self.answer_targets:
            raise ValueError("answer_targets needs '999' and 'other'")
        return self


class CommunityConfig(_Strict):
    """Rules of the community records (s.136, Speedwatch, volunteers): see docs/community.md."""

    repeat_detections: int = Field(
        default=5,
        ge=2,
        description="Speedwatch occasions over the limit at which a vehicle is flagged for a visit",
    )
    repeat_victim_days: int = Field(
        default=365,
        ge=1,
        description="a victim with another crime or ASB report this many days apart is a repeat",
    )
    asb_ladder: str = Field(
        default="seed-2007",
        description="the staged approach to ASB cases (community/data/asb-ladders.yaml)",
    )
    source: str = "Seed 003: drivers over the limit on 5 or more occasions are visited."


class ForceConfig(_Strict):
    """A whole force."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    short_name: str = Field(description="the force's name in Home Office and police.uk tables")
    neighbourhoods: NeighbourhoodRules
    districts: list[DistrictConfig] = Field(min_length=1)
    teams: list[TeamConfig]
    control: ControlRoomConfig
    community: CommunityConfig = CommunityConfig()

    @model_validator(mode="after")
    def _consistent(self) -> ForceConfig:
        for attribute in ("name", "code"):
            values = [getattr(d, attribute) for d in self.districts]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"district {attribute}s repeated: {', '.join(repeated)}")
        kinds = [t.kind for t in self.teams]
        for team in self.teams:
            if team.parent is not None and team.parent not in kinds:
                raise ValueError(
                    f"team {team.name!r} is part of {team.parent}, which is not listed"
                )
            if any(post.per_shift for post in team.posts) and not team.shifts:
                raise ValueError(f"team {team.name!r} has per-shift posts but no shifts")
        roles = {post.role for team in self.teams for post in team.posts}
        for team in self.teams:
            for post in team.posts:
                if post.reports_to is not None and post.reports_to not in roles:
                    raise ValueError(
                        f"post {post.role!r} reports to {post.reports_to!r}, which no team has"
                    )
        return self

    def district(self, name_or_code: str) -> DistrictConfig:
        """The district with this name or code (any case)."""
        wanted = name_or_code.casefold()
        for district in self.districts:
            if wanted in (district.name.casefold(), district.code.casefold()):
                return district
        names = ", ".join(d.name for d in self.districts)
        raise ForceConfigError(f"{self.name} has no district {name_or_code!r}; it has {names}")


def shipped_forces() -> list[str]:
    """The codes of the forces whose configuration ships with Constable."""
    folder = resources.files("constable.force") / "data"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_config(name_or_path: str | Path) -> ForceConfig:
    """Load a force configuration: a shipped force's code (``kent``) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ForceConfigError(f"{path}: no such force configuration file")
        text = path.read_text(encoding="utf-8")
        where = str(path)
    else:
        code = str(name_or_path).casefold()
        if code not in shipped_forces():
            raise ForceConfigError(
                f"no force {name_or_path!r} ships with Constable (shipped: "
                f"{', '.join(shipped_forces())}); give the path of a configuration file instead"
            )
        text = (resources.files("constable.force") / "data" / f"{code}.yaml").read_text("utf-8")
        where = f"{code}.yaml"
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ForceConfigError(f"{where}: not valid YAML: {exc}") from exc
    try:
        return ForceConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'top level'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ForceConfigError(f"{where}: {problems}") from exc
