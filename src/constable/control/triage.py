"""Triage: the risk questions a call handler asks, what the caller's words already answer, and
the grade the answers recommend, with reasons and the answers that would lower it.

Everything a force may change lives in a YAML file (``control/data/triage.yaml`` by default):
the opening categories, the questions (danger, when, offender, weapon, injury, vulnerable, road,
hazard, evidence), the phrases that answer them from a caller's account, the words that suggest
a category, and the rules that turn answers into a grade. The file's ``version`` is kept on
every assessment.

Safety comes first: a question that neither the handler nor the caller's words have answered is
``unknown``, and a rule whose condition allows ``unknown`` fires on what is still possible. The
recommendation then names each answer that would lower it.

>>> rules = load_rules()
>>> result = recommend(channel=Channel.EMERGENCY, rules=rules,
...                    description="there's a man on the bridge saying he wants to end it")
>>> int(result.grade), result.category
(1, 'mental-health')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from constable.control.enums import Channel, Grade
from constable.control.wording import WordsModel, WordsModelError, load_model
from constable.errors import ConstableError

Level = Literal["none", "low", "medium", "high"]
LEVELS: tuple[Level, ...] = ("none", "low", "medium", "high")
LEVEL_FIELDS = ("threat", "harm", "risk", "vulnerability")
THRIVE_FLAGS = ("investigation", "engagement", "thrive_given")
PLACE_CONDITIONS = ("channel", "group", "category")
HEARD = "heard"
"""A condition on the questions answered by the caller's words alone, not by the handler."""
ANSWERED = "answered"
"""A condition on the questions the handler answered (or their THRIVE assessment did)."""
GROUPS = ("crime", "asb", "public_safety", "transport", "administration")
UNKNOWN = "unknown"
"""The value of a question nobody has answered yet, in rules and in :attr:`Factor.value`."""

Source = Literal["answer", "narrative", "thrive", "open"]


class TriageError(ConstableError):
    """Triage rules or an assessment that cannot be used."""


class Thrive(BaseModel):
    """A THRIVE assessment (Threat, Harm, Risk, Investigation, Vulnerability, Engagement), with
    the facts it rests on. Made from the answers, or given by the handler through the API."""

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


# The questions and answers :func:`assess` and the THRIVE facts read: a rules file must keep them.
_ANSWERS_READ = {
    "danger": ("yes", "no"),
    "when": ("now", "recent", "earlier"),
    "offender": ("yes", "no"),
    "weapon": ("yes", "no"),
    "injury": ("serious", "minor", "none"),
    "vulnerable": ("yes",),
    "road": ("yes",),
    "hazard": ("yes",),
    "evidence": ("yes",),
}

# A THRIVE assessment's facts, as answers to the questions (only those the handler set).
_THRIVE_ANSWERS = {
    "life_at_risk": ("danger", "yes", "no"),
    "in_progress": ("when", "now", None),
    "suspect_present": ("offender", "yes", "no"),
    "weapon": ("weapon", "yes", "no"),
    "injury": ("injury", "minor", "none"),
}


class Category(BaseModel):
    """An opening category of the documented list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    label: str
    group: Literal["crime", "asb", "public_safety", "transport", "administration"]
    attend: bool


class Question(BaseModel):
    """A risk question the call handler asks, and its answers (most serious first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z_]+$")
    ask: str
    shortcut: str = Field(pattern=r"^[a-z]$")
    choices: dict[str, str] = Field(min_length=2)
    help: str = ""

    def label(self, value: str) -> str:
        """The words of an answer ("Yes, seriously")."""
        return self.choices.get(value, value)


class Narrative(BaseModel):
    """How the caller's words answer the questions (see the YAML's comments)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    negations: list[str]
    negation_words: int = Field(default=3, ge=1, le=8)
    negated: dict[str, str]
    signals: dict[str, dict[str, list[str]]]
    hints: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="weaker phrases, heard only where no signal answered"
    )
    latest: list[str] = Field(
        default_factory=list,
        description="questions about the state now, answered by the last phrase said",
    )
    no_visit: list[str] = Field(
        default_factory=list, description="phrases saying no visit is wanted or needed"
    )


class WordsModelPolicy(BaseModel):
    """How far the words model may move the rules' grade (docs/control-room.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1, description="the model file, beside the rules file")
    keep_emergency: float = Field(
        ge=0,
        le=1,
        description="a Grade 1 from the rules stays Grade 1 while the model gives Grade 1 at "
        "least this probability; below it, it may become Grade 2, never 3 or 4",
    )
    lower_priority: float = Field(
        ge=0,
        le=1,
        description="a Grade 2 from the rules may become 3 or 4 only while the model gives "
        "Grade 1 less than this probability",
    )
    raise_emergency: float = Field(
        ge=0.5,
        le=1,
        description="the model raises a call to Grade 1 when it gives Grade 1 at least this "
        "probability; it raises no other way",
    )


class Rule(BaseModel):
    """Conditions that, when all hold (and the ``unless`` ones do not), recommend a grade."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: dict[str, Any] = Field(min_length=1)
    unless: list[dict[str, Any]] = Field(
        default_factory=list, description="blocks of conditions; any block that holds stops it"
    )
    grade: Grade
    reason: str

    @model_validator(mode="before")
    @classmethod
    def _one_block(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("unless"), dict):
            return {**data, "unless": [data["unless"]]}
        return data

    @model_validator(mode="after")
    def _blocks_say_something(self) -> Rule:
        # An empty block holds for every call: it would switch the rule off without a word.
        if any(not block for block in self.unless):
            raise ValueError("an `unless` block has no conditions")
        return self


class Factor(BaseModel):
    """A question's answer as the assessment uses it, and where it came from."""

    value: str | None = Field(description="the answer, or None when nobody has answered it")
    source: Source
    evidence: str | None = Field(default=None, description="the caller's words that answered it")


class Lowering(BaseModel):
    """An answer to an open question that would lower the recommended grade."""

    question: str
    ask: str
    answer: str
    answer_label: str
    grade: Grade


class Recommendation(BaseModel):
    """The grade the answers recommend, and why."""

    grade: Grade
    reasons: list[str]
    thrive: Thrive
    derived: bool = Field(description="some answers were read from the caller's words")
    category: str = Field(description="the opening category assessed")
    category_suggested: bool = Field(description="the category was suggested from the words")
    factors: dict[str, Factor]
    lowering: list[Lowering] = Field(description="answers to open questions that would lower it")
    answers: dict[str, str] = Field(description="the handler's own answers")
    version: str = Field(description="the version of the triage rules used")


class TriageRules(BaseModel):
    """The whole triage file, checked, with its phrases compiled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=40)
    sources: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    narrative: Narrative
    category_words: dict[str, list[str]] = Field(default_factory=dict)
    remote_channels: list[Channel] = Field(
        default_factory=list, description="channels whose contacts need no visit by default"
    )
    always_visit: list[str] = Field(
        default_factory=list, description="categories visited whatever the channel"
    )
    fallback: dict[str, str] = Field(default_factory=dict)
    fallback_default: str
    rules: list[Rule] = Field(min_length=1)
    default_grade: Grade
    default_reason: str
    words_model: WordsModelPolicy | None = None

    _model: WordsModel | None = PrivateAttr(default=None)
    _signals: list[tuple[str, str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _hints: list[tuple[str, str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _no_visit: re.Pattern[str] | None = PrivateAttr(default=None)
    _words: list[tuple[str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _negations: frozenset[str] = PrivateAttr(default=frozenset())
    _by_key: dict[str, Question] = PrivateAttr(default_factory=dict)
    _by_code: dict[str, Category] = PrivateAttr(default_factory=dict)
    _ordered: list[_Compiled] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _checked(self) -> TriageRules:
        self._by_key = {q.key: q for q in self.questions}
        self._by_code = {c.code: c for c in self.categories}
        if len(self._by_key) != len(self.questions):
            raise ValueError("questions: a key is repeated")
        for name, codes in (
            ("category_words", list(self.category_words)),
            ("fallback", list(self.fallback.values())),
            ("fallback_default", [self.fallback_default]),
            ("always_visit", self.always_visit),
        ):
            unknown = [code for code in codes if code not in self._by_code]
            if unknown:
                raise ValueError(f"{name}: unknown categories {', '.join(unknown)}")
        for channel in self.fallback:
            if channel not in {c.value for c in Channel}:
                raise ValueError(f"fallback: unknown channel {channel!r}")
        unattended = [
            code
            for code in [*self.fallback.values(), self.fallback_default]
            if not self._by_code[code].attend
        ]
        if unattended:
            # A call whose words name no category must not fall to one never visited.
            raise ValueError(
                f"fallback: {', '.join(unattended)} is not attended: choose a category visited"
            )
        for key, answers in _ANSWERS_READ.items():
            for answer in answers:
                self._answer_of(key, answer, where="questions (the assessment reads it)")
        for key, answer in self.narrative.negated.items():
            self._answer_of(key, answer, where="narrative.negated")
        for index, rule in enumerate(self.rules, start=1):
            blocks = [("when", rule.when)] + [("unless", block) for block in rule.unless]
            for part, block in blocks:
                for key, value in block.items():
                    self._check_condition(key, value, where=f"rules[{index}].{part}.{key}")
        self._signals = self._phrases(self.narrative.signals, "narrative.signals")
        self._hints = self._phrases(self.narrative.hints, "narrative.hints")
        unknown = [key for key in self.narrative.latest if key not in self._by_key]
        if unknown:
            raise ValueError(f"narrative.latest: unknown questions {', '.join(unknown)}")
        if self.narrative.no_visit:
            self._no_visit = _compile(self.narrative.no_visit, "narrative.no_visit")
        self._words = [
            (code, _compile(phrases, f"category_words.{code}"))
            for code, phrases in self.category_words.items()
            if phrases
        ]
        self._negations = frozenset(n.casefold() for n in self.narrative.negations)
        # Most urgent first, so that grading stops at the first grade any rule gives.
        self._ordered = sorted(
            (
                _Compiled(
                    rule.grade,
                    rule.reason,
                    _conditions(rule.when),
                    tuple(_conditions(block) for block in rule.unless),
                )
                for rule in self.rules
            ),
            key=lambda compiled: compiled.grade,
        )
        return self

    def _phrases(
        self, lists: dict[str, dict[str, list[str]]], where: str
    ) -> list[tuple[str, str, re.Pattern[str]]]:
        compiled = []
        for key, answers in lists.items():
            for value, phrases in answers.items():
                self._answer_of(key, value, where=f"{where}.{key}")
                if phrases:
                    compiled.append((key, value, _compile(phrases, f"{where}.{key}.{value}")))
        return compiled

    def _answer_of(self, key: str, value: str, *, where: str) -> None:
        """Refuse an answer that is not one of the question's, naming where it stands."""
        question = self._by_key.get(key)
        if question is None:
            raise ValueError(f"{where}: unknown question {key!r}")
        if value not in question.choices:
            raise ValueError(f"{where}: {value!r} is not an answer to {key!r}")

    def _check_condition(self, key: str, value: Any, *, where: str) -> None:
        values = value if isinstance(value, list) else [value]
        if key in self._by_key:
            allowed = {*self._by_key[key].choices, UNKNOWN}
            wrong = [str(v) for v in values if not isinstance(v, str) or v not in allowed]
            if wrong:
                raise ValueError(
                    f"{where}: {', '.join(wrong)} not one of {', '.join(sorted(allowed))}"
                    + (
                        ' (quote "yes" and "no": YAML reads them as true and false)'
                        if any(isinstance(v, bool) for v in values)
                        else ""
                    )
                )
        elif key in LEVEL_FIELDS:
            if value not in LEVELS:
                raise ValueError(f"{where}: {value!r}, must be one of {', '.join(LEVELS)}")
        elif key in THRIVE_FLAGS:
            if not isinstance(value, bool):
                raise ValueError(f"{where}: {value!r}, must be true or false")
        elif key in (HEARD, ANSWERED):
            if not isinstance(value, list) or any(v not in self._by_key for v in value):
                raise ValueError(f"{where}: must be a list of question keys")
        elif key in PLACE_CONDITIONS:
            if not isinstance(value, list):
                raise ValueError(f"{where}: must be a list")
            known = {
                "channel": [c.value for c in Channel],
                "group": list(GROUPS),
                "category": list(self._by_code),
            }[key]
            unknown = [str(v) for v in value if str(v) not in known]
            if unknown:
                raise ValueError(
                    f"{where}: unknown {key} {', '.join(unknown)}; the {key}s are: "
                    f"{', '.join(known)}"
                )
        else:
            raise ValueError(f"{where}: unknown condition {key!r}")

    @property
    def model(self) -> WordsModel | None:
        """The words model these rules use, if any."""
        return self._model

    def with_model(self, model: WordsModel | None) -> TriageRules:
        """The same rules with another words model, or none (to measure either alone)."""
        copy = self.model_copy()
        copy._model = model
        return copy

    def category(self, code: str) -> Category:
        """The category with this code, or an error listing the codes."""
        found = self._by_code.get(code)
        if found is None:
            codes = ", ".join(c.code for c in self.categories)
            raise TriageError(f"unknown opening category {code!r}; the categories are: {codes}")
        return found

    def question(self, key: str) -> Question:
        """The question with this key."""
        return self._by_key[key]

    def check_answers(self, answers: Mapping[str, str]) -> dict[str, str]:
        """The answers as given, or an error naming the question or answer that is wrong."""
        checked = {}
        for key, value in answers.items():
            question = self._by_key.get(key)
            if question is None:
                keys = ", ".join(self._by_key)
                raise TriageError(f"answers: unknown question {key!r}; the questions are: {keys}")
            if value not in question.choices:
                choices = ", ".join(question.choices)
                raise TriageError(f"answers.{key}: {value!r} is not one of {choices}")
            checked[key] = value
        return checked


def _compile(phrases: list[str], where: str) -> re.Pattern[str]:
    for phrase in phrases:
        # The words are matched in lower case (four times faster than ignoring case).
        if any(c.isupper() for c in re.sub(r"\\.", "", phrase)):
            raise ValueError(f"{where}: write the phrase {phrase!r} in lower case")
        # A phrase that can match no text at all would match every call.
        try:
            empty = any(m.end() == m.start() for m in re.finditer(phrase, "a b.  c"))
        except re.error:
            empty = False  # named with the phrase below
        if empty:
            raise ValueError(f"{where}: the phrase {phrase!r} can match an empty text")
        # YAML's double quotes read "\b" as a backspace: a word boundary lost without a word.
        if any(ord(c) < 32 for c in phrase):
            raise ValueError(
                f"{where}: the phrase {phrase!r} holds a control character: in double quotes "
                'write "\\\\b" for a word boundary, or use single quotes'
            )
    try:
        return re.compile(_by_first_letter(phrases))
    except re.error as exc:
        for phrase in phrases:
            try:
                re.compile(phrase)
            except re.error as bad:
                raise ValueError(f"{where}: the phrase {phrase!r} is not valid: {bad}") from bad
        raise ValueError(f"{where}: {exc}") from exc


def _first_letters(phrase: str) -> frozenset[str] | None:
    """The letters a phrase can start with, or None if that cannot be told (from the regular
    expression compiler's own prefix analysis)."""
    try:
        parsed = re._parser.parse(phrase)  # type: ignore[attr-defined]
        charset = re._compiler._get_charset_prefix(parsed, 0)  # type: ignore[attr-defined]
        if charset is None:
            literal = re._compiler._get_literal_prefix(parsed, 0)[0]  # type: ignore[attr-defined]
            return frozenset(chr(literal[0])) if literal else None
    except Exception:  # private helpers: should they change, match without grouping
        return None
    if any(op is not re._constants.LITERAL for op, _ in charset):  # type: ignore[attr-defined]
        return None
    return frozenset(chr(code) for _, code in charset)


_GROUPED_FROM = 150
"""Phrases in a list from which grouping by first letter pays (measured on the corpora)."""


def _by_first_letter(phrases: list[str]) -> str:
    """One pattern for the phrases, grouped by the letter each starts with: at each word the
    engine tries only the phrases that can start there (a long list took 0.6 ms a call)."""
    plain = r"\b(?:" + "|".join(f"(?:{p})" for p in phrases) + ")"
    if len(phrases) < _GROUPED_FROM:
        return plain  # a short list is faster tried whole than letter by letter
    groups: dict[str, list[str]] = {}
    anywhere: list[str] = []
    for phrase in phrases:
        letters = _first_letters(phrase)
        if letters is None:
            anywhere.append(phrase)
        else:
            for letter in letters:
                groups.setdefault(letter, []).append(phrase)
    branches = [
        f"(?={re.escape(letter)})(?:" + "|".join(f"(?:{p})" for p in group) + ")"
        for letter, group in sorted(groups.items())
    ]
    branches += [f"(?:{p})" for p in anywhere]
    return r"\b(?:" + "|".join(branches) + ")"


@lru_cache
def load_rules(path: str | None = None, *, words_model: bool = True) -> TriageRules:
    """The triage rules from ``path``, or the shipped defaults; ``words_model`` False leaves
    out the words model they name (to fit a new one, or to measure the rules alone)."""
    if path is None:
        text = (resources.files("constable.control") / "data" / "triage.yaml").read_text("utf-8")
        where = "triage.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    try:
        rules = TriageRules.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise TriageError(f"{where}: {exc}") from exc
    if rules.words_model is not None and words_model:
        # The shipped rules name the shipped model; a force's rules name a file beside them.
        name = rules.words_model.file
        try:
            rules._model = load_model(None if path is None else str(Path(path).parent / name))
        except WordsModelError as exc:
            raise TriageError(f"{where}: words_model: {exc}") from exc
    return rules


# --- Reading the caller's words ------------------------------------------------------------------

_CLAUSE_END = re.compile(
    # Punctuation, brackets, quotes and dashes end a clause, and so do the words that join
    # clauses and a new subject: "no, get off me" and "he hasn't gone he's still outside"
    # negate nothing after them.
    r"[.,!?;:\n\[\]()\"“”]| - |–|—"
    r"|\b(and|but|though|however|although)\b"
    r"|\b(he|she|they|i|we|you|someone|somebody)('s|'re|'m| is| are| was| were)\b"
)
_OWN_SUBJECT = re.compile(r"(he|she|they|i|we|you|someone|somebody|there)('s|'re|'m| is| are)\b")
_WORD = re.compile(r"[\w'’-]+")


# Texting and dropped letters, written out so that the phrases need one spelling: "hes beatin
# her rite now" reads as "he's beating her right now".
_SPELLED_OUT = {
    "rite": "right",
    "nite": "night",
    "tonite": "tonight",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "cos": "because",
    "coz": "because",
    "wiv": "with",
    "goin": "going",
    "doin": "doing",
    "im": "i'm",
    "ive": "i've",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "theres": "there's",
    "youre": "you're",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "doesnt": "doesn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "arent": "aren't",
    "werent": "weren't",
}
# Words that end in "in" and are not a dropped "ing" ("begin", "cabin", "violin"...).
_IN_WORDS = frozenset(
    [
        "begin",
        "within",
        "cabin",
        "robin",
        "basin",
        "margin",
        "raisin",
        "muffin",
        "coffin",
        "violin",
        "toxin",
        "satin",
        "latin",
        "admin",
        "cumin",
        "vermin",
        "pumpkin",
        "napkin",
        "bodkin",
        "dublin",
        "berlin",
        "kevin",
        "martin",
        "justin",
        "dolphin",
        "griffin",
        "insulin",
        "aspirin",
        "penicillin",
        "vitamin",
        "cousin",
        "resin",
        "erin",
        "origin",
        "virgin",
        "skin",
        "chin",
        "thin",
        "shin",
        "spin",
        "grin",
        "twin",
        "akin",
        "cabin",
        "pippin",
        "bobbin",
        "puffin",
        "goblin",
        "gremlin",
        "muslin",
        "denim",
        "mandolin",
    ]
)
_TEXTING = re.compile(r"\b(" + "|".join(_SPELLED_OUT) + r")\b")
_DROPPED_G = re.compile(r"\b([a-z]{2,}[^aeiou\W])in'?(?=\W|$)")


def _words_of(description: str) -> str:
    """The caller's words as the phrases are matched: lower case, plain apostrophes, texting
    and dropped g's written out."""
    text = description.replace("’", "'").lower()
    text = _TEXTING.sub(lambda m: _SPELLED_OUT[m.group(1)], text)

    def restore(match: re.Match[str]) -> str:
        word = match.group(0).rstrip("'")
        return word if word in _IN_WORDS else match.group(1) + "ing"

    return _DROPPED_G.sub(restore, text)


def _negated_phrase(text: str, match: re.Match[str], rules: TriageRules) -> bool:
    """Whether a phrase found is negated: not when it begins with its own subject ("he's still
    outside"); a long one only by the word right before it ("not with her, trying to get her
    into his car")."""
    said = match.group(0)
    if _OWN_SUBJECT.match(said):
        return False
    return _negated(text, match.start(), rules, words=1 if said.count(" ") >= 3 else None)


def _negated(text: str, start: int, rules: TriageRules, *, words: int | None = None) -> bool:
    """Whether a negation stands a few words (``words``, or the rules' number) before
    ``start``, in the same clause."""
    before = text[max(0, start - 80) : start]
    clause = _CLAUSE_END.split(before)[-1]
    before_words = [w.removesuffix("'s") for w in _WORD.findall(clause)]
    before_words = before_words[-(words or rules.narrative.negation_words) :]
    negations = rules._negations
    pairs = [f"{a} {b}" for a, b in pairwise(before_words)]
    return any(w in negations for w in before_words) or any(p in negations for p in pairs)


def read_narrative(description: str, rules: TriageRules) -> dict[str, tuple[str, str]]:
    """The answers the caller's words give: question → (answer, the words that gave it).

    Each question takes its most serious answer found; a phrase after a negation gives the
    question's negated answer instead ("nobody hurt" answers *injury* with *none*). Hints, the
    weaker phrases, answer only the questions that the signals left open, except for questions
    about the state now (``latest``), which the last thing said answers, signal or hint.
    """
    text = _words_of(description)
    signals = _heard(text, rules._signals, rules)
    hints = _heard(text, rules._hints, rules)
    read = {}
    for key in {*signals, *hints}:
        found = signals.get(key) or hints[key]
        if key in rules.narrative.latest and key in signals and key in hints:
            found = max(signals[key], hints[key], key=lambda f: f[2])
        read[key] = (found[0], found[1])
    return read


def _heard(
    text: str, phrases: list[tuple[str, str, re.Pattern[str]]], rules: TriageRules
) -> dict[str, tuple[str, str, int]]:
    """Question → (answer, the words, where they were said)."""
    found: dict[str, dict[str, tuple[int, str]]] = {}
    latest = set(rules.narrative.latest)
    for key, value, pattern in phrases:
        for match in pattern.finditer(text):
            answer: str | None = value
            if _negated_phrase(text, match, rules):
                negated = rules.narrative.negated.get(key)
                answer = None if negated in (None, value) else negated
            if answer is None:
                continue
            said = (match.start(), match.group(0).strip())
            answers = found.setdefault(key, {})
            # Where the last thing said counts, keep each answer's last phrase; else its first.
            if answer not in answers or key in latest:
                answers[answer] = said
            if answer == value and key not in latest:
                break
    read = {}
    for key, answers in found.items():
        if key in latest:
            value = max(answers, key=lambda v: answers[v][0])
        else:  # the most serious
            value = next(v for v in rules.question(key).choices if v in answers)
        read[key] = (value, answers[value][1], answers[value][0])
    return read


def no_visit_asked(description: str, rules: TriageRules) -> str | None:
    """The caller's words that say no visit is wanted or needed ("a crime number for my
    insurance"), if any."""
    if rules._no_visit is None:
        return None
    text = _words_of(description)
    for match in rules._no_visit.finditer(text):
        if not _negated_phrase(text, match, rules):
            return match.group(0).strip()
    return None


def suggest_category(description: str, channel: Channel, rules: TriageRules) -> Category:
    """The opening category the caller's words suggest: the most phrases found, not negated."""
    text = _words_of(description)
    best: tuple[int, int] = (0, 0)
    chosen: str | None = None
    for order, (code, pattern) in enumerate(rules._words):
        hits = {m.group(0) for m in pattern.finditer(text) if not _negated(text, m.start(), rules)}
        score = (len(hits), -order)
        if hits and score > best:
            best, chosen = score, code
    if chosen is None:
        chosen = rules.fallback.get(channel.value, rules.fallback_default)
    return rules.category(chosen)


# --- From answers to a grade ---------------------------------------------------------------------


def _at_least(level: Level, minimum: Level) -> bool:
    return LEVELS.index(level) >= LEVELS.index(minimum)


def assess(facts: Mapping[str, str], category: Category, *, no_visit: bool = False) -> Thrive:
    """The THRIVE assessment the answers make (``unknown`` counts as not known to be so);
    ``no_visit``: the caller says no visit is wanted, which counts unless a risk needs one."""

    def yes(key: str) -> bool:
        return facts.get(key) == "yes"

    now = facts.get("when") == "now"
    injury = facts.get("injury", UNKNOWN)
    hurt = injury in ("minor", "serious")
    admin = category.group == "administration"
    threat: Level = "none" if admin else "low"
    if now or yes("offender") or (yes("weapon") and not admin):
        threat = "medium"
    if yes("danger") or (yes("weapon") and now):
        threat = "high"
    harm: Level = "high" if yes("danger") or injury == "serious" else "medium" if hurt else "low"
    risk: Level = "high" if yes("danger") else "medium" if yes("vulnerable") else "low"
    vulnerability: Level = "low"
    if yes("vulnerable"):
        vulnerability = "high" if (yes("danger") or injury == "serious" or now) else "medium"
    recent = facts.get("when") in ("now", "recent")
    # What makes a visit needed even where the category alone would not: in an enquiry or a
    # report of information, only harm or a danger does.
    serious = yes("danger") or hurt or yes("hazard") or yes("road")
    if not admin:
        serious = serious or now or yes("offender") or yes("vulnerable")
    return Thrive.model_construct(  # the levels are made here, not given: nothing to check
        threat=threat,
        harm=harm,
        risk=risk,
        investigation=yes("evidence") or (recent and category.group == "crime"),
        vulnerability=vulnerability,
        engagement=(category.attend and not no_visit) or serious,
        life_at_risk=yes("danger"),
        in_progress=now,
        suspect_present=yes("offender"),
        weapon=yes("weapon"),
        injury=hurt,
    )


@dataclass(frozen=True)
class _Case:
    """What the rules are tested against."""

    facts: Mapping[str, str]
    thrive: Thrive
    channel: Channel
    category: Category
    thrive_given: bool
    heard: frozenset[str] = frozenset()
    answered: frozenset[str] = frozenset()


Condition = tuple[str, str, Any]
"""A rule's condition made ready: (kind, key, what it needs)."""


@dataclass(frozen=True)
class _Compiled:
    """A rule made ready to test quickly (a recommendation tests the rules about 30 times)."""

    grade: Grade
    reason: str
    when: tuple[Condition, ...]
    unless: tuple[tuple[Condition, ...], ...]


def _conditions(block: Mapping[str, Any]) -> tuple[Condition, ...]:
    made: list[Condition] = []
    for key, value in block.items():
        if key in LEVEL_FIELDS:
            made.append(("level", key, LEVELS.index(value)))
        elif key == "thrive_given":
            made.append(("given", key, value))
        elif key in (HEARD, ANSWERED):
            made.append((key, key, frozenset(value)))
        elif key in THRIVE_FLAGS:
            made.append(("flag", key, value))
        elif key in PLACE_CONDITIONS:
            made.append((key, key, frozenset(str(v) for v in value)))
        else:
            values = value if isinstance(value, list) else [value]
            made.append(("fact", key, frozenset(str(v) for v in values)))
    return tuple(made)


def _holds(condition: Condition, case: _Case) -> bool:
    kind, key, value = condition
    if kind == "fact":
        return case.facts.get(key, UNKNOWN) in value
    if kind == "level":
        return bool(LEVELS.index(getattr(case.thrive, key)) >= value)
    if kind == "channel":
        return case.channel.value in value
    if kind == "group":
        return case.category.group in value
    if kind == "category":
        return case.category.code in value
    if kind == "given":
        return case.thrive_given is value
    if kind == HEARD:
        return bool(value <= case.heard)
    if kind == ANSWERED:
        return bool(value <= case.answered)
    return bool(getattr(case.thrive, key) is value)


def _matches(rule: _Compiled, case: _Case) -> bool:
    for condition in rule.when:
        if not _holds(condition, case):
            return False
    return not any(all(_holds(c, case) for c in block) for block in rule.unless)


def _grade(case: _Case, rules: TriageRules) -> tuple[Grade, list[str]]:
    grade: Grade | None = None
    reasons: list[str] = []
    for rule in rules._ordered:
        if grade is not None and rule.grade > grade:
            break
        if _matches(rule, case):
            grade = rule.grade
            reasons.append(rule.reason)
    if grade is None:
        return rules.default_grade, [rules.default_reason]
    return grade, reasons


def _more_serious(question: Question, heard: tuple[str, str] | None, answer: str) -> bool:
    """Whether the words gave a more serious answer than a THRIVE fact (a yes or no) does."""
    if heard is None:
        return False
    order = list(question.choices)
    return order.index(heard[0]) < order.index(answer)


def _thrive_answers(thrive: Thrive) -> dict[str, str]:
    """The facts a handler set in a THRIVE assessment, as answers."""
    answers = {}
    for name in thrive.model_fields_set & set(_THRIVE_ANSWERS):
        key, if_true, if_false = _THRIVE_ANSWERS[name]
        value = if_true if getattr(thrive, name) else if_false
        if value is not None:
            answers[key] = value
    if thrive.injury and _at_least(thrive.harm, "high"):
        answers["injury"] = "serious"
    return answers


def recommend(
    *,
    channel: Channel,
    rules: TriageRules,
    category: Category | None = None,
    description: str = "",
    answers: Mapping[str, str] | None = None,
    thrive: Thrive | None = None,
) -> Recommendation:
    """The recommended grade for a contact, from the handler's answers, a THRIVE assessment
    they gave, and the caller's words, in that order; unanswered questions stay open.

    ``category`` None takes the category the words suggest.
    """
    given = rules.check_answers(answers or {})
    suggested = category is None
    chosen = category or suggest_category(description, channel, rules)
    from_thrive = _thrive_answers(thrive) if thrive is not None else {}
    read = read_narrative(description, rules) if description else {}
    factors: dict[str, Factor] = {}
    for question in rules.questions:
        key = question.key
        if key in given:
            factors[key] = Factor(value=given[key], source="answer")
        elif key in from_thrive and not _more_serious(question, read.get(key), from_thrive[key]):
            factors[key] = Factor(value=from_thrive[key], source="thrive")
        elif key in read:
            factors[key] = Factor(value=read[key][0], source="narrative", evidence=read[key][1])
        else:
            factors[key] = Factor(value=None, source="open")
    facts = {key: f.value or UNKNOWN for key, f in factors.items()}

    heard = frozenset(key for key, f in factors.items() if f.source == "narrative")
    answered = frozenset(key for key, f in factors.items() if f.source in ("answer", "thrive"))
    no_visit = no_visit_asked(description, rules) if description else None
    remote = channel in rules.remote_channels and chosen.code not in rules.always_visit

    def case(facts: Mapping[str, str]) -> _Case:
        assessed = (
            thrive
            if thrive is not None
            else assess(facts, chosen, no_visit=no_visit is not None or remote)
        )
        return _Case(facts, assessed, channel, chosen, thrive is not None, heard, answered)

    grade, reasons = _grade(case(facts), rules)
    lowering = _lowering(facts, grade, case, rules)
    version = rules.version
    # The model reads words only: once the handler answers, their answers and the rules decide.
    model, policy = rules.model, rules.words_model
    if model is not None and policy is not None and description and not given and thrive is None:
        probs = model.probabilities(channel, description)
        worded, why = _words_grade(grade, probs, channel, policy)
        if why:
            fitted = sum(int(item.get("calls", 0)) for item in model.trained_on)
            reasons.insert(0, f"{why} (the words model, fitted to {fitted:,} graded calls).")
        grade = worded
        lowering = [lower for lower in lowering if lower.grade > grade]
        version = f"{rules.version}+{model.version}"
    for lower in lowering:
        reasons.append(
            f"Answering “{lower.answer_label}” to “{lower.ask}” would lower it to "
            f"{lower.grade.label}."
        )
    if grade == Grade.RESOLVED_WITHOUT_DEPLOYMENT and chosen.attend:
        if no_visit is not None:
            reasons.append(f"The caller's words say no visit is needed (“{no_visit}”).")
        elif remote:
            reasons.append(f"Reported {channel.value}: no visit unless a risk needs one.")
    derived = any(f.source == "narrative" for f in factors.values())
    if derived:
        reasons.append("Some answers were read from the caller's words: the handler confirms them.")
    elif not given and thrive is None:
        reasons.append("No risk question is answered yet: the handler asks them to confirm it.")
    if suggested:
        reasons.append(f"Category suggested from the caller's words: {chosen.label}.")
    return Recommendation(
        grade=grade,
        reasons=reasons,
        thrive=case(facts).thrive,
        derived=derived,
        category=chosen.code,
        category_suggested=suggested,
        factors=factors,
        lowering=lowering,
        answers=given,
        version=version,
    )


def _words_grade(
    grade: Grade, probs: np.ndarray, channel: Channel, policy: WordsModelPolicy
) -> tuple[Grade, str]:
    """The grade after the words model, within the rules' safety bounds, and why it moved.

    The model raises a call only to Grade 1, and only when it is sure; otherwise it may lower
    the rules' grade: Grade 1 to 2 when Grade 1 is unlikely, Grade 2 to 3 or 4 when Grade 1 is
    very unlikely, Grade 3 to 4. A 999 call stays at least Grade 2.
    """
    likeliest = Grade(int(np.argmax(probs)) + 1)
    emergency = float(probs[0])
    said = f"Calls worded like this were most often {likeliest.label} ({probs.max():.0%})"
    bound = ""
    if emergency >= policy.raise_emergency:
        worded = Grade.EMERGENCY
    elif grade == Grade.EMERGENCY:
        worded = grade if emergency >= policy.keep_emergency else min(likeliest, Grade.PRIORITY)
        if likeliest > worded > grade:
            bound = "the rules heard a possible emergency"
    elif grade == Grade.PRIORITY and likeliest > grade and emergency >= policy.lower_priority:
        worded, bound = grade, f"Grade 1 is still {emergency:.0%} likely"
    else:
        worded = max(likeliest, grade)
    if channel == Channel.EMERGENCY and worded > max(grade, Grade.PRIORITY):
        worded = max(grade, Grade.PRIORITY)
        bound = "a 999 call stays Grade 2 until danger is answered"
    if worded == grade:
        return grade, ""
    kept = f", kept at {worded.label} because {bound}" if bound else ""
    return worded, f"{said}{kept}; the rules alone gave {grade.label}"


def _lowering(
    facts: dict[str, str],
    grade: Grade,
    case: Callable[[Mapping[str, str]], _Case],
    rules: TriageRules,
) -> list[Lowering]:
    """For each open question, the answer that would lower the grade most, if any does."""
    found = []
    for key, value in facts.items():
        if value != UNKNOWN:
            continue
        question = rules.question(key)
        best: tuple[Grade, str] | None = None
        for answer in question.choices:
            lowered, _ = _grade(case({**facts, key: answer}), rules)
            if lowered > grade and (best is None or lowered > best[0]):
                best = (lowered, answer)
        if best is not None:
            found.append(
                Lowering(
                    question=key,
                    ask=question.ask,
                    answer=best[1],
                    answer_label=question.label(best[1]),
                    grade=best[0],
                )
            )
    return found
