"""The words model: its numpy reading equals scikit-learn's, its file is checked, and however
sure it is, it never moves a grade outside the rules' safety bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from constable.control.corpus import Call, load_corpus
from constable.control.enums import Channel, Grade
from constable.control.triage import (
    TriageError,
    _words_grade,
    load_rules,
    recommend,
)
from constable.control.wording import (
    WordsModelError,
    document,
    fit_model,
    load_model,
    parse_model,
)

DATA = Path(__file__).parents[1] / "data"
POLICY = load_rules().words_model
assert POLICY is not None


def test_the_model_reads_words_exactly_as_scikit_learn_does() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from constable.control import wording

    calls = load_corpus(DATA / "calls.yaml")
    model = parse_model(fit_model(calls).to_json(), "round trip")
    vectoriser = TfidfVectorizer(
        ngram_range=wording.NGRAMS,
        min_df=wording.MIN_DF,
        sublinear_tf=True,
        token_pattern=wording.TOKEN.pattern,
    )
    docs = [document(c.channel, c.says) for c in calls]
    x = vectoriser.fit_transform(docs)
    grades = [int(min(c.acceptable)) for c in calls]
    classifier = LogisticRegression(C=wording.C, solver="newton-cg", max_iter=1000).fit(x, grades)
    expected = classifier.predict_proba(vectoriser.transform(docs))
    ours = np.array([model.probabilities(c.channel, c.says) for c in calls])
    assert np.abs(ours - expected).max() < 1e-4
    # Words it has never seen leave only the intercept: still a distribution over four grades.
    unseen = model.probabilities(Channel.ONLINE, "zzqx")
    assert unseen.shape == (4,) and abs(unseen.sum() - 1) < 1e-9


def test_a_bad_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(WordsModelError, match=r"m\.json: not a words model"):
        parse_model("{not json", "m.json")
    good = load_model().to_json()
    with pytest.raises(WordsModelError, match=r"m\.json: weights do not match"):
        parse_model(good.replace('"idf":[', '"idf":[1.0,', 1), "m.json")
    rules = tmp_path / "triage.yaml"
    text = (Path(__file__).parents[2] / "src/constable/control/data/triage.yaml").read_text()
    rules.write_text(text)
    with pytest.raises(TriageError, match=r"triage\.yaml: words_model: .*triage-model\.json"):
        load_rules(str(rules))
    (tmp_path / "triage-model.json").write_text(good)
    assert load_rules(str(rules)).model is not None


def test_a_corpus_without_every_grade_cannot_be_fitted() -> None:
    call = Call(id="a", channel="999", says="help", category="enquiry", acceptable=[1])
    with pytest.raises(WordsModelError, match="no call whose strictest grade is 2, 3, 4"):
        fit_model([call])


@given(
    grade=st.sampled_from(list(Grade)),
    channel=st.sampled_from(list(Channel)),
    weights=st.lists(st.floats(0.001, 1.0), min_size=4, max_size=4),
)
def test_however_sure_the_model_the_rules_safety_bounds_hold(
    grade: Grade, channel: Channel, weights: list[float]
) -> None:
    probs = np.array(weights) / sum(weights)
    worded, why = _words_grade(grade, probs, channel, POLICY)
    if grade <= Grade.PRIORITY:
        assert worded <= Grade.PRIORITY or probs[0] < POLICY.lower_priority
    if grade == Grade.EMERGENCY:
        assert worded <= Grade.PRIORITY
    if channel == Channel.EMERGENCY:
        assert worded <= max(grade, Grade.PRIORITY)
    if worded < grade:  # raised: only ever to Grade 1, only when sure
        assert worded == Grade.EMERGENCY and probs[0] >= POLICY.raise_emergency
    assert bool(why) == (worded != grade)


def test_the_model_reads_words_only_until_the_handler_answers() -> None:
    rules = load_rules()
    words = "my bike was nicked from outside the library last tuesday, no cameras there"
    by_words = recommend(channel=Channel.NON_EMERGENCY, rules=rules, description=words)
    assert "+words-" in by_words.version
    answered = recommend(
        channel=Channel.NON_EMERGENCY, rules=rules, description=words, answers={"danger": "no"}
    )
    assert answered.version == rules.version
    alone = recommend(
        channel=Channel.NON_EMERGENCY, rules=rules.with_model(None), description=words
    )
    assert alone.version == rules.version


def test_a_999_call_the_words_make_trivial_stays_grade_2_until_danger_is_answered() -> None:
    rules = load_rules()
    words = "my takeaway hasn't come and the shop won't answer the phone"
    result = recommend(channel=Channel.EMERGENCY, rules=rules, description=words)
    assert result.grade == Grade.PRIORITY
    answered = recommend(
        channel=Channel.EMERGENCY, rules=rules, description=words, answers={"danger": "no"}
    )
    assert answered.grade > Grade.PRIORITY
