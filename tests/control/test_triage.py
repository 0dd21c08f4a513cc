"""THRIVE triage: the seeds' 999 and 101 examples, overrides, and the rules file's checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from constable.control.enums import Channel, Grade
from constable.control.triage import Thrive, TriageError, load_rules, recommend

RULES = load_rules()


def grade_of(channel: str, category: str, description: str) -> tuple[Grade, list[str]]:
    result = recommend(
        channel=Channel(channel),
        category=RULES.category(category),
        rules=RULES,
        description=description,
    )
    return result.grade, result.reasons


@pytest.mark.parametrize(
    ("category", "description"),
    [
        # Seed 000's 999 calls: serious crime, in progress, suspects on premises, life in danger.
        ("concern-for-safety", "My dad has collapsed and is not breathing"),
        ("crime-burglary", "Someone is breaking in right now and they are still inside"),
        ("crime-violence", "A man with a knife is attacking people outside the station"),
        ("crime-robbery", "I am being robbed at knifepoint right now"),
        ("mental-health", "My friend says she is going to jump from the bridge"),
        ("crime-public-order", "A man is threatening his neighbour with a knife in the street"),
        ("crime-violence", "My ex is outside and says he is going to kill me"),
    ],
)
def test_seed_999_examples_are_grade_1(category: str, description: str) -> None:
    grade, reasons = grade_of("999", category, description)
    assert grade is Grade.EMERGENCY
    assert reasons and all(reason.endswith(".") for reason in reasons)


def test_a_life_in_danger_says_so() -> None:
    grade, reasons = grade_of("999", "concern-for-safety", "Woman unconscious, not breathing")
    assert grade == 1
    assert "Someone is in immediate danger or at risk of serious harm." in reasons


@pytest.mark.parametrize(
    ("category", "description", "grades"),
    [
        # Seed 000's 101 calls.
        ("crime-vehicle", "My car was stolen overnight from outside my house", {3, 4}),
        ("crime-damage", "Someone damaged my fence last week", {3, 4}),
        (
            "crime-drugs",
            "I suspect drug dealing from the flat opposite, it happens most evenings",
            {3, 4},
        ),
        ("rtc-damage", "A minor collision in the car park, no one hurt, details exchanged", {4}),
        ("information", "I have information about who is selling stolen bikes", {4}),
        ("contact-officer", "I would like to speak to my local officer about parking", {4}),
        ("crime-burglary", "I came back to find my shed broken into sometime yesterday", {3}),
    ],
)
def test_seed_101_examples_are_scheduled_or_resolved(
    category: str, description: str, grades: set[int]
) -> None:
    grade, reasons = grade_of("101", category, description)
    assert grade in grades, reasons
    assert any("confirm" in r for r in reasons)  # derived assessments say so


def test_negation_does_not_raise_the_grade() -> None:
    assert grade_of("101", "rtc-damage", "Collision, nobody hurt")[0] == 4
    assert grade_of("101", "rtc-damage", "Collision, the driver is hurt")[0] == 2


def test_a_handlers_assessment_is_used_as_given() -> None:
    thrive = Thrive(threat="high", harm="medium", engagement=True)
    result = recommend(
        channel=Channel.NON_EMERGENCY,
        category=RULES.category("domestic"),
        rules=RULES,
        thrive=thrive,
        description="all calm now",
    )
    assert result.grade == 1 and not result.derived
    assert result.reasons == ["The threat of harm is high."]


def test_unknown_category_lists_the_codes() -> None:
    with pytest.raises(TriageError, match=r"unknown opening category 'cats'.*crime-burglary"):
        RULES.category("cats")


def test_a_rules_file_with_an_unknown_condition_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(
        (Path(__file__).parents[2] / "src/constable/control/data/triage.yaml").read_text()
    )
    data["rules"][0]["when"] = {"colour": "red"}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TriageError, match="unknown condition 'colour'"):
        load_rules(str(path))


@pytest.mark.parametrize(
    ("says", "key", "value"),
    [
        # A victim's shouted "no" does not negate what follows it in another bracket or clause.
        ("[open line] get off me no get off [male voice shouting]", "danger", "yes"),
        # A negation does not reach into a clause with its own subject.
        ("my ex hasn't gone he's still outside my door", "offender", "yes"),
        # The last thing said answers whether the offender is there, signal or hint.
        ("my ex ran off. now he's banging on the door", "offender", "yes"),
        ("he followed me home but he's gone now", "offender", "no"),
        ("nobody's hurt", "injury", "none"),
        ("no weapons that I saw", "weapon", "no"),
    ],
)
def test_the_words_are_read_with_their_negations_and_order(says: str, key: str, value: str) -> None:
    from constable.control.triage import read_narrative

    assert read_narrative(says, RULES).get(key, (None,))[0] == value


def test_a_999_call_stays_at_grade_2_until_the_handler_says_nobody_is_in_danger() -> None:
    words = "It's not an emergency really, I just want to report my car window smashed"
    by_words = recommend(channel=Channel("999"), rules=RULES, description=words)
    assert by_words.grade == 2
    answered = recommend(
        channel=Channel("999"),
        rules=RULES,
        description=words,
        answers={"danger": "no", "when": "earlier"},
    )
    assert answered.grade >= 3


def test_no_visit_words_that_are_negated_ask_for_a_visit() -> None:
    from constable.control.triage import no_visit_asked

    assert no_visit_asked("I need a crime number for my insurance", RULES)
    assert no_visit_asked("I don't want a crime number, send an officer", RULES) is None


def _with(change: dict[str, object]) -> dict[str, object]:
    data = yaml.safe_load(
        (Path(__file__).parents[2] / "src/constable/control/data/triage.yaml").read_text()
    )
    for path, value in change.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rules.0.unless": [{}]}, "an `unless` block has no conditions"),
        ({"rules.0.when": {}}, "at least 1 item"),
        ({"rules.0.when": {"channel": ["99"]}}, "unknown channel 99"),
        ({"rules.0.when": {"group": ["public-safety"]}}, "unknown group public-safety"),
        ({"narrative.hints.road.yes": ["\\b"]}, "can match an empty text"),
        ({"narrative.hints.road.yes": ["Motorway"]}, "in lower case"),
        ({"version": "x" * 41}, "at most 40 characters"),
        ({"fallback.walk-in": "enquiry"}, "enquiry is not attended"),
        ({"rules.0.when": {"danger": True}}, 'quote "yes" and "no"'),
    ],
)
def test_a_rules_file_that_would_misbehave_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    from constable.control.triage import TriageRules

    with pytest.raises(ValueError, match=re.escape(message)):
        TriageRules.model_validate(_with(change))


def test_texting_and_dropped_letters_are_read_as_the_words_they_mean() -> None:
    from constable.control.triage import read_narrative

    read = read_narrative("theres a man beatin a woman rite now hes draggin her", RULES)
    assert read["when"][0] == "now"
    # Words that end in "in" and mean no "ing" stay as they are.
    assert "cabin" not in str(read_narrative("we're in the cabin", RULES))
