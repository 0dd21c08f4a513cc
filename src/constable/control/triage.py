"""THRIVE triage: a structured assessment of a contact, and the grade it recommends, with reasons.

THRIVE is Threat, Harm, Risk, Investigation, Vulnerability and Engagement. The rules that turn an
assessment into a grade, the opening categories and the description keywords live in a YAML file
(``control/data/triage.yaml`` by default), not in code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from constable.control.enums import Channel, Grade
from constable.errors import ConstableError

Level = Literal["none", "low", "medium", "high"]
LEVELS: tuple[Level, ...] = ("none", "low", "medium", "high")
FACTS = ("life_at_risk", "in_progress", "suspect_present", "weapon", "injury")
LEVEL_FIELDS = ("threat", "harm", "risk", "vulnerability")
BOOL_FIELDS = ("investigation", "engagement", *FACTS)


class TriageError(ConstableError):
    """Triage rules or an assessment that cannot be used."""


class Thrive(BaseModel):
    """A THRIVE assessment, with the facts it rests on."""

    model_config = ConfigDict(extra="forbid")

    threat: Level = "low"
    harm: Level = "low"
    risk: Level = "low"
    investigation: bool = Field(
        default=False,
        description="an opportunity (evidence, a suspect) that prompt attendance keeps",
    )
    vulnerability: Level = "low"
    engagement: bool = Field(default=True, description="police attendance is needed to resolve it")
    life_at_risk: bool = False
    in_progress: bool = False
    suspect_present: bool = False
    weapon: bool = False
    injury: bool = False


class Category(BaseModel):
    """An opening category of the documented list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    label: str
    group: Literal["crime", "asb", "public_safety", "transport", "administration"]
    attend: bool


class Rule(BaseModel):
    """Conditions that, when all hold, recommend a grade for a reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: dict[str, Any]
    grade: Grade
    reason: str

    @model_validator(mode="after")
    def _known_conditions(self) -> Rule:
        for key, value in self.when.items():
            if key in LEVEL_FIELDS:
                if value not in LEVELS:
                    raise ValueError(f"{key} == {value!r}, must be one of {', '.join(LEVELS)}")
            elif key in BOOL_FIELDS:
                if not isinstance(value, bool):
                    raise ValueError(f"{key} == {value!r}, must be true or false")
            elif key in ("channel", "group", "category"):
                if not isinstance(value, list):
                    raise ValueError(f"{key} must be a list")
            else:
                raise ValueError(f"unknown condition {key!r}")
        return self

    def matches(self, thrive: Thrive, *, channel: Channel, category: Category) -> bool:
        """Whether every condition holds."""
        return all(
            self._holds(key, value, thrive, channel, category) for key, value in self.when.items()
        )

    @staticmethod
    def _holds(key: str, value: Any, thrive: Thrive, channel: Channel, category: Category) -> bool:
        if key in LEVEL_FIELDS:
            return LEVELS.index(getattr(thrive, key)) >= LEVELS.index(value)
        if key in BOOL_FIELDS:
            return bool(getattr(thrive, key) is value)
        actual = {"channel": channel.value, "group": category.group, "category": category.code}
        return actual[key] in [str(v) for v in value]


class TriageRules(BaseModel):
    """The whole triage file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[Category] = Field(min_length=1)
    keywords: dict[str, list[str]]
    rules: list[Rule] = Field(min_length=1)
    default_grade: Grade
    default_reason: str

    @model_validator(mode="after")
    def _keyword_facts(self) -> TriageRules:
        unknown = set(self.keywords) - {*FACTS, "vulnerable", "past"}
        if unknown:
            raise ValueError(f"unknown keyword groups: {', '.join(sorted(unknown))}")
        return self

    def category(self, code: str) -> Category:
        """The category with this code, or an error listing the codes."""
        for category in self.categories:
            if category.code == code:
                return category
        codes = ", ".join(c.code for c in self.categories)
        raise TriageError(f"unknown opening category {code!r}; the categories are: {codes}")


class Recommendation(BaseModel):
    """The grade THRIVE recommends, and why."""

    grade: Grade
    reasons: list[str]
    thrive: Thrive
    derived: bool = Field(description="the assessment was derived from the description")


@lru_cache
def load_rules(path: str | None = None) -> TriageRules:
    """The triage rules from ``path``, or the shipped defaults."""
    if path is None:
        text = (resources.files("constable.control") / "data" / "triage.yaml").read_text("utf-8")
        where = "triage.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    try:
        return TriageRules.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise TriageError(f"{where}: {exc}") from exc


_NEGATION = re.compile(
    r"\b(no|not|nobody|no one|none|without|isn't|wasn't|aren't|weren't|never)\W+(\w+\W+){0,2}$"
)


@lru_cache(maxsize=64)
def _starts(words: tuple[str, ...]) -> re.Pattern[str]:
    # A look-ahead matches at every place one of the words starts, even inside another's match.
    return re.compile(r"\b(?=" + "|".join(re.escape(word) for word in words) + ")")


def _found(words: list[str], text: str) -> bool:
    """Whether any word starts a word in ``text``, not just after a negation ("no one hurt")."""
    if not words:
        return False
    for match in _starts(tuple(words)).finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 30) : match.start()]):
            return True
    return False


def derive(description: str, category: Category, rules: TriageRules) -> Thrive:
    """A first THRIVE assessment from the caller's words and the category, for the handler
    to confirm: keyword matches set the facts, and the facts set the levels."""
    text = description.casefold()
    found = {group: _found(words, text) for group, words in rules.keywords.items()}
    in_progress = found.get("in_progress", False) and not found.get("past", False)
    life = found.get("life_at_risk", False)
    weapon = found.get("weapon", False)
    suspect = found.get("suspect_present", False)
    injury = found.get("injury", False)
    vulnerable = found.get("vulnerable", False)
    threat: Level = "low" if category.group != "administration" else "none"
    if in_progress or suspect or weapon:
        threat = "medium"
    if life or (weapon and in_progress):
        threat = "high"
    harm: Level = "high" if life else "medium" if injury else "low"
    vulnerability: Level = "low"
    if vulnerable:
        vulnerability = "high" if (life or injury) else "medium"
    return Thrive(
        threat=threat,
        harm=harm,
        risk="medium" if (vulnerable or suspect) else "low",
        investigation=in_progress or suspect,
        vulnerability=vulnerability,
        engagement=category.attend or life or in_progress or injury,
        life_at_risk=life,
        in_progress=in_progress,
        suspect_present=suspect,
        weapon=weapon,
        injury=injury,
    )


def recommend(
    *,
    channel: Channel,
    category: Category,
    rules: TriageRules,
    thrive: Thrive | None = None,
    description: str = "",
) -> Recommendation:
    """The recommended grade for a contact, from its THRIVE assessment (derived if not given)."""
    derived = thrive is None
    assessment = thrive if thrive is not None else derive(description, category, rules)
    matched = [r for r in rules.rules if r.matches(assessment, channel=channel, category=category)]
    if not matched:
        return Recommendation(
            grade=rules.default_grade,
            reasons=[rules.default_reason],
            thrive=assessment,
            derived=derived,
        )
    grade = min(r.grade for r in matched)
    reasons = [r.reason for r in matched if r.grade == grade]
    if derived:
        reasons.append("Assessed from the caller's description: the handler should confirm it.")
    return Recommendation(grade=grade, reasons=reasons, thrive=assessment, derived=derived)
