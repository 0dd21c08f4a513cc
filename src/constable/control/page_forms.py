"""The pages' forms as posted: the risk questions' answers, the grade chosen over the
recommendation, the place, and every problem as GOV.UK says it, in words and linked to its
field ("Enter what the caller said", not "Description: Field required")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

from constable.api.errors import sentence
from constable.control import service
from constable.control.enums import Grade
from constable.control.triage import TriageError
from constable.errors import ConstableError
from constable.force.locate import OutsideForceError, UnknownNeighbourhoodError
from constable.force.postcodes import PostcodeError

ANSWERS = "answers."
"""The prefix of the THRIVE questions' radio fields: ``answers.danger``."""


# --- Errors in words ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """A problem with one field (``name`` as posted), in words; the summary links to ``anchor``,
    the id of its input (the field's own name when not given)."""

    name: str
    message: str
    anchor: str = ""

    @property
    def href(self) -> str:
        """The link to the input: ``#description``."""
        return f"#{self.anchor or self.name}"


FIELD_WORDS = {
    "description": "What the caller said",
    "caller_name": "The caller's name",
    "caller_phone": "The caller's phone number",
    "location_text": "The address or landmark",
    "postcode": "The postcode",
    "neighbourhood": "The neighbourhood",
    "override_reason": "The reason for a different grade",
    "result": "The result",
    "crime_reference": "The crime reference",
    "closing_category": "The closing category",
}

MISSING = {
    "channel": "Choose how the contact came in",
    "description": "Enter what the caller said",
    "closing_category": "Choose a closing category",
    "result": "Enter the result",
}


def in_words(error: ErrorDetails) -> FieldError:
    """One of Pydantic's errors as a sentence a call handler can act on."""
    loc = [str(part) for part in error["loc"]]
    name = ".".join(loc[:2]) if loc[:1] == ["answers"] else (loc[0] if loc else "")
    what = FIELD_WORDS.get(name, name.replace("_", " ").capitalize())
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        message = MISSING.get(name, f"Enter {what[:1].lower()}{what[1:]}")
    elif kind == "string_too_short":
        message = f"{what} must be {context['min_length']} characters or more"
    elif kind == "string_too_long":
        message = f"{what} must be {context['max_length']:,} characters or fewer"
    elif name == "channel":
        message = MISSING["channel"]
    else:
        message = sentence(str(error["msg"]).removeprefix("Value error, "))
    return FieldError(name or "form", message, anchor_of(name))


def required(values: dict[str, str], names: tuple[str, ...]) -> list[FieldError]:
    """The fields left empty, each with what to do ("Enter what the caller said")."""
    return [
        FieldError(name, MISSING.get(name, f"Enter {name.replace('_', ' ')}"), anchor_of(name))
        for name in names
        if not values.get(name)
    ]


def anchor_of(name: str) -> str:
    """The id of the input a field's error links to: a radio group's first radio."""
    if name.startswith(ANSWERS):
        key = name.removeprefix(ANSWERS)
        found = [q for q in service.rules().questions if q.key == key]
        return f"answer-{key}-{next(iter(found[0].choices))}" if found else "answer-" + key
    if name == "channel":
        return "channel-999"
    return name or "main-content"


def place_error(exc: ConstableError, fields: dict[str, Any]) -> FieldError:
    """A location the locator could not use, on the field it came from."""
    message = sentence(str(exc))
    if isinstance(exc, PostcodeError) or (
        isinstance(exc, OutsideForceError) and fields.get("postcode")
    ):
        return FieldError("postcode", message)
    if isinstance(exc, UnknownNeighbourhoodError | OutsideForceError):
        return FieldError("neighbourhood", message)
    if isinstance(exc, TriageError):
        return FieldError("category", message)
    return FieldError("form", message, "main-content")


def answers_of(values: dict[str, str]) -> tuple[dict[str, str], list[FieldError]]:
    """The answers posted as ``answers.<key>`` radios ("" is "not known": left out)."""
    questions = {q.key: q for q in service.rules().questions}
    answers, errors = {}, []
    for name, value in values.items():
        key = name.removeprefix(ANSWERS)
        if not name.startswith(ANSWERS) or not value:
            continue
        question = questions.get(key)
        if question is None or value not in question.choices:
            ask = question.ask if question else key
            errors.append(FieldError(name, f"Choose an answer to “{ask}”", anchor_of(name)))
        else:
            answers[key] = value
    return answers, errors


def override_of(
    values: dict[str, str], preview: dict[str, Any] | None
) -> tuple[int | None, list[FieldError]]:
    """The grade chosen over the recommendation (None: the recommendation), and whether it has
    the reason it needs. The same grade as the recommendation is no override."""
    chosen = values.get("grade", "")
    if not chosen:
        return None, []
    if not chosen.isdigit() or int(chosen) not in {int(g) for g in Grade}:
        return None, [FieldError("grade", "Choose a grade from the list")]
    if preview is not None and int(chosen) == preview["grade"]:
        return None, []
    if not values.get("override_reason", "").strip():
        return int(chosen), [
            FieldError("override_reason", "Enter why the grade differs from the recommendation")
        ]
    return int(chosen), []


def place_checks(values: dict[str, str]) -> list[FieldError]:
    """One place the locator can find: a postcode or a neighbourhood (an address alone is not)."""
    postcode, hood = values.get("postcode"), values.get("neighbourhood")
    if postcode and hood:
        return [FieldError("location", "Enter a postcode or a neighbourhood, not both", "postcode")]
    if postcode or hood:
        return []
    if values.get("location_text"):
        message = "Enter the postcode or the neighbourhood too: an address alone cannot be placed"
    else:
        message = "Enter where it happened: a postcode, a place or a neighbourhood"
    return [FieldError("location", message, "postcode")]
