"""The words model: how urgent calls worded like this one were, learned from a graded corpus.

The triage rules read a caller's words phrase by phrase and, for safety, take the higher grade
for every question the words leave open; on calls written apart from the rules that gave about
two calls in three a grade a supervisor would accept, most of the rest over-graded. The words
model is a plain linear classifier (word and word-pair frequencies, TF-IDF, multinomial logistic
regression) fitted to the strictest acceptable grade of every call in the project's corpora.
:func:`constable.control.triage.recommend` uses it only on the caller's words, before the handler
has answered anything, and only within the safety bounds of the rules (docs/control-room.md,
"The words model"): it never takes a call the rules grade 1 or 2 to Grade 3 or 4 while Grade 1
stays plausible, and a 999 call stays at least Grade 2 until the handler answers the danger
question.

The fitted model is data: a JSON file of the vocabulary, the weights and the corpora it was
fitted on (file names, SHA-256 and the cross-validated figures), written by ``constable triage
train`` with scikit-learn and read here with numpy alone, so that a recommendation costs well
under a millisecond and the server never imports scikit-learn.

>>> import numpy as np
>>> model = load_model()
>>> probs = model.probabilities(Channel.EMERGENCY, "he's got a knife and he's coming at me")
>>> int(np.argmax(probs)) + 1
1
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from constable.control.enums import Channel
from constable.errors import ConstableError

if TYPE_CHECKING:
    from constable.control.corpus import Call

FORMAT = 1
TOKEN = re.compile(r"(?u)\b\w\w+\b")
"""scikit-learn's default token pattern: words of two characters or more."""
NGRAMS = (1, 2)
MIN_DF = 2
C = 30.0
"""Inverse regularisation, chosen by leave-one-corpus-out cross-validation (10 corpora)."""
GRADES = (1, 2, 3, 4)
SHIPPED = "triage-model.json"


class WordsModelError(ConstableError):
    """A words model file that cannot be read, or a corpus it cannot be fitted to."""


def document(channel: Channel, words: str) -> str:
    """The text the model reads: the channel as a word of its own, then the caller's words."""
    return f"__ch{channel.value.replace('-', '')}__ {words}".lower()


def terms(text: str) -> Counter[str]:
    """Word and word-pair counts, exactly as scikit-learn's ``TfidfVectorizer`` makes them."""
    tokens = TOKEN.findall(text)
    counts: Counter[str] = Counter(tokens)
    for n in range(2, NGRAMS[1] + 1):
        counts.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return counts


@dataclass(frozen=True)
class WordsModel:
    """A fitted words model: vocabulary, inverse document frequencies and class weights."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    trained_on: tuple[dict[str, Any], ...]
    cross_validation: tuple[dict[str, Any], ...]
    fitted: str

    @property
    def version(self) -> str:
        """A short fingerprint of the weights, kept with the rules' version on assessments."""
        digest = hashlib.sha256(self.coef.tobytes() + self.intercept.tobytes()).hexdigest()
        return f"words-{digest[:8]}"

    def probabilities(self, channel: Channel, words: str) -> np.ndarray:
        """The probability of each grade (1 to 4, in order) for a call worded like this."""
        counts = terms(document(channel, words))
        index = [self.vocabulary[t] for t in counts if t in self.vocabulary]
        weights = np.array(
            [1.0 + math.log(counts[t]) for t in counts if t in self.vocabulary], dtype=float
        )
        scores = self.intercept.copy()
        if index:
            x = weights * self.idf[index]
            x /= np.sqrt(x @ x)
            scores += self.coef[:, index] @ x
        scores -= scores.max()
        exp = np.exp(scores)
        result: np.ndarray = exp / exp.sum()
        return result

    def was_trained_on(self, path: Path) -> bool:
        """The file (by content) is one of the corpora the model was fitted on."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return any(item["sha256"] == digest for item in self.trained_on)

    def to_json(self) -> str:
        """The model as the JSON file ``load_model`` reads."""
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return json.dumps(
            {
                "format": FORMAT,
                "fitted": self.fitted,
                "grades": list(GRADES),
                "trained_on": list(self.trained_on),
                "cross_validation": list(self.cross_validation),
                "intercept": [round(float(v), 6) for v in self.intercept],
                "vocabulary": ordered,
                "idf": [round(float(v), 6) for v in self.idf],
                "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


def parse_model(text: str, where: str) -> WordsModel:
    """A model from its JSON, or an error naming the file and the problem."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise WordsModelError(f"{where}: format {data.get('format')!r}, expected {FORMAT}")
        if list(data["grades"]) != list(GRADES):
            raise WordsModelError(f"{where}: grades {data['grades']}, expected {list(GRADES)}")
        vocabulary = {term: i for i, term in enumerate(data["vocabulary"])}
        idf = np.asarray(data["idf"], dtype=float)
        coef = np.asarray(data["coef"], dtype=float)
        intercept = np.asarray(data["intercept"], dtype=float)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WordsModelError(f"{where}: not a words model ({exc})") from exc
    if coef.shape != (len(GRADES), len(vocabulary)) or idf.shape != (len(vocabulary),):
        raise WordsModelError(f"{where}: weights do not match the vocabulary")
    return WordsModel(
        vocabulary=vocabulary,
        idf=idf,
        coef=coef,
        intercept=intercept,
        trained_on=tuple(data.get("trained_on", ())),
        cross_validation=tuple(data.get("cross_validation", ())),
        fitted=str(data.get("fitted", "")),
    )


@lru_cache
def load_model(path: str | None = None) -> WordsModel:
    """The words model in ``path``, or the shipped one (``control/data/triage-model.json``)."""
    if path is None:
        source = resources.files("constable.control") / "data" / SHIPPED
        return parse_model(source.read_text("utf-8"), SHIPPED)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WordsModelError(f"{path}: {exc.strerror or exc}") from exc
    return parse_model(text, path)


def corpus_entry(path: Path, calls: Sequence[Call]) -> dict[str, Any]:
    """What the model file says about one corpus it was fitted on."""
    return {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "calls": len(calls),
    }


def fit_model(
    calls: Sequence[Call],
    *,
    trained_on: Sequence[dict[str, Any]] = (),
    cross_validation: Sequence[dict[str, Any]] = (),
    now: dt.datetime | None = None,
) -> WordsModel:
    """Fit the model to the strictest acceptable grade of each call (needs scikit-learn,
    installed with the project; only ``constable triage train`` and the tests fit)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    grades = [int(min(call.acceptable)) for call in calls]
    missing = sorted(set(GRADES) - set(grades))
    if missing:
        raise WordsModelError(
            f"the corpus has no call whose strictest grade is {', '.join(map(str, missing))}"
        )
    vectoriser = TfidfVectorizer(
        ngram_range=NGRAMS, min_df=MIN_DF, sublinear_tf=True, token_pattern=TOKEN.pattern
    )
    x = vectoriser.fit_transform([document(call.channel, call.says) for call in calls])
    classifier = LogisticRegression(C=C, solver="newton-cg", max_iter=1000).fit(x, grades)
    if [int(g) for g in classifier.classes_] != list(GRADES):
        raise WordsModelError(f"classes {list(classifier.classes_)}, expected {list(GRADES)}")
    vocabulary = {str(term): int(i) for term, i in vectoriser.vocabulary_.items()}
    return WordsModel(
        vocabulary=vocabulary,
        idf=np.asarray(vectoriser.idf_, dtype=float),
        coef=np.asarray(classifier.coef_, dtype=float),
        intercept=np.asarray(classifier.intercept_, dtype=float),
        trained_on=tuple(trained_on),
        cross_validation=tuple(cross_validation),
        fitted=(now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d"),
    )
