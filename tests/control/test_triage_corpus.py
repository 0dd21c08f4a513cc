"""The triage rules against 212 realistic calls (tests/data/calls.yaml), written from the national
guidance apart from the rules: no call that needs an emergency response may be recommended
Grade 3 or 4, and the share graded acceptably may not fall below where it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from constable.control.corpus import CorpusError, load_corpus, score
from constable.control.enums import Grade
from constable.control.triage import load_rules

CORPUS = Path(__file__).parents[1] / "data" / "calls.yaml"
# Where the shipped rules stand (docs/control-room.md); the goal of issue 14 is 90%.
FLOOR = {False: 0.87, True: 0.87}


@pytest.fixture(scope="module")
def calls():  # type: ignore[no-untyped-def]
    return load_corpus(CORPUS)


def test_the_corpus_covers_every_category_and_channel(calls) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    assert len(calls) >= 150
    assert {c.category for c in calls} == {c.code for c in rules.categories}
    assert {c.channel.value for c in calls} == {"999", "101", "online", "walk-in"}
    assert sum(c.needs_emergency for c in calls) >= 60


@pytest.mark.parametrize("with_category", [False, True], ids=["words only", "with category"])
def test_no_emergency_is_recommended_grade_3_or_4(calls, with_category: bool) -> None:  # type: ignore[no-untyped-def]
    result = score(calls, load_rules(), with_category=with_category)
    misses = [f"{g.call.id}: Grade {int(g.grade)} ({g.reasons[0]})" for g in result.dangerous]
    assert misses == []
    assert result.share >= FLOOR[with_category], f"{result.share:.1%} graded acceptably"


def test_an_answer_lowers_only_where_the_rules_say_so() -> None:
    rules = load_rules()
    calls_999 = load_corpus(CORPUS)
    call = next(c for c in calls_999 if c.id == "lad-blade-high-street")
    graded = score([call], rules).graded[0]
    assert graded.grade is Grade.EMERGENCY
    # The handler's "no" to danger does not lower a knife waved at people now.
    with_no = call.model_copy(update={"answers": {"danger": "no"}})
    assert score([with_no], rules).graded[0].grade is Grade.EMERGENCY


def test_a_bad_corpus_names_the_call_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "calls.yaml"
    bad.write_text(
        "calls:\n  - {id: a, channel: '999', says: 'help', category: x, acceptable: [1, 3]}\n"
    )
    with pytest.raises(CorpusError, match=r"calls.yaml: a: acceptable: .*gap"):
        load_corpus(bad)
