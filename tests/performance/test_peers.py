"""Rates, similarity, funnel limits, grades and the year-on-year test, on small hand-built data
with answers worked out by hand."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from constable.crime.models import RecordedCrime
from constable.performance.charts import funnel_svg
from constable.performance.forces import force_census
from constable.performance.peers import (
    ForceRate,
    FunnelLimits,
    Grade,
    NoRecordedCrimeError,
    PeersError,
    Trend,
    UnknownForceError,
    compare_years,
    crime_rates,
    funnel_limits,
    grade,
    most_similar,
    overdispersion,
    peer_report,
    pooled_rate,
    previous_financial_year,
    resolve_force,
    standardise,
)
from constable.store import Store


def add_rows(store: Store, rows: list[tuple[str, str, int, str, int]]) -> None:
    """Recorded-crime rows: (force, financial year, quarter, offence code, offences)."""
    with store.session() as session:
        session.add_all(
            RecordedCrime(
                force=force,
                financial_year=year,
                quarter=quarter,
                offence_code=code,
                offence_description="test offence",
                offence_group="Test group",
                offence_subgroup="Test subgroup",
                offences=offences,
            )
            for force, year, quarter, code, offences in rows
        )


TINY = [
    ("Kent", "2017/18", 1, "1", 100),
    ("Kent", "2017/18", 2, "1", 50),
    ("Kent", "2017/18", 1, "2", 50),
    ("Essex", "2017/18", 1, "1", 300),
    ("Action Fraud", "2017/18", 1, "AF", 999),
    ("Atlantis", "2017/18", 1, "1", 7),
    ("Kent", "2016/17", 1, "1", 260),
]


# ---- rates -------------------------------------------------------------------------------


def test_rates_per_1000_on_a_hand_built_table(store: Store) -> None:
    add_rows(store, TINY)
    with store.session() as session:
        rates = crime_rates(session=session, populations={"Kent": 4_000, "Essex": 2_000})
    by_name = rates.by_name()
    assert by_name["Kent"].offences == 200 and by_name["Kent"].per_1000 == 50.0
    assert by_name["Essex"].offences == 300 and by_name["Essex"].per_1000 == 150.0
    assert rates.quarters == [1, 2]
    assert rates.excluded == ["Action Fraud"]
    assert rates.unmatched == ["Atlantis"]
    assert rates.missing == []
    assert by_name["Kent"].as_dict() == {
        "name": "Kent",
        "population": 4000,
        "offences": 200,
        "per_1000": 50.0,
    }


def test_rates_use_the_census_residents_by_default(store: Store) -> None:
    add_rows(store, TINY)
    with store.session() as session:
        rates = crime_rates(session=session)
    kent = rates.by_name()["Kent"]
    assert kent.population == 1_727_665
    assert kent.per_1000 == pytest.approx(200 / 1_727_665 * 1000)
    assert len(rates.missing) == 41 and "Gwent" in rates.missing


def test_no_recorded_crime_is_a_clear_error(store: Store) -> None:
    with store.session() as session, pytest.raises(NoRecordedCrimeError) as caught:
        crime_rates(session=session)
    assert "no Home Office recorded crime for 2017/18" in str(caught.value)
    assert "constable import sample recorded-crime" in str(caught.value)
    add_rows(store, [("Kent", "2016/17", 1, "1", 5)])
    with store.session() as session, pytest.raises(NoRecordedCrimeError, match="it has 2016/17"):
        crime_rates(session=session)


def test_previous_financial_year() -> None:
    assert previous_financial_year("2017/18") == "2016/17"
    assert previous_financial_year("2000/01") == "1999/00"


# ---- similarity --------------------------------------------------------------------------

FEATURES = {
    "A": {"x": 0.0, "y": 0.0},
    "B": {"x": 1.0, "y": 0.0},
    "C": {"x": 0.0, "y": 3.0},
    "D": {"x": 4.0, "y": 4.0},
}


def test_standardised_distance_ranks_a_tiny_table() -> None:
    # x: mean 1.25, population sd sqrt(2.6875); y: mean 1.75, sd sqrt(3.1875).
    sd_x, sd_y = math.sqrt(2.6875), math.sqrt(3.1875)
    scores = standardise(FEATURES)
    assert scores["D"]["x"] == pytest.approx((4 - 1.25) / sd_x)
    assert scores["C"]["y"] == pytest.approx((3 - 1.75) / sd_y)
    peers = most_similar(FEATURES, "A", size=3)
    assert [p.name for p in peers] == ["B", "C", "D"]
    assert peers[0].distance == pytest.approx(1 / sd_x)
    assert peers[1].distance == pytest.approx(3 / sd_y)
    assert peers[2].distance == pytest.approx(math.hypot(4 / sd_x, 4 / sd_y))
    assert [p.name for p in most_similar(FEATURES, "D", size=2)] == ["C", "B"]


def test_units_do_not_matter() -> None:
    # x in thousandths: unstandardised, C (3 away) would now be far nearer A than B (1,000).
    rescaled = {name: {"x": row["x"] * 1000, "y": row["y"]} for name, row in FEATURES.items()}
    assert most_similar(rescaled, "A", size=3) == most_similar(FEATURES, "A", size=3)


def test_a_force_is_never_its_own_peer_and_sizes_are_checked() -> None:
    assert "B" not in [p.name for p in most_similar(FEATURES, "B", size=3)]
    with pytest.raises(PeersError, match="group size == 4, must be between 1 and 3"):
        most_similar(FEATURES, "A", size=4)
    with pytest.raises(UnknownForceError, match="no territorial force 'E'"):
        most_similar(FEATURES, "E")


def test_a_feature_that_does_not_vary_is_ignored() -> None:
    flat = {name: {**row, "z": 5.0} for name, row in FEATURES.items()}
    assert most_similar(flat, "A", size=3) == most_similar(FEATURES, "A", size=3)


def test_force_names_are_resolved() -> None:
    names = sorted(force_census())
    assert resolve_force("Kent Police", names) == "Kent"
    assert resolve_force("City of London Police", names) == "London, City of"
    with pytest.raises(UnknownForceError, match="did you mean 'Kent'"):
        resolve_force("Kentt", names)


# ---- funnel limits -----------------------------------------------------------------------


def test_normal_limits_by_hand() -> None:
    # 80 per 1,000 in 10,000 residents: sd = sqrt(80 * 1000 / 10000) = sqrt(8) per 1,000.
    limits = funnel_limits(80.0, 10_000, method="normal")
    assert limits.lower_95 == pytest.approx(80 - 1.959964 * math.sqrt(8), abs=1e-4)
    assert limits.upper_95 == pytest.approx(85.5437, abs=1e-4)
    assert limits.lower_998 == pytest.approx(71.2595, abs=1e-4)
    assert limits.upper_998 == pytest.approx(88.7405, abs=1e-4)
    wide = funnel_limits(80.0, 10_000, method="normal", phi=4.0)
    assert wide.upper_95 - 80 == pytest.approx(2 * (limits.upper_95 - 80))


def _poisson_cdf(k: int, mean: float) -> float:
    return sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k + 1))


def test_exact_limits_by_hand() -> None:
    # 2 per 1,000 in 2,000 residents: 4 offences expected. The 97.5% quantile of Poisson(4) is
    # 8 (F(7) = 0.9489, F(8) = 0.9786); interpolated, 8 - (F(8) - 0.975) / (F(8) - F(7)).
    f7, f8 = _poisson_cdf(7, 4), _poisson_cdf(8, 4)
    upper = (8 - (f8 - 0.975) / (f8 - f7)) / 2
    # The 2.5% quantile is 1 (F(0) = 0.0183, F(1) = 0.0916).
    f0, f1 = _poisson_cdf(0, 4), _poisson_cdf(1, 4)
    lower = (1 - (f1 - 0.025) / (f1 - f0)) / 2
    limits = funnel_limits(2.0, 2_000)
    assert limits.upper_95 == pytest.approx(upper) == pytest.approx(3.9389, abs=1e-4)
    assert limits.lower_95 == pytest.approx(lower) == pytest.approx(0.0457, abs=1e-4)
    assert limits.lower_998 < limits.lower_95 < 2.0 < limits.upper_95 < limits.upper_998


def test_exact_and_normal_limits_agree_for_a_force_the_size_of_kent() -> None:
    exact = funnel_limits(84.0, 1_727_665)
    normal = funnel_limits(84.0, 1_727_665, method="normal")
    for name in ("lower_998", "lower_95", "upper_95", "upper_998"):
        assert getattr(exact, name) == pytest.approx(getattr(normal, name), abs=0.01)


def test_bad_funnel_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="population == 0, must be > 0"):
        funnel_limits(80.0, 0)
    with pytest.raises(ValueError, match=r"phi == 0\.5, must be >= 1"):
        funnel_limits(80.0, 100, phi=0.5)


def test_pooled_rate_and_overdispersion_by_hand() -> None:
    # Two forces of 1,000 residents around 100 per 1,000 (Poisson sd 10): z = +2 and -2.
    forces = [ForceRate("A", 1_000, 120), ForceRate("B", 1_000, 80)]
    assert pooled_rate(forces) == 100.0
    assert overdispersion(forces, 100.0) == pytest.approx(4.0)
    assert overdispersion([ForceRate("A", 1_000, 100)], 100.0) == 1.0


# ---- grades ------------------------------------------------------------------------------

# 80 per 1,000 in a million residents: sd 0.2828; 95% limits 79.446–80.554, 99.8% 79.126–80.874.
LIMITS = funnel_limits(80.0, 1_000_000, method="normal")


@pytest.mark.parametrize(
    ("per_1000", "expected"),
    [
        (79.0, Grade.EXCELLENT),
        (79.3, Grade.GOOD),
        (79.6, Grade.FAIR),
        (80.5, Grade.FAIR),
        (80.6, Grade.POOR),
        (81.0, Grade.POOR),
    ],
)
def test_each_grade_is_decided_by_its_limit(per_1000: float, expected: Grade) -> None:
    assert grade(per_1000, LIMITS) is expected


def test_grade_boundaries() -> None:
    limits = FunnelLimits(1.0, 10.0, 8.0, 9.0, 11.0, 12.0)
    assert grade(7.99, limits) is Grade.EXCELLENT
    assert grade(8.0, limits) is Grade.GOOD
    assert grade(9.0, limits) is Grade.FAIR
    assert grade(11.0, limits) is Grade.FAIR
    assert grade(11.01, limits) is Grade.POOR


# ---- against last year -------------------------------------------------------------------


def test_trend_by_an_exact_poisson_test() -> None:
    # No offences this year against ten last year: p = 2 * 0.5 ** 10.
    improved = compare_years(0, 10)
    assert improved.trend is Trend.IMPROVED
    assert improved.p_value == pytest.approx(2 * 0.5**10)
    assert improved.rate_ratio == 0.0
    assert compare_years(10, 0).trend is Trend.DETERIORATED
    stable = compare_years(1_000, 1_010)
    assert stable.trend is Trend.STABLE and stable.p_value > 0.05
    assert compare_years(900, 1_000).trend is Trend.IMPROVED
    # The same count in twice the residents is half the rate.
    halved = compare_years(1_000, 1_000, this_population=2.0, last_population=1.0)
    assert halved.rate_ratio == 0.5 and halved.trend is Trend.IMPROVED
    assert "Improved" in halved.statement and "p = " in halved.statement
    assert compare_years(0, 0).trend is Trend.STABLE


# ---- the report --------------------------------------------------------------------------


def test_peer_report_on_a_hand_built_table_with_last_year(store: Store) -> None:
    add_rows(store, TINY)
    with store.session() as session:
        report = peer_report(session=session, force="Kent Police", size=1)
    assert report.force.rate.name == "Kent" and [p.rate.name for p in report.peers] == ["Essex"]
    assert report.mean_per_1000 == pytest.approx(500 / (1_727_665 + 1_724_950) * 1000)
    assert report.trend is not None and report.trend.last_year == 260
    assert report.trend.trend is Trend.IMPROVED  # 200 against 260: p ≈ 0.009
    assert report.trend_statement.startswith("2017/18 against 2016/17")
    data = report.as_dict()
    assert data["force"]["name"] == "Kent" and data["size"] == 1
    assert data["trend"]["trend"] == "Improved"
    assert set(data["grades"]) == {"Excellent", "Good", "Fair", "Poor"}


def test_without_last_year_the_trend_says_so(store: Store) -> None:
    add_rows(store, [row for row in TINY if row[1] == "2017/18"])
    with store.session() as session:
        report = peer_report(session=session, force="Kent", size=1)
    assert report.trend is None
    assert report.trend_statement.startswith("no previous year")
    svg = funnel_svg(report)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert "Kent" in (root.findtext(f"{ns}title") or "")
    assert "Essex" in (root.findtext(f"{ns}desc") or "")
    assert len(root.findall(f".//{ns}circle")) + len(root.findall(f".//{ns}path")) >= 2
