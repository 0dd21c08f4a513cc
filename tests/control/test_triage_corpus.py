"""The triage rules and the words model against 1,602 realistic calls in eleven files
(tests/data/calls*.yaml), written from the national guidance apart from the rules: no call that
needs an emergency response may be recommended Grade 3 or 4, and the share graded acceptably may
not fall below where it stands.

``calls.yaml`` (212 calls) covers every category, channel and risk factor. The ten others were
each held out at first, measured once, and then used to develop the rules and fit the words
model. The words model is measured only on calls it never saw: each file is graded by a model
fitted to the other ten (leave one file out), and those figures are the ones kept in the shipped
model file and quoted in docs/control-room.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from constable.control.corpus import Call, CorpusError, Fold, cross_validate, load_corpus, score
from constable.control.enums import Grade
from constable.control.triage import load_rules
from constable.control.wording import corpus_entry

DATA = Path(__file__).parents[1] / "data"
CORPORA = (
    "calls.yaml",
    "calls-voices.yaml",
    "calls-logs.yaml",
    "calls-callers.yaml",
    "calls-week.yaml",
    "calls-city.yaml",
    "calls-hard.yaml",
    "calls-kent.yaml",
    "calls-year.yaml",
    "calls-unexpected.yaml",
    "calls-elsewhere.yaml",
)
# Where the rules alone stand on the words (docs/control-room.md).
FLOOR = {
    "calls.yaml": 0.84,
    "calls-voices.yaml": 0.82,
    "calls-logs.yaml": 0.75,
    "calls-callers.yaml": 0.79,
    "calls-week.yaml": 0.78,
    "calls-city.yaml": 0.78,
    "calls-hard.yaml": 0.72,
    "calls-kent.yaml": 0.74,
    "calls-year.yaml": 0.75,
    "calls-unexpected.yaml": 0.68,
    "calls-elsewhere.yaml": 0.57,
}
# Where the rules with a words model that never saw the file stand; the goal of issue 14 is 90%.
MODEL_FLOOR = {
    "calls.yaml": 0.85,
    "calls-voices.yaml": 0.89,
    "calls-logs.yaml": 0.73,
    "calls-callers.yaml": 0.86,
    "calls-week.yaml": 0.85,
    "calls-city.yaml": 0.83,
    "calls-hard.yaml": 0.73,
    "calls-kent.yaml": 0.83,
    "calls-year.yaml": 0.83,
    "calls-unexpected.yaml": 0.81,
    "calls-elsewhere.yaml": 0.67,
}


@pytest.fixture(scope="module")
def folds() -> list[Fold]:
    corpora = [(DATA / name, load_corpus(DATA / name)) for name in sorted(CORPORA)]
    return cross_validate(corpora, load_rules(words_model=False))


def test_a_words_model_that_never_saw_a_file_grades_it_safely_and_better(
    folds: list[Fold],
) -> None:
    for fold in folds:
        misses = [f"{g.call.id}: Grade {int(g.grade)}" for g in fold.with_model.dangerous]
        assert misses == [], fold.path.name
        assert fold.with_model.share >= MODEL_FLOOR[fold.path.name], fold.path.name
    total = sum(f.with_model.total for f in folds)
    assert sum(f.with_model.acceptable for f in folds) / total >= 0.81
    alone = sum(f.rules_alone.acceptable for f in folds)
    assert sum(f.with_model.acceptable for f in folds) > alone


def test_the_shipped_model_is_fitted_to_these_files_and_its_figures_are_true(
    folds: list[Fold],
) -> None:
    model = load_rules().model
    assert model is not None
    corpora = [(DATA / name, load_corpus(DATA / name)) for name in sorted(CORPORA)]
    # Retrain (`constable triage train tests/data/calls*.yaml --out ...`) after a corpus edit.
    assert list(model.trained_on) == [corpus_entry(path, calls) for path, calls in corpora]
    assert list(model.cross_validation) == [fold.as_dict() for fold in folds]


def test_the_corpus_covers_every_category_and_channel() -> None:
    calls = load_corpus(DATA / "calls.yaml")
    rules = load_rules()
    assert len(calls) >= 150
    assert {c.category for c in calls} == {c.code for c in rules.categories}
    assert {c.channel.value for c in calls} == {"999", "101", "online", "walk-in"}
    assert sum(c.needs_emergency for c in calls) >= 60


@pytest.mark.parametrize("name", CORPORA)
@pytest.mark.parametrize("with_category", [False, True], ids=["words only", "with category"])
def test_no_emergency_is_recommended_grade_3_or_4(name: str, with_category: bool) -> None:
    calls = load_corpus(DATA / name)
    alone = score(
        calls,
        load_rules(words_model=False),
        with_category=with_category,
        with_answers=with_category,
    )
    shipped = score(calls, load_rules(), with_category=with_category, with_answers=with_category)
    for result in (alone, shipped):
        misses = [f"{g.call.id}: Grade {int(g.grade)} ({g.reasons[0]})" for g in result.dangerous]
        assert misses == []
    assert alone.share >= FLOOR[name], f"{alone.share:.1%} graded acceptably"


def test_a_handlers_no_does_not_lower_a_knife_waved_at_people_now() -> None:
    rules = load_rules()
    call = Call(
        id="blade",
        channel="999",
        says="some lad's got a blade out on the high street, he's waving it at people",
        category="crime-public-order",
        acceptable=[1],
    )
    assert score([call], rules).graded[0].grade is Grade.EMERGENCY
    with_no = call.model_copy(update={"answers": {"danger": "no"}})
    assert score([with_no], rules).graded[0].grade is Grade.EMERGENCY


def test_a_bad_corpus_names_the_call_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "calls.yaml"
    bad.write_text(
        "calls:\n  - {id: a, channel: '999', says: 'help', category: x, acceptable: [1, 3]}\n"
    )
    with pytest.raises(CorpusError, match=r"calls.yaml: a: acceptable: .*gap"):
        load_corpus(bad)


def test_triage_check_exits_1_on_a_dangerous_miss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from constable.cli import main

    corpus = tmp_path / "calls.yaml"
    corpus.write_text(
        "calls:\n"
        "  - {id: knife, channel: '999', says: 'he has got a knife to her throat right now',"
        " category: crime-violence, acceptable: [1]}\n"
    )
    assert main(["triage", "check", str(corpus)]) == 0
    assert "1/1 acceptable" in capsys.readouterr().out
    # Rules under which nothing is urgent: the same call is a dangerous miss.
    lax = _lax_rules(tmp_path)
    assert main(["triage", "check", str(corpus), "--rules", str(lax)]) == 1
    assert "DANGEROUS: knife" in capsys.readouterr().out


def _lax_rules(tmp_path: Path) -> Path:
    import yaml

    data = yaml.safe_load(
        (Path(__file__).parents[2] / "src/constable/control/data/triage.yaml").read_text()
    )
    data["rules"] = [{"when": {"engagement": True}, "grade": 3, "reason": "Always by appointment."}]
    del data["words_model"]
    path = tmp_path / "lax.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
