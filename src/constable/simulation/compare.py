"""Comparing scenarios over replications: means with confidence intervals, and the difference.

Each figure's interval is the mean of the replications plus or minus Student's t times the
standard error (``s / sqrt(n)``). The two scenarios are run with the same seeds (common random
numbers: replication ``i`` of both sees the same demand), so the difference is paired:
replication by replication, with its own interval. A difference whose interval excludes zero
is one the replications can tell apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from constable.simulation import SimulationError
from constable.simulation.engine import Replication
from constable.simulation.metrics import Description, describe


@dataclass(frozen=True)
class Interval:
    """A mean over replications with its two-sided confidence interval."""

    mean: float
    low: float
    high: float
    sd: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2

    def as_dict(self) -> dict[str, float | int | None]:
        """For JSON (NaN as null)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in (
                ("mean", self.mean),
                ("low", self.low),
                ("high", self.high),
                ("sd", self.sd),
                ("n", self.n),
            )
        }


def interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """The mean of ``values`` (NaN left out) and its t interval; one value has no interval."""
    if not 0 < confidence < 1:
        raise SimulationError(f"confidence == {confidence:g}, must be > 0 and < 1")
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    n = len(data)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(data.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, math.nan, 1)
    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, sd, n)


@dataclass(frozen=True)
class Row:
    """One figure of the comparison."""

    name: str
    description: Description
    base: Interval
    other: Interval
    difference: Interval

    @property
    def distinct(self) -> bool:
        """The difference's interval excludes zero."""
        d = self.difference
        return not math.isnan(d.low) and (d.low > 0 or d.high < 0)


@dataclass(frozen=True)
class Comparison:
    """Two scenarios' figures side by side."""

    base: str
    other: str
    days: int
    warm_up_days: int
    replications: int
    confidence: float
    rows: list[Row]

    def row(self, name: str) -> Row:
        """The row of a figure by name."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "base": self.base,
            "other": self.other,
            "days": self.days,
            "warm_up_days": self.warm_up_days,
            "replications": self.replications,
            "confidence": self.confidence,
            "figures": [
                {
                    "name": r.name,
                    "label": r.description.label,
                    "unit": r.description.unit,
                    "base": r.base.as_dict(),
                    "other": r.other.as_dict(),
                    "difference": r.difference.as_dict(),
                    "distinct": r.distinct,
                }
                for r in self.rows
            ],
        }


def summarise(replications: Sequence[Replication], confidence: float = 0.95) -> dict[str, Interval]:
    """Each figure's interval over one scenario's replications."""
    names = list(replications[0].metrics) if replications else []
    return {n: interval([r.metrics[n] for r in replications], confidence) for n in names}


def compare(
    base: Sequence[Replication], other: Sequence[Replication], confidence: float = 0.95
) -> Comparison:
    """Every figure of two scenarios, paired by replication index."""
    if not base or not other:
        raise SimulationError("nothing to compare: both scenarios need replications")
    by_index = {r.index: r for r in other}
    pairs = [(b, by_index[b.index]) for b in base if b.index in by_index]
    if len(pairs) != len(base) or len(base) != len(other):
        raise SimulationError("the scenarios' replications do not pair up by index")
    rows = []
    for name in base[0].metrics:
        if name not in other[0].metrics:
            continue
        rows.append(
            Row(
                name=name,
                description=describe(name),
                base=interval([b.metrics[name] for b, _ in pairs], confidence),
                other=interval([o.metrics[name] for _, o in pairs], confidence),
                difference=interval(
                    [o.metrics[name] - b.metrics[name] for b, o in pairs], confidence
                ),
            )
        )
    first = base[0]
    return Comparison(
        base=first.scenario,
        other=other[0].scenario,
        days=first.days,
        warm_up_days=first.warm_up_days,
        replications=len(pairs),
        confidence=confidence,
        rows=rows,
    )


def formatted(value: float, unit: str) -> str:
    """A figure written for a table: shares as percentages, others to a sensible precision."""
    if math.isnan(value):
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit in ("seconds", "minutes"):
        return f"{value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def formatted_interval(interval_: Interval, unit: str) -> str:
    """``12.3% (11.9–12.8%)``."""
    if math.isnan(interval_.low):
        return formatted(interval_.mean, unit)
    return (
        f"{formatted(interval_.mean, unit)} "
        f"({formatted(interval_.low, unit)}–{formatted(interval_.high, unit)})"
    )
