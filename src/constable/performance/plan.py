"""A Police and Crime Plan as data: a YAML file validated on load.

A plan is priorities → objectives → measures → targets (docs/plan.md has the whole format):

.. code-block:: yaml

    name: Policing Kent 2007/10
    force: kent
    source: Seed 002, "Our priorities and targets 2007/2010"
    period: {start: 2007-04-01, end: 2010-03-31}
    owner: Chief Constable
    priorities:
      - key: "1"
        title: To build safer and more confident communities
        objectives:
          - key: "1.1"
            title: Tackling crime and the fear of crime
            measures:
              - measure: night_time_economy_crime
                label: Number of crimes in the night time economy
                area: medway
                targets:
                  - {kind: value, direction: at_most, value: 1792, due: 2008-03-31}

Every problem is reported with the file and the path of the field at fault, for example
``plan.yaml: priorities[0].objectives[1].measures[2].measure: unknown measure 'crme'; the
measures are ...``. A plan with no targets (Safer in Kent) is valid: its measures report their
direction and significance instead (:mod:`constable.performance.status`).

Shipped plans live in ``performance/data/plans/``: :func:`load_plan` takes their name
(``policing-kent-2007-10``) or a path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from constable.community.service import Period
from constable.errors import ConstableError
from constable.performance.measures import (
    FORCE_AREA,
    MEASURES,
    Measure,
    MeasureError,
    financial_year_of,
    get_measure,
    parse_period,
    unknown_measure_message,
)

PLANS_DIR = Path(__file__).parent / "data" / "plans"
"""The plans shipped with Constable."""

TargetKind = Literal["value", "change"]
Direction = Literal["increase", "reduce", "at_most", "at_least"]
Level = Literal["minimum", "stretch", "target"]

HIGHER_DIRECTIONS: frozenset[str] = frozenset({"increase", "at_least"})
"""Directions met by a value at or above the threshold; the others by one at or below it."""


class PlanError(ConstableError):
    """A plan file that cannot be used: ``problems`` lists each as ``path: what is wrong``."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        super().__init__(f"{where}: {'; '.join(problems)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _readable_period(value: Any) -> str:
    """The period's text, if :func:`parse_period` can read it (else a ValueError for pydantic,
    which adds the field's path)."""
    try:
        parse_period(str(value), field="period")
    except MeasureError as exc:
        raise ValueError(str(exc).removeprefix("period: ")) from exc
    return str(value)


class Baseline(_Strict):
    """What a change is measured from: a period and, when known, the value then."""

    period: str = Field(description="a period: 2006/07, 2017Q3, 2017, 2017-07, or two dates")
    value: float | None = Field(
        default=None,
        description="the value in the baseline period; left out, it is measured from the store "
        "(or the imported external values) for that period",
    )

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str:
        return _readable_period(value)

    @property
    def span(self) -> Period:
        """The baseline period."""
        return parse_period(self.period)


class Target(_Strict):
    """A target: a value to reach, or a change from a baseline, by a due date.

    - ``kind: value``: the measure's value for the target period is to be ``at_least`` /
      ``increase`` to (≥) or ``at_most`` / ``reduce`` to (≤) ``value``;
    - ``kind: change``: the value is to ``increase`` or ``reduce`` by ``value`` per cent on the
      baseline's value.

    A share's ``value`` is written as a percentage (26 for 26%). ``period`` is what the value is
    measured over: by default the financial year (April to March) that holds ``due``.
    """

    kind: TargetKind
    direction: Direction
    value: float = Field(ge=0)
    level: Level = "target"
    due: dt.date
    period: str | None = None
    baseline: Baseline | None = None
    note: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str | None:
        return None if value is None else _readable_period(value)

    @property
    def span(self) -> Period:
        """The period the target's value is measured over."""
        return parse_period(self.period) if self.period else financial_year_of(self.due)

    @property
    def higher(self) -> bool:
        """Whether the target is met at or above its threshold (else at or below)."""
        return self.direction in HIGHER_DIRECTIONS


class PlanMeasure(_Strict):
    """A measure of an objective: which registered measure, for which area, with its targets."""

    measure: str
    label: str
    area: str = FORCE_AREA
    owner: str | None = None
    targets: list[Target] = Field(default_factory=list)
    note: str | None = None

    @field_validator("measure")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MEASURES:
            raise ValueError(unknown_measure_message(value))
        return value

    @property
    def definition(self) -> Measure:
        """The registered measure."""
        return get_measure(self.measure)


class Objective(_Strict):
    """An objective of a priority, with the measures that show progress on it."""

    key: str
    title: str
    measures: list[PlanMeasure] = Field(min_length=1)


class Priority(_Strict):
    """A priority of the plan."""

    key: str
    title: str
    objectives: list[Objective] = Field(min_length=1)


class PlanPeriod(_Strict):
    """The years a plan covers (first and last day)."""

    start: dt.date
    end: dt.date


class Plan(_Strict):
    """A whole plan (see the module's documentation)."""

    name: str
    force: str = Field(description="the force's code, e.g. kent")
    source: str
    period: PlanPeriod
    owner: str | None = Field(default=None, description="who answers for a measure with none")
    priorities: list[Priority] = Field(min_length=1)

    def lines(self) -> Iterator[PlanLine]:
        """Every measure of the plan with its place, in order."""
        for i, priority in enumerate(self.priorities):
            for j, objective in enumerate(priority.objectives):
                for k, item in enumerate(objective.measures):
                    yield PlanLine(
                        f"priorities[{i}].objectives[{j}].measures[{k}]",
                        f"{objective.key}.{k + 1}",
                        priority,
                        objective,
                        item,
                        item.owner or self.owner,
                    )

    @property
    def has_targets(self) -> bool:
        """Whether any measure has a target."""
        return any(line.item.targets for line in self.lines())


@dataclass(frozen=True)
class PlanLine:
    """One measure of a plan with where it sits: ``path`` (as in errors) and ``key``
    (``1.1.3``: the objective's key and the measure's position)."""

    path: str
    key: str
    priority: Priority
    objective: Objective
    item: PlanMeasure
    owner: str | None


# -- Loading ----------------------------------------------------------------------------------

_CONTAINERS: dict[str, type[BaseModel]] = {
    "priorities": Priority,
    "objectives": Objective,
    "measures": PlanMeasure,
    "targets": Target,
    "baseline": Baseline,
    "period": PlanPeriod,
}

_HINTS = {
    "due": "a target needs a due date, the day by which it is to be met (due: 2008-03-31)",
    "measure": "name a measure (constable plan measures lists them)",
    "kind": "say whether the target is a value or a change (kind: value | change)",
    "direction": "say which way it goes (direction: increase | reduce | at_most | at_least)",
    "value": "give the target's number (a share as a percentage: 26 for 26%)",
}


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _owner_model(loc: tuple[int | str, ...]) -> type[BaseModel]:
    names = [p for p in loc if isinstance(p, str)]
    return _CONTAINERS.get(names[-1], Plan) if names else Plan


def _problem(error: Any) -> str:
    loc = tuple(error["loc"])
    where = _path(loc)
    kind = error["type"]
    if kind == "missing":
        name = str(loc[-1])
        return f"{where}: missing; {_HINTS.get(name, f'give {name}')}"
    if kind == "extra_forbidden":
        model = _owner_model(loc[:-1])
        fields = ", ".join(model.model_fields)
        return f"{where}: unknown field {loc[-1]!r}; the fields here are {fields}"
    if kind == "value_error" and "error" in error.get("ctx", {}):
        return f"{where}: {error['ctx']['error']}"
    if kind.startswith("date") and loc and loc[-1] == "due":
        return f"{where}: {error['input']!r} is not a date; write it YYYY-MM-DD, like 2008-03-31"
    return f"{where}: {error['msg']}"


def _force_areas(force: str) -> set[str] | None:
    """The force's area keys (``force`` and district slugs) from its shipped configuration,
    or None when the force is not shipped."""
    from constable.force.build import slugify
    from constable.force.config import ForceConfigError, load_config

    try:
        config = load_config(force)
    except ForceConfigError:
        return None
    return {FORCE_AREA, *(slugify(d.name) for d in config.districts)}


def check_plan(plan: Plan) -> list[str]:
    """The problems pydantic cannot see alone: areas, units of targets, baselines, dates."""
    problems: list[str] = []
    areas = _force_areas(plan.force)
    if areas is None:
        from constable.force.config import shipped_forces

        problems.append(
            f"force: {plan.force!r} is not a force shipped with Constable "
            f"({', '.join(shipped_forces())}); give the force's code"
        )
    if plan.period.end < plan.period.start:
        problems.append(f"period.end: {plan.period.end} is before period.start")
    for line in plan.lines():
        found = line.item.definition
        if areas is not None and line.item.area not in areas:
            problems.append(
                f"{line.path}.area: {line.item.area!r} is not an area of {plan.force}; write "
                f"force or a district's slug ({', '.join(sorted(areas - {FORCE_AREA}))})"
            )
        if line.item.area != FORCE_AREA and not found.districts:
            problems.append(
                f"{line.path}.area: {found.name} is published for the force only, not by district"
            )
        for t, target in enumerate(line.item.targets):
            where = f"{line.path}.targets[{t}]"
            if target.kind == "change":
                if target.baseline is None:
                    problems.append(
                        f"{where}.baseline: missing; a change is measured from a baseline "
                        "(baseline: {period: 2006/07})"
                    )
                if target.direction not in ("increase", "reduce"):
                    problems.append(
                        f"{where}.direction: a change target goes increase or reduce, not "
                        f"{target.direction}"
                    )
                if target.value == 0:
                    problems.append(f"{where}.value: a change of 0% is not a target")
            else:
                if target.baseline is not None:
                    problems.append(
                        f"{where}.baseline: only a change target has a baseline (this one is "
                        "kind: value)"
                    )
                if found.unit == "share" and target.value > 100:
                    problems.append(
                        f"{where}.value: {target.value:g} is not a percentage; {found.name} is a "
                        "share, written from 0 to 100 (26 for 26%)"
                    )
            if target.due < target.span.start:
                problems.append(
                    f"{where}.due: {target.due} is before the target's period "
                    f"{target.span.label} starts"
                )
    return problems


def parse_plan(raw: Any, *, where: str) -> Plan:
    """A plan from parsed YAML, or :class:`PlanError` listing every problem with its path."""
    if not isinstance(raw, dict):
        raise PlanError(where, ["top level: a plan is a mapping with name, force, priorities..."])
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        raise PlanError(where, [_problem(e) for e in exc.errors()]) from exc
    problems = check_plan(plan)
    if problems:
        raise PlanError(where, problems)
    return plan


def shipped_plans() -> list[str]:
    """The names of the plans shipped with Constable."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def plan_path(name_or_path: str | Path) -> Path:
    """The file of a shipped plan (by name) or the path given."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    shipped = PLANS_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    raise PlanError(
        str(name_or_path),
        [f"no such plan file, and no shipped plan of that name ({', '.join(shipped_plans())})"],
    )


def load_plan(name_or_path: str | Path) -> Plan:
    """Load and check a plan: a shipped plan's name or a path to a YAML file."""
    path = plan_path(name_or_path)
    if not path.is_file():
        raise PlanError(str(path), ["no such plan file"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanError(str(path), [f"not valid YAML: {exc}"]) from exc
    return parse_plan(raw, where=str(path))


# -- Words ------------------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    """A value as people read it: ``8,399``, ``26%``, ``28.6%``, ``£2,300,000``, ``64.0 hours``."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    if unit == "pounds":
        return f"£{value:,.0f}"
    if unit == "hours":
        return f"{value:,.1f} hours"
    if unit == "per_1000":
        return f"{value:,.2f} per 1,000"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def target_value(target: Target, unit: str) -> float:
    """A value target's threshold in the measure's unit (a share's percentage as 0 to 1)."""
    return target.value / 100 if unit == "share" else target.value


def describe_target(target: Target, unit: str) -> str:
    """``at most 8,399 by 31 March 2008``, ``reduce by 4% on 2005/06 by 31 March 2008
    (minimum)``."""
    due = f"{target.due.day} {target.due:%B %Y}"
    if target.kind == "change":
        base = target.baseline.period if target.baseline else "the baseline"
        known = (
            f" ({format_value(target.baseline.value, unit)})"
            if target.baseline and target.baseline.value is not None
            else ""
        )
        text = f"{target.direction} by {target.value:g}% on {base}{known}"
    else:
        words = {
            "increase": "increase to",
            "reduce": "reduce to",
            "at_most": "at most",
            "at_least": "at least",
        }[target.direction]
        text = f"{words} {format_value(target_value(target, unit), unit)}"
    level = "" if target.level == "target" else f" ({target.level})"
    span = f" in {target.span.label}" if target.period else ""
    return f"{text}{span} by {due}{level}"
