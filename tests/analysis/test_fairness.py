"""Fairness of attention: Gini coefficients by hand, shares against crime and residents, and the
feedback loop running away when fed only what its patrols find."""

from __future__ import annotations

import math

import numpy as np
import pytest

from constable.analysis.areas import (
    AreaError,
    area_scores,
    cell_areas_from_points,
    score_areas,
)
from constable.analysis.fairness import (
    FairnessError,
    attention_from_cells,
    fairness,
    feedback_loop,
    gini,
    relative_gini,
)
from constable.analysis.grid import Grid, Scores


def test_gini_by_hand() -> None:
    assert gini([1, 1, 1, 1]) == 0.0
    # One of four holds everything: 1 - 1/4.
    assert math.isclose(gini([0, 0, 0, 8]), 0.75)
    # 1, 2, 3: sum |xi - xj| over ordered pairs = 8; 8 / (2 n^2 mean) = 8 / 36.
    assert math.isclose(gini([3, 1, 2]), 8 / 36)
    assert math.isnan(gini([0, 0]))
    with pytest.raises(FairnessError):
        gini([-1, 2])


def test_relative_gini_is_zero_when_attention_follows_the_reference() -> None:
    assert math.isclose(relative_gini([2, 4, 6], [1, 2, 3]), 0.0, abs_tol=1e-12)
    # All attention on the area with a quarter of the reference: Lorenz curve 0 to 3/4, then up.
    # Area under it: 1/4 x 1/2 = 1/8; Gini 1 - 2/8.
    assert math.isclose(relative_gini([0, 0, 0, 1], [1, 1, 1, 1]), 0.75)
    # Attention where there is no crime at all is the most unequal.
    assert math.isclose(relative_gini([0, 1], [1, 0]), 1.0)


def test_shares_against_crime_and_residents() -> None:
    result = fairness(
        attention={"A": 3, "B": 1},
        crime={"A": 10, "B": 10, "C": 20},
        population={"A": 1000, "B": 1000, "C": 2000},
    )
    by_code = {a.area: a for a in result.areas}
    assert [a.area for a in result.areas] == ["A", "B", "C"]
    assert by_code["A"].attention_share == 0.75 and by_code["A"].crime_share == 0.25
    assert by_code["A"].vs_crime == 3.0 and by_code["C"].vs_crime == 0.0
    # Half the attention must move (A gives 0.5 to C) for it to follow crime.
    assert math.isclose(result.dissimilarity_vs_crime, 0.5)
    assert result.attended == [by_code["A"], by_code["B"]]
    assert "2 of 3 neighbourhoods" in result.summary()
    assert result.as_dict()["attended"] == 2
    with pytest.raises(FairnessError, match="no attention"):
        fairness({}, {"A": 1}, {"A": 1})
    with pytest.raises(FairnessError, match="crime of A"):
        fairness({"A": 1}, {"A": -1}, {})


def test_attention_from_cells() -> None:
    areas = ["A", None, "B", "A"]
    assert attention_from_cells([0, 1, 3], areas) == {"A": 2.0}
    assert attention_from_cells([0, 2], areas, weights=[15, 30]) == {"A": 15.0, "B": 30.0}


def test_fed_only_its_own_discoveries_attention_runs_away() -> None:
    """Equal true rates everywhere: the right attention would rotate over all 40 areas."""
    rates = np.full(40, 0.4)
    loop = feedback_loop(rates, days=200, patrols=4, discovery=0.9, reporting=0.0, seed=1)
    figures = loop.summary()
    # A few areas win the first days, then get every patrol for ever after.
    assert figures["areas_ever_patrolled"] <= 8
    assert figures["locked_from_day"] is not None and figures["locked_from_day"] < 50
    assert figures["gini_attention"] > 0.85  # near 0.9: 4 of 40 get it all
    # Corrected for where it looked, it spreads attention over many areas.
    fair = feedback_loop(
        rates, days=200, patrols=4, discovery=0.9, reporting=0.5, correct=True, seed=1
    ).summary()
    assert fair["areas_ever_patrolled"] >= 3 * figures["areas_ever_patrolled"]
    assert fair["gini_attention"] < figures["gini_attention"] - 0.1


def test_feedback_loop_checks_its_inputs() -> None:
    with pytest.raises(FairnessError, match="patrols"):
        feedback_loop([1.0, 2.0], patrols=2)
    with pytest.raises(FairnessError, match="reporting"):
        feedback_loop([1.0, 2.0], patrols=1, reporting=1.5)
    with pytest.raises(FairnessError, match="correct needs"):
        feedback_loop([1.0, 2.0], patrols=1, correct=True)
    with pytest.raises(FairnessError, match="true_rates"):
        feedback_loop([0.0, 0.0], patrols=1)


def test_a_ranking_of_neighbourhoods_by_hand() -> None:
    """Three LSOAs of 1, 1 and 2 km², crimes 6, 3, 1. Forecast per km²: B (4) > A (2) > C (0.5).

    At 25% of the 4 km² (1 km²): B alone, 3 hits of 10, PAI 0.3 / 0.25 = 1.2; the best 1 km²
    is A with 6, so PEI* 0.5. At 50% (2 km²): B then A, 9 hits. At 75% (3 km²): B, A and half
    of C: 9.5 hits."""
    predicted = {"A": 2.0, "B": 4.0, "C": 1.0}
    observed = {"A": 6.0, "B": 3.0, "C": 1.0, "Z": 5.0}  # Z is not a neighbourhood: left out
    km2 = {"A": 1.0, "B": 1.0, "C": 2.0}
    quarter, half, three = score_areas(predicted, observed, km2, (0.25, 0.5, 0.75))
    assert quarter.hits == 3 and quarter.events == 10 and quarter.max_hits == 6
    assert math.isclose(quarter.pai, 1.2) and quarter.pei_star == 0.5 and quarter.areas == 1
    assert half.hits == 9 and half.pei_star == 1.0
    assert three.hits == 9.5 and three.areas == 2.5
    with pytest.raises(AreaError, match="coverage"):
        score_areas(predicted, observed, km2, (0.0,))


def test_a_grid_forecast_summed_by_neighbourhood() -> None:
    grid = Grid.from_bounds(0, 0, 450, 150, cell_size=150)
    scores = Scores(grid, np.array([[1.0, 2.0, 4.0]]))
    points = np.array([10.0, 400.0]), np.array([10.0, 10.0])
    areas = cell_areas_from_points(grid, *points, np.array(["A", "B"]))
    assert areas == ["A", "B", "B"]  # the middle cell's centre (225) is 175 m from B's point
    assert area_scores(scores, areas) == {"A": 1.0, "B": 6.0}
