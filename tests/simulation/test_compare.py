"""Confidence intervals over replications and the paired comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from constable.simulation import SimulationError
from constable.simulation.compare import compare, interval
from constable.simulation.engine import Replication


def test_an_interval_worked_by_hand() -> None:
    """1..5: mean 3, s = sqrt(2.5) = 1.5811, standard error 0.7071, t(0.975, 4) = 2.7764:
    3 plus or minus 1.9633."""
    found = interval([1, 2, 3, 4, 5])
    assert found.mean == 3
    assert found.sd == pytest.approx(math.sqrt(2.5))
    assert found.low == pytest.approx(3 - 1.96330, abs=1e-4)
    assert found.high == pytest.approx(3 + 1.96330, abs=1e-4)


def test_ninety_five_percent_intervals_cover_a_known_mean_95_percent_of_the_time() -> None:
    """4,000 samples of 10 from a normal of mean 5, sd 2: the share of intervals holding 5 is
    binomial, sd sqrt(0.95 * 0.05 / 4000) = 0.0034, so it falls in 0.95 +- 0.014 unless the
    intervals are wrong (z instead of t gives about 0.92; a wrong standard error far less)."""
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(4000):
        found = interval(rng.normal(5, 2, size=10).tolist())
        covered += found.low <= 5 <= found.high
    assert abs(covered / 4000 - 0.95) < 0.014


def test_one_value_has_no_interval_and_nan_is_left_out() -> None:
    single = interval([4.0])
    assert single.mean == 4.0 and math.isnan(single.low)
    assert interval([1.0, math.nan, 3.0]).n == 2
    with pytest.raises(SimulationError, match="confidence"):
        interval([1.0, 2.0], confidence=1.5)


def replication(name: str, index: int, value: float) -> Replication:
    return Replication(name, index, 1, 28, 1, 100, {"hours.visible_patrol": value})


def test_the_difference_is_paired_by_replication() -> None:
    """Large spread between replications, a steady +1 within each pair: the paired interval
    is tight around 1 and excludes zero, although the two means' intervals overlap."""
    base = [replication("A", i, v) for i, v in enumerate([10.0, 20.0, 30.0, 40.0])]
    other = [
        replication("B", i, v + 1 + 0.1 * (i % 2)) for i, v in enumerate([10.0, 20.0, 30.0, 40.0])
    ]
    found = compare(base, other).row("hours.visible_patrol")
    assert found.difference.mean == pytest.approx(1.05)
    assert found.distinct
    assert found.base.high > found.other.low  # the unpaired intervals overlap
    half = stats.t.ppf(0.975, 3) * np.std([1.0, 1.1, 1.0, 1.1], ddof=1) / 2
    assert found.difference.half_width == pytest.approx(half)


def test_replications_must_pair_up() -> None:
    with pytest.raises(SimulationError, match="pair up"):
        compare([replication("A", 0, 1.0)], [replication("B", 5, 1.0)])
