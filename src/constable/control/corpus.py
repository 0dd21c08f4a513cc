"""Checking triage rules against a corpus of calls: the share graded acceptably, the dangerous
misses, and the confusion of recommended against strictest acceptable grades.

A corpus is a YAML file of calls, each with what the caller said and the grades a control-room
supervisor would accept (``tests/data/calls*.yaml`` are the project's own; docs/control-room.md
describes the format). A force that edits its triage rules runs ``constable triage check`` on
its corpus before it puts them in service.

A *dangerous miss* is a call that needs an emergency response (Grade 1 is acceptable) that the
rules recommend Grade 3 or 4. A *miss* is any recommendation outside the acceptable grades.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from constable.control.enums import Channel, Grade
from constable.control.triage import TriageError, TriageRules, recommend


class CorpusError(TriageError):
    """A corpus file that cannot be read."""


class Call(BaseModel):
    """A call of the corpus."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    channel: Channel
    says: str = Field(min_length=1)
    category: str
    acceptable: list[Grade] = Field(min_length=1)
    answers: dict[str, str] = Field(default_factory=dict)
    factors: list[str] = Field(default_factory=list, description="risk factors present")
    why: str = ""

    @field_validator("acceptable")
    @classmethod
    def _no_gaps(cls, grades: list[Grade]) -> list[Grade]:
        ordered = sorted(set(grades))
        if ordered != list(range(ordered[0], ordered[-1] + 1)):
            raise ValueError(f"acceptable grades {ordered} leave a gap")
        return ordered

    @property
    def needs_emergency(self) -> bool:
        """Grade 1 is acceptable: a recommendation of 3 or 4 would be a dangerous miss."""
        return Grade.EMERGENCY in self.acceptable


def load_corpus(path: Path) -> list[Call]:
    """The calls of a corpus file, or an error naming the call and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    raw = data.get("calls") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise CorpusError(f"{path}: no `calls:` list")
    calls = []
    for index, item in enumerate(raw, start=1):
        try:
            calls.append(Call.model_validate(item))
        except ValidationError as exc:
            name = item.get("id", f"call {index}") if isinstance(item, dict) else f"call {index}"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise CorpusError(f"{path}: {name}: {problems}") from exc
    repeated = [name for name, n in Counter(c.id for c in calls).items() if n > 1]
    if repeated:
        raise CorpusError(f"{path}: ids repeated: {', '.join(repeated)}")
    return calls


@dataclass(frozen=True)
class Graded:
    """One call as the rules graded it."""

    call: Call
    grade: Grade
    category: str
    reasons: list[str]

    @property
    def acceptable(self) -> bool:
        """The grade is one the supervisor would accept."""
        return self.grade in self.call.acceptable

    @property
    def dangerous(self) -> bool:
        """A call that needs an emergency response, recommended Grade 3 or 4."""
        return self.call.needs_emergency and self.grade >= Grade.SCHEDULED

    @property
    def under(self) -> bool:
        """Less urgent than any acceptable grade."""
        return self.grade > max(self.call.acceptable)


@dataclass
class Score:
    """How a corpus was graded."""

    graded: list[Graded]
    with_category: bool
    confusion: Counter[tuple[int, int]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """Calls graded."""
        return len(self.graded)

    @property
    def acceptable(self) -> int:
        """Calls graded acceptably."""
        return sum(g.acceptable for g in self.graded)

    @property
    def share(self) -> float:
        """The share graded acceptably."""
        return self.acceptable / self.total if self.total else 0.0

    @property
    def dangerous(self) -> list[Graded]:
        """Calls needing an emergency response that were recommended Grade 3 or 4."""
        return [g for g in self.graded if g.dangerous]

    @property
    def under(self) -> list[Graded]:
        """Calls recommended a less urgent grade than any acceptable."""
        return [g for g in self.graded if g.under]

    @property
    def over(self) -> list[Graded]:
        """Calls recommended a more urgent grade than any acceptable."""
        return [g for g in self.graded if g.grade < min(g.call.acceptable)]

    @property
    def categories_right(self) -> int:
        """Calls whose suggested category was the supervisor's (without a category given)."""
        return sum(g.category == g.call.category for g in self.graded)


def score(
    calls: list[Call],
    rules: TriageRules,
    *,
    with_category: bool = False,
    with_answers: bool = True,
) -> Score:
    """Grade every call: from its words alone (the category suggested), or with the corpus's
    category and, where it has them, the handler's answers."""
    graded = []
    confusion: Counter[tuple[int, int]] = Counter()
    for call in calls:
        try:
            result = recommend(
                channel=call.channel,
                rules=rules,
                category=rules.category(call.category) if with_category else None,
                description=call.says,
                answers=call.answers if with_answers else None,
            )
        except TriageError as exc:
            raise CorpusError(f"call {call.id}: {exc}") from exc
        graded.append(Graded(call, result.grade, result.category, result.reasons))
        confusion[(int(min(call.acceptable)), int(result.grade))] += 1
    return Score(graded, with_category, confusion)


@dataclass(frozen=True)
class Fold:
    """One corpus graded by a words model fitted to the other corpora, and by the rules alone."""

    path: Path
    with_model: Score
    rules_alone: Score

    def as_dict(self) -> dict[str, object]:
        """What the model file keeps of the fold."""
        return {
            "file": self.path.name,
            "calls": self.with_model.total,
            "acceptable": self.with_model.acceptable,
            "dangerous": len(self.with_model.dangerous),
            "rules_alone_acceptable": self.rules_alone.acceptable,
            "rules_alone_dangerous": len(self.rules_alone.dangerous),
        }


def cross_validate(
    corpora: list[tuple[Path, list[Call]]],
    rules: TriageRules,
    *,
    done: Callable[[Path], None] | None = None,
) -> list[Fold]:
    """Leave one corpus out: fit the words model to the others and grade the one left out, so
    that every figure is for calls the model never saw (each from the caller's words alone)."""
    from constable.control.wording import fit_model

    if len(corpora) < 2:
        raise CorpusError("cross-validation needs at least two corpus files")
    folds = []
    for index, (path, calls) in enumerate(corpora):
        others = [call for j, (_, cs) in enumerate(corpora) if j != index for call in cs]
        model = fit_model(others)
        folds.append(
            Fold(
                path,
                with_model=score(calls, rules.with_model(model), with_answers=False),
                rules_alone=score(calls, rules.with_model(None), with_answers=False),
            )
        )
        if done is not None:
            done(path)
    return folds
