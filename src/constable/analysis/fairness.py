"""Fairness of patrol attention: who gets the patrols, against where the crime and the people are;
and the feedback loop of a forecaster fed only the crime its own patrols find.

**Shares.** For each neighbourhood ``i``: its share of the attention ``a_i`` (boxes, or minutes
of patrol), of the crime ``c_i`` and of the residents ``p_i``. ``a_i / c_i`` above 1 means more
patrol than its crime alone would give it; ``a_i / p_i`` the same against its residents.

**Concentration.**

- ``gini``: the Gini coefficient of attention over the neighbourhoods, each counted once (0 when
  every neighbourhood gets the same, near 1 when one gets it all);
- ``gini_vs_crime`` (and ``gini_vs_population``): the Gini coefficient of attention *relative to*
  crime: the Lorenz curve of the attention shares against the crime shares, neighbourhoods in
  increasing order of ``a_i / c_i``. 0 when attention is exactly proportional to crime; it grows
  as attention gathers in some places beyond their crime;
- ``dissimilarity_vs_crime``: ``½ Σ |a_i − c_i|``, the share of the attention that would have to
  move for it to follow crime exactly.

A hotspot forecast *should* be concentrated: crime is. The question these answer is whether it is
concentrated beyond the crime, and onto whom.

**The feedback loop** (Lum & Isaac 2016, "To predict and serve?", *Significance* 13(5): 14–19;
formalised by Ensign et al. 2018, "Runaway feedback loops in predictive policing", FAT* 2018):
each day a forecaster ranks the neighbourhoods by the crime *recorded* so far and patrols the top
``patrols``; crime happens at the true rates everywhere, but is recorded with probability
``discovery`` where patrols are and ``reporting`` elsewhere (the public's reports). Fed only what
its patrols find (``reporting`` 0), the forecaster sends the patrols back to where it sent them
before, whatever the true rates: attention runs away to a few places.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from constable.analysis.events import AnalysisError


class FairnessError(AnalysisError):
    """Attention, crime or population that cannot be compared as asked."""


def gini(values: ArrayLike) -> float:
    """The Gini coefficient of ``values`` (each >= 0): 0 for equal values, ``1 - 1/n`` when one
    holds everything; NaN when they are all zero."""
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if x.size == 0 or np.any(x < 0) or not np.all(np.isfinite(x)):
        raise FairnessError("the Gini coefficient needs at least one finite value >= 0")
    total = float(x.sum())
    if total == 0:
        return math.nan
    n = x.size
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x)) / (n * total) - (n + 1) / n)


def relative_gini(values: ArrayLike, reference: ArrayLike) -> float:
    """The Gini coefficient of ``values`` relative to ``reference``: 1 − twice the area under
    the Lorenz curve of the values' shares against the reference's shares, taken in increasing
    order of value per reference. 0 when values are proportional to the reference."""
    a = np.asarray(values, dtype=np.float64).ravel()
    r = np.asarray(reference, dtype=np.float64).ravel()
    if a.shape != r.shape or a.size == 0:
        raise FairnessError("values and reference must have one number each per area")
    if np.any(a < 0) or np.any(r < 0) or not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        raise FairnessError("values and reference must be finite numbers >= 0")
    if a.sum() == 0 or r.sum() == 0:
        return math.nan
    a, r = a / a.sum(), r / r.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(r > 0, a / r, np.where(a > 0, np.inf, 0.0))
    order = np.argsort(ratio, kind="stable")
    cum_a = np.concatenate(([0.0], np.cumsum(a[order])))
    cum_r = np.concatenate(([0.0], np.cumsum(r[order])))
    area = float(np.sum(np.diff(cum_r) * (cum_a[1:] + cum_a[:-1]) / 2))
    return 1 - 2 * area


@dataclass(frozen=True)
class AreaShare:
    """One neighbourhood's attention, crime and residents, as counts and shares."""

    area: str
    attention: float
    crime: float
    population: float
    attention_share: float
    crime_share: float
    population_share: float

    @property
    def vs_crime(self) -> float | None:
        """Attention share over crime share (None when it had no crime)."""
        return self.attention_share / self.crime_share if self.crime_share else None

    @property
    def vs_population(self) -> float | None:
        """Attention share over population share (None without residents)."""
        return self.attention_share / self.population_share if self.population_share else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "area": self.area,
            "attention": self.attention,
            "crime": self.crime,
            "population": self.population,
            "attention_share": self.attention_share,
            "crime_share": self.crime_share,
            "population_share": self.population_share,
            "vs_crime": self.vs_crime,
            "vs_population": self.vs_population,
        }


@dataclass(frozen=True)
class Fairness:
    """How attention is shared out, neighbourhood by neighbourhood and overall."""

    areas: tuple[AreaShare, ...]
    gini: float
    crime_gini: float
    gini_vs_crime: float
    gini_vs_population: float
    dissimilarity_vs_crime: float
    dissimilarity_vs_population: float

    @property
    def attended(self) -> list[AreaShare]:
        """The neighbourhoods with any attention, most first."""
        return [a for a in self.areas if a.attention > 0]

    def summary(self) -> str:
        """The result in words."""
        attended = self.attended
        if not attended:
            return "No attention to share out."
        crime = sum(a.crime_share for a in attended)
        people = sum(a.population_share for a in attended)
        return (
            f"{len(attended)} of {len(self.areas)} neighbourhoods get patrol attention; they "
            f"have {crime:.1%} of the crime and {people:.1%} of the residents. Gini of "
            f"attention {self.gini:.2f} (crime {self.crime_gini:.2f}); relative to crime "
            f"{self.gini_vs_crime:.2f}, to residents {self.gini_vs_population:.2f}; "
            f"{self.dissimilarity_vs_crime:.1%} of the attention would have to move to follow "
            "crime exactly."
        )

    def as_dict(self, top: int | None = None) -> dict[str, Any]:
        """Plain data for JSON (the ``top`` most attended neighbourhoods, or all)."""
        shown = self.areas if top is None else self.areas[:top]
        return {
            "areas": [a.as_dict() for a in shown],
            "neighbourhoods": len(self.areas),
            "attended": len(self.attended),
            "gini": _json(self.gini),
            "crime_gini": _json(self.crime_gini),
            "gini_vs_crime": _json(self.gini_vs_crime),
            "gini_vs_population": _json(self.gini_vs_population),
            "dissimilarity_vs_crime": _json(self.dissimilarity_vs_crime),
            "dissimilarity_vs_population": _json(self.dissimilarity_vs_population),
            "summary": self.summary(),
        }


def _json(value: float) -> float | None:
    return None if math.isnan(value) else value


def fairness(
    attention: Mapping[str, float],
    crime: Mapping[str, float],
    population: Mapping[str, float],
) -> Fairness:
    """Compare attention with crime and residents over every neighbourhood named in any of the
    three (a neighbourhood missing from one counts 0 there)."""
    codes = sorted(set(attention) | set(crime) | set(population))
    if not codes:
        raise FairnessError("there are no neighbourhoods to compare")
    for name, mapping in (("attention", attention), ("crime", crime), ("population", population)):
        for code, value in mapping.items():
            if not (math.isfinite(value) and value >= 0):
                raise FairnessError(f"{name} of {code} is {value!r}, must be a number >= 0")
    a = np.array([float(attention.get(c, 0.0)) for c in codes])
    c = np.array([float(crime.get(k, 0.0)) for k in codes])
    p = np.array([float(population.get(k, 0.0)) for k in codes])
    if a.sum() == 0:
        raise FairnessError("there is no attention to share out (no boxes in any neighbourhood)")

    def shares(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return x / x.sum() if x.sum() else np.zeros_like(x)

    sa, sc, sp = shares(a), shares(c), shares(p)
    areas = tuple(
        sorted(
            (
                AreaShare(code, a[i], c[i], p[i], float(sa[i]), float(sc[i]), float(sp[i]))
                for i, code in enumerate(codes)
            ),
            key=lambda s: (-s.attention, -s.crime, s.area),
        )
    )
    return Fairness(
        areas=areas,
        gini=gini(a),
        crime_gini=gini(c) if c.sum() else math.nan,
        gini_vs_crime=relative_gini(a, c),
        gini_vs_population=relative_gini(a, p),
        dissimilarity_vs_crime=float(0.5 * np.abs(sa - sc).sum()) if c.sum() else math.nan,
        dissimilarity_vs_population=float(0.5 * np.abs(sa - sp).sum()) if p.sum() else math.nan,
    )


def attention_from_cells(
    cells: Sequence[int], cell_areas: Sequence[str | None], weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Attention per neighbourhood from chosen cells (flat indices) and each cell's
    neighbourhood; each cell counts 1 (or its weight, e.g. minutes). Cells in no neighbourhood
    are left out."""
    found: dict[str, float] = {}
    for index, cell in enumerate(cells):
        code = cell_areas[int(cell)]
        if code:
            found[code] = found.get(code, 0.0) + (1.0 if weights is None else weights[index])
    return found


# --- The feedback loop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRun:
    """One run of the feedback loop: the patrols of each day and what they led to."""

    true_rates: NDArray[np.float64]
    patrolled: NDArray[np.bool_]
    """``(days, areas)``: which areas were patrolled each day."""
    recorded: NDArray[np.float64]
    """``(areas,)``: the crime recorded over the run."""
    occurred: NDArray[np.float64]
    """``(areas,)``: the crime that happened over the run."""
    patrols: int
    discovery: float
    reporting: float
    corrected: bool = False

    @property
    def days(self) -> int:
        """Days simulated."""
        return int(self.patrolled.shape[0])

    def attention(self, last_days: int | None = None) -> NDArray[np.float64]:
        """Each area's share of the patrol-days (of the last ``last_days``, or all)."""
        days = self.patrolled if last_days is None else self.patrolled[-last_days:]
        counts = days.sum(axis=0).astype(np.float64)
        return np.asarray(counts / counts.sum(), dtype=np.float64)

    def truth(self) -> NDArray[np.float64]:
        """Each area's share of the true crime rate."""
        return np.asarray(self.true_rates / self.true_rates.sum(), dtype=np.float64)

    def best_set(self) -> NDArray[np.bool_]:
        """The ``patrols`` areas with the highest true rates."""
        chosen = np.zeros(self.true_rates.size, dtype=bool)
        chosen[np.argsort(-self.true_rates, kind="stable")[: self.patrols]] = True
        return chosen

    def locked_from(self) -> int | None:
        """The first day from which the patrolled set never changed again (None: it changed
        on the last day)."""
        changed = np.any(self.patrolled[1:] != self.patrolled[:-1], axis=1)
        if changed.size and changed[-1]:
            return None
        last_change = np.flatnonzero(changed)
        return int(last_change[-1] + 1) if last_change.size else 0

    def overlap_with_best(self, last_days: int = 30) -> float:
        """The share of the last days' patrols that went to the truly highest-rate areas."""
        days = self.patrolled[-last_days:]
        return float((days & self.best_set()).sum() / days.sum())

    def summary(self) -> dict[str, Any]:
        """The run's figures, for JSON and the docs."""
        final = self.attention(min(30, self.days))
        whole = self.attention()
        truth = self.truth()
        locked = self.locked_from()
        return {
            "days": self.days,
            "areas": int(self.true_rates.size),
            "patrols": self.patrols,
            "discovery": self.discovery,
            "reporting": self.reporting,
            "corrected": self.corrected,
            "areas_ever_patrolled": int(self.patrolled.any(axis=0).sum()),
            "gini_attention": _json(gini(whole)),
            "gini_truth": _json(gini(self.true_rates)),
            "gini_attention_vs_truth": _json(relative_gini(whole, self.true_rates)),
            "dissimilarity_vs_truth_last_30_days": float(0.5 * np.abs(final - truth).sum()),
            "overlap_with_best_last_30_days": self.overlap_with_best(min(30, self.days)),
            "locked_from_day": locked,
            "recorded_share_of_crime": float(self.recorded.sum() / max(self.occurred.sum(), 1)),
        }


def feedback_loop(
    true_rates: ArrayLike,
    *,
    days: int = 365,
    patrols: int = 5,
    discovery: float = 0.9,
    reporting: float = 0.0,
    warmup_days: int = 30,
    warmup_reporting: float = 0.3,
    half_life: float | None = None,
    correct: bool = False,
    seed: int | np.random.Generator | None = None,
) -> FeedbackRun:
    """Simulate a naive forecaster that patrols the ``patrols`` areas with the most recorded
    crime and learns only from what is recorded.

    ``true_rates`` are crimes per day in each area. A warm-up of ``warmup_days`` without
    patrols records crime at ``warmup_reporting`` everywhere (the history the forecaster starts
    from); then each day crime happens (Poisson at the true rates) and is recorded with
    probability ``discovery`` in patrolled areas and ``reporting`` elsewhere. The forecast is the
    recorded count, halving every ``half_life`` days if given; ties are broken at random.

    With ``correct`` the forecaster learns each day's record divided by the chance of recording
    it there (``discovery`` or ``reporting``: inverse-probability weighting, one of Ensign et
    al.'s remedies), an unbiased estimate of the crime that happened; it needs ``reporting``
    above 0, as nothing is learnt from unpatrolled areas otherwise.
    """
    rates = np.asarray(true_rates, dtype=np.float64).ravel()
    if rates.size < 2 or not np.all(np.isfinite(rates)) or np.any(rates < 0) or rates.sum() == 0:
        raise FairnessError("true_rates must be two or more numbers >= 0, not all 0")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise FairnessError(f"days == {days!r}, must be a whole number >= 1")
    if isinstance(patrols, bool) or not isinstance(patrols, int) or not 1 <= patrols < rates.size:
        raise FairnessError(
            f"patrols == {patrols!r}, must be a whole number from 1 to {rates.size - 1} "
            "(fewer than the areas)"
        )
    for name, value in (
        ("discovery", discovery),
        ("reporting", reporting),
        ("warmup_reporting", warmup_reporting),
    ):
        if not 0 <= value <= 1:
            raise FairnessError(f"{name} == {value}, must be a probability in [0, 1]")
    if warmup_days < 0:
        raise FairnessError(f"warmup_days == {warmup_days}, must be >= 0")
    if correct and not (reporting > 0 and discovery > 0):
        raise FairnessError(
            "correct needs reporting and discovery above 0: with nothing recorded in some "
            "areas there is nothing to re-weight"
        )
    if half_life is not None and not half_life > 0:
        raise FairnessError(f"half_life == {half_life}, must be > 0 days or None")
    rng = np.random.default_rng(seed)
    n = rates.size
    decay = 1.0 if half_life is None else 2 ** (-1 / half_life)
    known = np.zeros(n)
    for _ in range(warmup_days):
        known = known * decay + rng.binomial(rng.poisson(rates), warmup_reporting)
    patrolled = np.zeros((days, n), dtype=bool)
    recorded = np.zeros(n)
    occurred = np.zeros(n)
    for day in range(days):
        # Random keys break ties, so equal counts do not always favour the first areas.
        order = np.lexsort((rng.random(n), -known))
        patrolled[day, order[:patrols]] = True
        crimes = rng.poisson(rates)
        found = rng.binomial(crimes, np.where(patrolled[day], discovery, reporting)).astype(
            np.float64
        )
        occurred += crimes
        recorded += found
        if correct:
            found = found / np.where(patrolled[day], discovery, reporting)
        known = known * decay + found
    return FeedbackRun(
        true_rates=rates,
        patrolled=patrolled,
        recorded=recorded,
        occurred=occurred,
        patrols=patrols,
        discovery=discovery,
        reporting=reporting,
        corrected=correct,
    )
