"""Peers: crime per 1,000 residents for the 43 forces, most similar forces, funnel limits, grades.

Seed 002 grades a force against its "most similar forces" (Excellent, Good, Fair, Poor) and
against last year (Improved, Stable, Deteriorated). Each grade here is decided by a stated test:

- **Rates.** Offences of the financial year from the Home Office recorded-crime table in the store
  (``constable import sample recorded-crime``), over the force area's 2011 census residents.
  Only the 43 territorial forces count: British Transport Police and the national fraud bodies
  (Action Fraud, CIFAS, UK Finance, Financial Fraud Action UK) police no area.
- **Similarity.** Four census features per force (``FEATURES``), each standardised to z-scores
  over every force in the table; the distance between two forces is the Euclidean distance of
  their z-scores. The most similar forces are the ``size`` nearest (7, like the Home Office's
  most similar force groups), ties broken by name.
- **Funnel limits.** Around the peer group's pooled rate (its offences over its residents, the
  force included), 95% and 99.8% limits for a force of a given population: exact Poisson
  quantiles with Spiegelhalter's interpolation, or the normal approximation
  ``mean ± z·sqrt(mean·1000/population)`` per 1,000; multiplied out by ``sqrt(phi)`` when an
  overdispersion factor ``phi`` is given (then always the normal approximation).
- **Grades** (lower crime is better): below the lower 99.8% limit, Excellent; below the lower 95%
  limit, Good; between the 95% limits, Fair; above the upper 95% limit, Poor.
- **Against last year**: an exact conditional test of two Poisson rates (this year's offences
  given both years' total are binomial, with the share of the two years' residents); two-sided
  p < 0.05 and a lower rate is Improved, p < 0.05 and a higher rate Deteriorated, else Stable.
  With no previous year in the store, the trend is None and the statement says so.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
from scipy import stats
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constable.crime.models import RecordedCrime
from constable.errors import ConstableError
from constable.force.names import canonical_force_name
from constable.performance.forces import ForceCensus, force_census

FINANCIAL_YEAR = "2017/18"
"""The year of the shipped Home Office table."""

GROUP_SIZE = 7
"""Peers in a most-similar-forces group (the force itself not counted), as the Home Office's."""

NOT_TERRITORIAL = frozenset(
    {
        "Action Fraud",
        "British Transport Police",
        "CIFAS",
        "Financial Fraud Action UK",
        "UK Finance",
    }
)
"""Bodies in the recorded-crime table that police no area of England and Wales."""

Z_95 = float(stats.norm.ppf(0.975))
Z_998 = float(stats.norm.ppf(0.999))

FEATURES: dict[str, str] = {
    "log_density": "log10 of residents per hectare: how built up the force area is overall",
    "urban_share": "share of residents in LSOAs of 10 or more residents per hectare "
    "(the Kent configuration's urban threshold): how much of the population is urban",
    "sparse_share": "share of residents in LSOAs of fewer than 0.5 residents per hectare: "
    "how much of the population is spread thin, which sets travel and patrol costs",
    "households_per_resident": "households over residents: small households (students, "
    "the young and the old living alone) against families",
}
"""The census features that decide similarity, and why each was chosen."""


class PeersError(ConstableError):
    """Peers cannot be computed from what is in the store or was asked for."""


class NoRecordedCrimeError(PeersError):
    """The store has no recorded crime for the financial year."""

    status = 404


class UnknownForceError(PeersError):
    """No territorial force has that name."""

    status = 404


class Grade(StrEnum):
    """A force against its peers (seed 002's grades)."""

    EXCELLENT = "Excellent"
    GOOD = "Good"
    FAIR = "Fair"
    POOR = "Poor"


class Trend(StrEnum):
    """A force against last year (seed 002)."""

    IMPROVED = "Improved"
    STABLE = "Stable"
    DETERIORATED = "Deteriorated"


@dataclass(frozen=True)
class ForceRate:
    """A force's offences in a year and its residents."""

    name: str
    population: int
    offences: int

    @property
    def per_1000(self) -> float:
        """Offences per 1,000 residents."""
        return 1000 * self.offences / self.population

    def as_dict(self) -> dict[str, Any]:
        """``name``, ``population``, ``offences``, ``per_1000`` (two decimals)."""
        return {
            "name": self.name,
            "population": self.population,
            "offences": self.offences,
            "per_1000": round(self.per_1000, 2),
        }


@dataclass(frozen=True)
class CrimeRates:
    """Crime per 1,000 residents of every territorial force with rows for the year."""

    financial_year: str
    quarters: list[int]
    forces: list[ForceRate]
    excluded: list[str] = field(default_factory=list)
    """Bodies in the table that police no area (``NOT_TERRITORIAL``), left out."""
    unmatched: list[str] = field(default_factory=list)
    """Other names in the table that are no territorial force (left out: check the import)."""
    missing: list[str] = field(default_factory=list)
    """Territorial forces with no rows for the year."""

    def by_name(self) -> dict[str, ForceRate]:
        """The forces by name."""
        return {f.name: f for f in self.forces}


def previous_financial_year(year: str) -> str:
    """``2017/18`` → ``2016/17``."""
    start = int(year[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


def offences_by_force(*, session: Session, financial_year: str) -> dict[str, int]:
    """Offences of the financial year by force, summed over quarters and offence codes."""
    rows = session.execute(
        select(RecordedCrime.force, func.sum(RecordedCrime.offences))
        .where(RecordedCrime.financial_year == financial_year)
        .group_by(RecordedCrime.force)
    ).all()
    return {force: int(total or 0) for force, total in rows}


def _quarters(session: Session, financial_year: str) -> list[int]:
    found = session.scalars(
        select(RecordedCrime.quarter)
        .where(RecordedCrime.financial_year == financial_year)
        .distinct()
    ).all()
    return sorted(int(q) for q in found)


def rates_per_1000(offences: Mapping[str, int], populations: Mapping[str, int]) -> list[ForceRate]:
    """A rate for each force in both ``offences`` and ``populations``, sorted by name."""
    return [
        ForceRate(name=name, population=int(populations[name]), offences=int(offences[name]))
        for name in sorted(offences.keys() & populations.keys())
        if populations[name] > 0
    ]


def crime_rates(
    *,
    session: Session,
    financial_year: str = FINANCIAL_YEAR,
    populations: Mapping[str, int] | None = None,
) -> CrimeRates:
    """Crime per 1,000 residents of each territorial force for the year, from the store.

    ``populations`` defaults to the force areas' 2011 census residents. Raises
    ``NoRecordedCrimeError`` when the store has no recorded crime for the year.
    """
    offences = offences_by_force(session=session, financial_year=financial_year)
    if not offences:
        years = session.scalars(select(RecordedCrime.financial_year).distinct()).all()
        held = f" (it has {', '.join(sorted(years))})" if years else ""
        raise NoRecordedCrimeError(
            f"the store has no Home Office recorded crime for {financial_year}{held}: "
            "run `constable import sample recorded-crime` (2017/18) or import a table with "
            "`constable import recorded-crime FILE`"
        )
    if populations is None:
        populations = {name: c.population for name, c in force_census().items()}
    outside = [name for name in offences if name not in populations]
    return CrimeRates(
        financial_year=financial_year,
        quarters=_quarters(session, financial_year),
        forces=rates_per_1000(offences, populations),
        excluded=sorted(name for name in outside if name in NOT_TERRITORIAL),
        unmatched=sorted(name for name in outside if name not in NOT_TERRITORIAL),
        missing=sorted(name for name in populations if name not in offences),
    )


# ---- similarity ----------------------------------------------------------------------------


FeatureTable = Mapping[str, Mapping[str, float]]
"""Features by force: ``{force: {feature: value}}``."""


def census_features(census: Mapping[str, ForceCensus]) -> dict[str, dict[str, float]]:
    """The ``FEATURES`` of each force, by force name (sorted)."""
    return {
        name: {
            "log_density": math.log10(c.density),
            "urban_share": c.urban_population / c.population,
            "sparse_share": c.sparse_population / c.population,
            "households_per_resident": c.households / c.population,
        }
        for name, c in sorted(census.items())
    }


def standardise(features: FeatureTable) -> dict[str, dict[str, float]]:
    """Each feature as z-scores over the forces (population standard deviation); a feature that
    does not vary is all zeros."""
    names = list(features)
    columns = list(next(iter(features.values()))) if names else []
    values = np.array([[features[n][c] for c in columns] for n in names], dtype=float)
    spread = values.std(axis=0)
    spread[spread == 0] = 1.0
    scores = (values - values.mean(axis=0)) / spread
    return {
        name: {c: float(v) for c, v in zip(columns, row, strict=True)}
        for name, row in zip(names, scores, strict=True)
    }


@dataclass(frozen=True)
class Peer:
    """A force and its distance from the force it is a peer of."""

    name: str
    distance: float


def most_similar(features: FeatureTable, force: str, size: int = GROUP_SIZE) -> list[Peer]:
    """The ``size`` forces nearest ``force`` by Euclidean distance of standardised features,
    nearest first (ties by name); ``force`` itself is never one of them."""
    if force not in features:
        raise UnknownForceError(_unknown(force, list(features)))
    others = len(features) - 1
    if not 1 <= size <= others:
        raise PeersError(f"group size == {size}, must be between 1 and {others}")
    scores = standardise(features)
    home = scores[force]
    ranked = sorted(
        (math.dist(list(home.values()), [row[c] for c in home]), name)
        for name, row in scores.items()
        if name != force
    )
    return [Peer(name=name, distance=d) for d, name in ranked[:size]]


def _unknown(force: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(force, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"no territorial force {force!r}{hint} (Home Office names, e.g. 'Kent')"


def resolve_force(force: str, names: Sequence[str]) -> str:
    """``force`` as one of ``names`` (``Kent Police`` → ``Kent``), or ``UnknownForceError``."""
    if force in names:
        return force
    canonical = canonical_force_name(force)
    for name in names:
        if name.casefold() == canonical.casefold():
            return name
    raise UnknownForceError(_unknown(force, list(names)))


# ---- funnel limits, grades, trend ---------------------------------------------------------


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits (per 1,000) for a force of ``population`` around ``mean_per_1000``."""

    population: float
    mean_per_1000: float
    lower_998: float
    lower_95: float
    upper_95: float
    upper_998: float

    def as_dict(self) -> dict[str, float]:
        """The four limits, rounded to three decimals."""
        return {
            "lower_998": round(self.lower_998, 3),
            "lower_95": round(self.lower_95, 3),
            "upper_95": round(self.upper_95, 3),
            "upper_998": round(self.upper_998, 3),
        }


Method = Literal["exact", "normal"]


def _poisson_limit(expected: float, p: float) -> float:
    """Spiegelhalter's interpolated p-quantile of a Poisson count with mean ``expected``."""
    quantile = float(stats.poisson.ppf(p, expected))
    at = float(stats.poisson.cdf(quantile, expected))
    below = float(stats.poisson.cdf(quantile - 1, expected)) if quantile > 0 else 0.0
    if at == below:
        return quantile
    return quantile - (at - p) / (at - below)


def funnel_limits(
    mean_per_1000: float,
    population: float,
    *,
    method: Method = "exact",
    phi: float = 1.0,
) -> FunnelLimits:
    """95% and 99.8% limits for a rate per 1,000 of a force of ``population`` residents.

    ``exact``: the expected count ``mean·population/1000`` is Poisson; each limit is its
    interpolated quantile (Spiegelhalter 2005, "Funnel plots for comparing institutional
    performance", appendix) over the population. ``normal``: ``mean ± z·sqrt(mean·1000/pop)``.
    ``phi`` > 1 widens the normal limits by ``sqrt(phi)`` (the multiplicative overdispersion
    model); lower limits stop at zero.
    """
    if population <= 0:
        raise ValueError(f"population == {population}, must be > 0")
    if mean_per_1000 < 0:
        raise ValueError(f"mean_per_1000 == {mean_per_1000}, must be >= 0")
    if phi < 1:
        raise ValueError(f"phi == {phi}, must be >= 1")
    if mean_per_1000 == 0:
        return FunnelLimits(population, 0.0, 0.0, 0.0, 0.0, 0.0)
    if method == "exact" and phi == 1.0:
        expected = mean_per_1000 * population / 1000
        per_1000 = 1000 / population
        values = [_poisson_limit(expected, p) * per_1000 for p in (0.001, 0.025, 0.975, 0.999)]
    else:
        spread = math.sqrt(phi * mean_per_1000 * 1000 / population)
        values = [mean_per_1000 + sign * z * spread for sign, z in ((-1, Z_998), (-1, Z_95))] + [
            mean_per_1000 + z * spread for z in (Z_95, Z_998)
        ]
    lower_998, lower_95, upper_95, upper_998 = (max(0.0, v) for v in values)
    return FunnelLimits(population, mean_per_1000, lower_998, lower_95, upper_95, upper_998)


def pooled_rate(forces: Sequence[ForceRate]) -> float:
    """The group's offences per 1,000 of its residents (bigger forces weigh more)."""
    population = sum(f.population for f in forces)
    if population <= 0:
        raise PeersError("the group has no residents")
    return 1000 * sum(f.offences for f in forces) / population


def overdispersion(forces: Sequence[ForceRate], mean_per_1000: float) -> float:
    """Spiegelhalter's multiplicative overdispersion factor: the mean squared Poisson z-score
    of the forces around ``mean_per_1000``, z-scores winsorised at 10% and 90% when there are
    ten or more forces; at least 1."""
    if not forces or mean_per_1000 <= 0:
        return 1.0
    z = np.array(
        [
            (f.per_1000 - mean_per_1000) / math.sqrt(mean_per_1000 * 1000 / f.population)
            for f in forces
        ]
    )
    if len(z) >= 10:
        low, high = np.quantile(z, [0.1, 0.9])
        z = np.clip(z, low, high)
    return max(1.0, float(np.mean(z**2)))


def grade(per_1000: float, limits: FunnelLimits) -> Grade:
    """A crime rate's grade against its peers' limits (lower is better)."""
    if per_1000 < limits.lower_998:
        return Grade.EXCELLENT
    if per_1000 < limits.lower_95:
        return Grade.GOOD
    if per_1000 <= limits.upper_95:
        return Grade.FAIR
    return Grade.POOR


GRADE_TESTS: dict[Grade, str] = {
    Grade.EXCELLENT: "below the peers' lower 99.8% limit: significantly better than peers",
    Grade.GOOD: "below the peers' lower 95% limit (not the 99.8%): better than peers",
    Grade.FAIR: "within the peers' 95% limits: similar to peers",
    Grade.POOR: "above the peers' upper 95% limit: worse than peers",
}
"""The test behind each grade, in words."""


@dataclass(frozen=True)
class TrendTest:
    """This year's offences against last year's, with the test that decided the trend."""

    trend: Trend
    this_year: int
    last_year: int
    rate_ratio: float
    p_value: float
    statement: str

    def as_dict(self) -> dict[str, Any]:
        """The fields, rounded for printing."""
        return {
            "trend": self.trend.value,
            "this_year": self.this_year,
            "last_year": self.last_year,
            "rate_ratio": round(self.rate_ratio, 4),
            "p_value": float(f"{self.p_value:.4g}"),
            "statement": self.statement,
        }


def compare_years(
    this_year: int,
    last_year: int,
    *,
    this_population: float = 1.0,
    last_population: float = 1.0,
    alpha: float = 0.05,
) -> TrendTest:
    """Improved, Stable or Deteriorated: an exact two-sided test that two Poisson rates differ.

    Given both years' total, this year's count is binomial with probability
    ``this_population / (this_population + last_population)`` when the rates are equal.
    """
    if this_year < 0 or last_year < 0:
        raise ValueError(f"offences == ({this_year}, {last_year}), must be >= 0")
    total = this_year + last_year
    if total == 0:
        return TrendTest(Trend.STABLE, 0, 0, 1.0, 1.0, "no offences in either year: Stable")
    share = this_population / (this_population + last_population)
    p_value = float(stats.binomtest(this_year, total, share).pvalue)
    ratio = (this_year / this_population) / (last_year / last_population) if last_year else math.inf
    if p_value < alpha and ratio < 1:
        trend = Trend.IMPROVED
    elif p_value < alpha and ratio > 1:
        trend = Trend.DETERIORATED
    else:
        trend = Trend.STABLE
    statement = (
        f"rate ratio {ratio:.3f} this year to last, exact Poisson test p = {p_value:.3g} "
        f"({'<' if p_value < alpha else '≥'} {alpha:g}): {trend.value}"
    )
    return TrendTest(trend, this_year, last_year, ratio, p_value, statement)


# ---- the peer report ----------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMember:
    """A force of a peer group: its rate, distance, limits at its size, and grade."""

    rate: ForceRate
    distance: float
    features: dict[str, float]
    limits: FunnelLimits
    grade: Grade

    def as_dict(self) -> dict[str, Any]:
        """The rate's fields with distance, features, limits and grade."""
        return {
            **self.rate.as_dict(),
            "distance": round(self.distance, 4),
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "limits": self.limits.as_dict(),
            "grade": self.grade.value,
        }


@dataclass(frozen=True)
class PeerReport:
    """A force, its most similar forces, and how it compares with them and with last year."""

    financial_year: str
    force: GroupMember
    peers: list[GroupMember]
    mean_per_1000: float
    phi: float
    """Overdispersion of the group about its mean (1: no more spread than Poisson)."""
    limits_method: str
    grade_test: str
    trend: TrendTest | None
    trend_statement: str
    rates: CrimeRates

    @property
    def members(self) -> list[GroupMember]:
        """The force, then its peers nearest first."""
        return [self.force, *self.peers]

    def as_dict(self) -> dict[str, Any]:
        """The peer group as JSON-ready data."""
        return {
            "force": self.force.as_dict(),
            "financial_year": self.financial_year,
            "size": len(self.peers),
            "features": FEATURES,
            "mean_per_1000": round(self.mean_per_1000, 3),
            "phi": round(self.phi, 2),
            "limits_method": self.limits_method,
            "grade": self.force.grade.value,
            "grade_test": self.grade_test,
            "grades": {g.value: GRADE_TESTS[g] for g in Grade},
            "trend": self.trend.as_dict() if self.trend else None,
            "trend_statement": self.trend_statement,
            "peers": [p.as_dict() for p in self.peers],
        }


def peer_report(
    *,
    session: Session,
    force: str,
    financial_year: str = FINANCIAL_YEAR,
    size: int = GROUP_SIZE,
    adjust_overdispersion: bool = False,
    census: Mapping[str, ForceCensus] | None = None,
) -> PeerReport:
    """``force`` against its ``size`` most similar forces for the year, from the store.

    The group's pooled rate (force included) is the centre of the funnel; each member is
    graded against limits at its own population. With ``adjust_overdispersion`` the limits
    are widened by the group's overdispersion factor ``phi`` when it exceeds 1.
    """
    census = census if census is not None else force_census()
    rates = crime_rates(
        session=session,
        financial_year=financial_year,
        populations={n: c.population for n, c in census.items()},
    )
    by_name = rates.by_name()
    name = resolve_force(force, sorted(census))
    features = census_features({n: c for n, c in census.items() if n in by_name})
    if name not in by_name:
        raise PeersError(f"the store has no recorded crime for {name} in {financial_year}")
    peers = most_similar(features, name, size)
    group = [by_name[name], *(by_name[p.name] for p in peers)]
    mean = pooled_rate(group)
    phi = overdispersion(group, mean)
    widen = adjust_overdispersion and phi > 1
    method = (
        f"normal approximation widened by sqrt(phi), phi = {phi:.1f}"
        if widen
        else "exact Poisson (Spiegelhalter's interpolation)"
    )

    def member(rate: ForceRate, distance: float) -> GroupMember:
        limits = funnel_limits(
            mean,
            rate.population,
            method="normal" if widen else "exact",
            phi=phi if widen else 1.0,
        )
        return GroupMember(
            rate=rate,
            distance=distance,
            features=dict(features[rate.name]),
            limits=limits,
            grade=grade(rate.per_1000, limits),
        )

    own = member(by_name[name], 0.0)
    grade_test = (
        f"{own.rate.per_1000:.2f} per 1,000 against the group's {mean:.2f} "
        f"(95% limits {own.limits.lower_95:.2f}–{own.limits.upper_95:.2f}, 99.8% limits "
        f"{own.limits.lower_998:.2f}–{own.limits.upper_998:.2f}, {method}): "
        f"{own.grade.value}, {GRADE_TESTS[own.grade]}"
    )
    previous = previous_financial_year(financial_year)
    last = offences_by_force(session=session, financial_year=previous)
    if name in last:
        compared = compare_years(own.rate.offences, last[name])
        trend: TrendTest | None = compared
        trend_statement = f"{financial_year} against {previous}: {compared.statement}"
    else:
        trend = None
        trend_statement = (
            f"no previous year: the store has no recorded crime for {name} in {previous}, "
            "so Improved / Stable / Deteriorated cannot be decided"
        )
    return PeerReport(
        financial_year=financial_year,
        force=own,
        peers=[member(by_name[p.name], p.distance) for p in peers],
        mean_per_1000=mean,
        phi=phi,
        limits_method=method,
        grade_test=grade_test,
        trend=trend,
        trend_statement=trend_statement,
        rates=rates,
    )
