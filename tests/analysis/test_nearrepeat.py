"""Near repeats: the Knox table by hand, the p-value formula, seeds, and a clustered pattern."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Sequence

import numpy as np
import pytest

from constable.analysis.nearrepeat import (
    DEFAULT_SPACE_BANDS,
    DEFAULT_TIME_BANDS,
    KnoxResult,
    NearRepeatError,
    knox,
)

# Five events on a line (metres, days):
#   A (0, 0) day 0, B (0, 0) day 3, C (50, 0) day 10, D (150, 0) day 20, E (1000, 0) day 2.
# The ten pairs, by distance band and time band:
#   AB 0 m, 3 d: same location, 0–7      AC 50 m, 10 d: 1–100, 8–14      BC 50 m, 7 d: 1–100, 0–7
#   CD 100 m, 10 d: 1–100, 8–14          AD 150 m, 20 d: 101–200, 15–21  BD 150 m, 17 d: same
#   AE 1000 m, 2 d; BE 1000 m, 1 d: beyond, 0–7     CE 950 m, 8 d: beyond, 8–14
#   DE 850 m, 18 d: beyond, 15–21
FIVE_X = [0.0, 0.0, 50.0, 150.0, 1000.0]
FIVE_Y = [0.0] * 5
FIVE_T = [0.0, 3.0, 10.0, 20.0, 2.0]
FIVE_TABLE = [
    [1, 0, 0, 0, 0],
    [1, 2, 0, 0, 0],
    [0, 0, 2, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [2, 1, 1, 0, 0],
]


def band_of(gap: float, edges: Sequence[float]) -> int:
    return next((k for k, edge in enumerate(edges) if gap <= edge), len(edges))


def brute_table(x: Sequence[float], y: Sequence[float], t: Sequence[float]) -> np.ndarray:  # type: ignore[type-arg]
    """The Knox table over every pair, the slow obvious way."""
    table = np.zeros((len(DEFAULT_SPACE_BANDS) + 1, len(DEFAULT_TIME_BANDS) + 1), dtype=int)
    for i, j in itertools.combinations(range(len(x)), 2):
        distance = math.hypot(x[i] - x[j], y[i] - y[j])
        table[
            band_of(distance, DEFAULT_SPACE_BANDS), band_of(abs(t[i] - t[j]), DEFAULT_TIME_BANDS)
        ] += 1
    return table


def test_observed_counts_on_five_events_by_hand() -> None:
    result = knox(FIVE_X, FIVE_Y, FIVE_T, permutations=99, seed=1)
    assert result.observed.tolist() == FIVE_TABLE
    assert result.close_pairs == 6
    assert result.pairs == 10
    assert result.observed.sum() == 10
    assert [band.label for band in result.space_bands] == [
        "same location",
        "1–100 m",
        "101–200 m",
        "201–300 m",
        "301–400 m",
        "more than 400 m",
    ]
    assert [band.label for band in result.time_bands] == [
        "0–7 days",
        "8–14 days",
        "15–21 days",
        "22–28 days",
        "more than 28 days",
    ]


def test_expected_counts_and_p_values_follow_the_permutations() -> None:
    """Expected = mean count over the permutations; p = (1 + #{count >= observed}) / (1 + n),
    checked against the same permutations counted over every pair the slow way."""
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 600, 25).tolist(), rng.uniform(0, 600, 25).tolist()
    t = rng.integers(0, 60, 25).astype(float).tolist()
    permutations = 49
    result = knox(x, y, t, permutations=permutations, seed=11)
    replay = np.random.default_rng(11)
    observed = brute_table(x, y, t)
    tables = [brute_table(x, y, list(replay.permutation(t))) for _ in range(permutations)]
    assert result.observed.tolist() == observed.tolist()
    expected = np.mean(tables, axis=0)
    assert result.expected == pytest.approx(expected)
    at_least = sum((table >= observed).astype(int) for table in tables)
    assert result.p_value == pytest.approx((1 + at_least) / (1 + permutations))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(result.ratio, observed / expected)
    assert set(np.round(result.p_value.ravel() * 50).tolist()) <= set(range(1, 51))


def test_the_same_seed_gives_the_same_table() -> None:
    rng = np.random.default_rng(2)
    x, y, t = rng.uniform(0, 1000, 80), rng.uniform(0, 1000, 80), rng.integers(0, 90, 80)
    first = knox(x, y, t, permutations=99, seed=42)
    again = knox(x, y, t, permutations=99, seed=42)
    other = knox(x, y, t, permutations=99, seed=43)
    assert first.expected.tolist() == again.expected.tolist()
    assert first.p_value.tolist() == again.p_value.tolist()
    assert first.expected.tolist() != other.expected.tolist()
    assert first.observed.tolist() == other.observed.tolist()
    generator = knox(x, y, t, permutations=99, seed=np.random.default_rng(42))
    assert generator.expected.tolist() == first.expected.tolist()


def burglaries(clustered: bool, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Events over 5 km × 5 km and a year; clustered: 150 of them followed within 80 m and
    0–6 days by a near repeat."""
    rng = np.random.default_rng(seed)
    n = 450
    x, y, t = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n), rng.integers(0, 365, n)
    if not clustered:
        return x, y, t.astype(float)
    parents = rng.choice(n, 150, replace=False)
    angle, reach = rng.uniform(0, 2 * np.pi, 150), 80 * np.sqrt(rng.uniform(0, 1, 150))
    x = np.concatenate([x, x[parents] + reach * np.cos(angle)])
    y = np.concatenate([y, y[parents] + reach * np.sin(angle)])
    t = np.concatenate([t, t[parents] + rng.integers(0, 7, 150)])
    return x, y, t.astype(float)


def test_near_repeats_are_found_in_clustered_events_only() -> None:
    clustered = knox(*burglaries(True, 1), permutations=199, seed=3)
    raised = {(cell.space.label, cell.time.label) for cell in clustered.raised()}
    assert ("1–100 m", "0–7 days") in raised
    assert clustered.ratio[1, 0] > 3
    assert clustered.p_value[1, 0] == pytest.approx(1 / 200)
    pattern = clustered.pattern()
    assert (pattern.distance, pattern.days, pattern.repeat_days) == (100, 7, None)
    assert "Near repeats: risk is raised up to 100 m away for up to 7 days" in clustered.summary()

    random = knox(*burglaries(False, 1), permutations=199, seed=3)
    quiet = random.pattern()
    assert (quiet.distance, quiet.days, quiet.repeat_days) == (None, None, None)
    assert random.summary().startswith("No sign of raised risk")
    assert random.p_value[1, 0] > 0.05


def test_a_repeat_at_the_same_place_and_time_counts_in_the_first_cells() -> None:
    """Ties: identical events fall in "same location, 0–7 days"; gaps on an edge fall in the
    band that ends there."""
    x, y, t = [0, 0, 60, 300], [0, 0, 80, 0], [5, 5, 12, 26]
    result = knox(x, y, t, permutations=99, seed=0)
    assert result.observed[0, 0] == 1  # the two identical events
    assert result.observed[1, 0] == 2  # 100 m and 7 days exactly, twice
    assert result.observed[3, 2] == 2  # 300 m and 21 days exactly, twice
    manhattan = knox(x, y, t, permutations=99, seed=0, metric="manhattan")
    assert manhattan.observed[1, 0] == 0  # 60 + 80 = 140 m along the streets
    assert manhattan.observed[2, 0] == 2


def test_dates_give_the_same_table_as_days() -> None:
    start = dt.date(2017, 3, 1)
    dates = [start + dt.timedelta(days=int(day)) for day in FIVE_T]
    by_date = knox(FIVE_X, FIVE_Y, dates, permutations=99, seed=1)
    stamps = np.array(dates, dtype="datetime64[D]")
    by_stamp = knox(FIVE_X, FIVE_Y, stamps, permutations=99, seed=1)
    by_day = knox(FIVE_X, FIVE_Y, FIVE_T, permutations=99, seed=1)
    assert by_date.observed.tolist() == by_day.observed.tolist() == FIVE_TABLE
    assert by_stamp.p_value.tolist() == by_day.p_value.tolist()


def test_events_with_no_close_pairs_are_tested_without_error() -> None:
    result = knox([0, 5000, 10000], [0, 0, 0], [0, 1, 2], permutations=99, seed=0)
    assert result.close_pairs == 0
    assert result.observed[:-1].sum() == 0
    assert result.observed[-1].tolist() == [3, 0, 0, 0, 0]
    assert (result.p_value == 1).all()
    assert result.raised() == []
    assert result.summary().startswith("No two events lie within 400 m")
    json.dumps(result.as_dict(), allow_nan=False)


def test_the_result_is_plain_data_for_json() -> None:
    result = knox(*burglaries(True, 2), permutations=99, seed=0)
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert data["events"] == 600 and len(data["cells"]) == 30
    assert data["space_bands"][-1] == {"low": 400.0, "high": None, "label": "more than 400 m"}
    assert data["summary"] == result.summary()
    assert isinstance(result, KnoxResult)


def test_bands_and_labels_are_configurable() -> None:
    result = knox(FIVE_X, FIVE_Y, FIVE_T, space_bands=[50, 1000], time_bands=[0, 10.5],
                  permutations=99, seed=1)  # fmt: skip
    assert [band.label for band in result.space_bands] == [
        "0–50 m",
        "51–1000 m",
        "more than 1000 m",
    ]
    assert [band.label for band in result.time_bands] == [
        "same day",
        "over 0 to 10.5 days",
        "more than 10.5 days",
    ]
    # 0–50 m: AB (3 d), AC (10 d), BC (7 d); 51–1000 m: AD, BD, CD, AE, BE, CE, DE.
    assert result.observed.tolist() == [[0, 3, 0], [0, 4, 3], [0, 0, 0]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space_bands": [0, -100]}, r"space_bands\[1\] == -100, must be a number >= 0"),
        ({"space_bands": [0, 200, 100]}, r"space_bands\[2\] == 100, must be above"),
        ({"space_bands": [0, 100, 100]}, "increasing order"),
        ({"time_bands": []}, "at least one band edge"),
        ({"time_bands": [7, math.inf]}, r"time_bands\[1\]"),
        ({"permutations": 9}, "permutations == 9, must be >= 20"),
        ({"permutations": 99.5}, "whole number"),
        ({"alpha": 0}, "alpha"),
        ({"min_ratio": 0}, "min_ratio"),
        ({"metric": "chebyshev"}, "metric"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(NearRepeatError, match=message):
        knox(FIVE_X, FIVE_Y, FIVE_T, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "y", "t", "message"),
    [
        ([0], [0], [0], "1 event"),
        ([], [], [], "0 event"),
        ([0, 1, 2], [0, 1], [0, 1, 2], "give one of each per event"),
        ([0, math.nan], [0, 1], [0, 1], r"x\[1\] is not a number"),
        ([0, 1], [0, 1], ["2017-01-01", "NaT"], r"t\[1\] is missing"),
        ([0, 1], [0, 1], ["soon", "later"], "must be days or dates"),
        ([[0, 1]], [[0, 1]], [[0, 1]], "flat list"),
    ],
)
def test_bad_events_are_refused_with_a_clear_message(
    x: object, y: object, t: object, message: str
) -> None:
    with pytest.raises(NearRepeatError, match=message):
        knox(x, y, t, permutations=99)  # type: ignore[arg-type]


def test_the_pattern_joins_raised_cells_from_the_first_days_and_sets_apart_the_rest() -> None:
    """Repeats run along the same-location row from the first days; near repeats grow from
    raised cells of the first days through raised neighbours; other raised cells stand apart."""
    shape = (6, 5)
    ratio, p_value = np.ones(shape), np.full(shape, 0.5)
    for cell in [(0, 0), (0, 1), (0, 3), (1, 0), (2, 0), (2, 1), (4, 3), (5, 0)]:
        ratio[cell], p_value[cell] = 2.0, 0.01
    ratio[1, 1], p_value[1, 1] = 1.1, 0.001  # significant but not 20% above chance
    ratio[3, 1], p_value[3, 1] = 1.5, 0.05  # 50% above, but p is not below 0.05
    base = knox(FIVE_X, FIVE_Y, FIVE_T, permutations=99, seed=1)
    result = KnoxResult(
        space_bands=base.space_bands,
        time_bands=base.time_bands,
        observed=np.ones(shape, dtype=np.int64),
        expected=np.ones(shape),
        ratio=ratio,
        p_value=p_value,
        events=100,
        close_pairs=50,
        permutations=99,
        metric="euclidean",
        min_ratio=1.2,
        alpha=0.05,
    )
    pattern = result.pattern()
    assert pattern.repeat_days == 14
    assert (pattern.distance, pattern.days) == (200, 14)
    assert [(c.space.label, c.time.label) for c in pattern.near] == [
        ("1–100 m", "0–7 days"),
        ("101–200 m", "0–7 days"),
        ("101–200 m", "8–14 days"),
    ]
    assert [(c.space.label, c.time.label) for c in pattern.isolated] == [
        ("same location", "22–28 days"),
        ("301–400 m", "22–28 days"),
    ]  # the open band beyond 400 m is never part of a pattern
    summary = result.summary()
    assert summary.startswith("Repeats: risk at the same location is raised for up to 14 days")
    assert "Near repeats: risk is raised up to 200 m away for up to 14 days" in summary
    assert "apart from the pattern, which may be chance: same location, 22–28 days" in summary
