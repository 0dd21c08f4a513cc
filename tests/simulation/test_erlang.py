"""Erlang C against values worked by hand, and against the textbook sum formula."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from constable.simulation.erlang import erlang_b, queue, wait_probability


def textbook_c(agents: int, erlangs: Fraction) -> Fraction:
    """Erlang C by the textbook formula, exactly:
    C = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a)))."""
    top = erlangs**agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    bottom = sum(erlangs**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_two_erlangs_on_three_agents_worked_by_hand() -> None:
    """a = 2 erlangs (40 calls an hour of 180 s), c = 3 agents.

    Erlang B by recursion: B(1) = 2/3, B(2) = (2 * 2/3) / (2 + 4/3) = 2/5,
    B(3) = (2 * 2/5) / (3 + 4/5) = 4/19.
    C = 3 * 4/19 / (3 - 2 * (1 - 4/19)) = (12/19) / (27/19) = 4/9 = 0.4444.
    Check by the sum formula: terms 1, 2, 2 (k = 0..2) and 8/6 * 3/1 = 4, so C = 4 / 9.
    ASA = C * h / (c - a) = 4/9 * 180 / 1 = 80 s.
    Service level within 20 s = 1 - 4/9 * exp(-(3 - 2) * 20 / 180) = 1 - 0.44444 * 0.89484
    = 0.60229. Occupancy 2/3.
    """
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19)
    figures = queue(agents=3, calls_per_hour=40, handle_seconds=180, target_seconds=20)
    assert figures.offered_erlangs == pytest.approx(2.0)
    assert figures.wait_probability == pytest.approx(4 / 9)
    assert figures.asa_seconds == pytest.approx(80.0)
    assert figures.service_level == pytest.approx(0.60229, abs=1e-5)
    assert figures.occupancy == pytest.approx(2 / 3)


def test_one_agent_is_the_single_server_queue() -> None:
    """c = 1: C = a (the M/M/1 probability of waiting). a = 0.5: ASA = 0.5 * h / 0.5 = h."""
    figures = queue(agents=1, calls_per_hour=10, handle_seconds=180, target_seconds=0)
    assert figures.wait_probability == pytest.approx(0.5)
    assert figures.asa_seconds == pytest.approx(180.0)
    assert figures.service_level == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("agents", "erlangs"),
    [
        (3, Fraction(2)),
        (7, Fraction(5)),
        (55, Fraction(48)),
        (12, Fraction(21, 2)),
        (30, Fraction(1, 4)),
    ],
)
def test_agrees_with_the_textbook_sum_formula(agents: int, erlangs: Fraction) -> None:
    """The classic 360 calls in half an hour of 240 s is 48 erlangs; with 55 agents."""
    assert wait_probability(agents, float(erlangs)) == pytest.approx(
        float(textbook_c(agents, erlangs)), rel=1e-12
    )


def test_thousands_of_agents_do_not_overflow() -> None:
    """A factorial formula overflows at 171!; the recursion does not."""
    value = wait_probability(2000, 1950.0)
    assert 0 < value < 1


def test_a_pool_that_cannot_keep_up_always_waits() -> None:
    figures = queue(agents=4, calls_per_hour=100, handle_seconds=180, target_seconds=10)
    assert figures.wait_probability == 1.0
    assert figures.service_level == 0.0
    assert math.isinf(figures.asa_seconds)
