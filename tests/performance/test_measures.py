"""Every store measure computed on small hand-built records with known answers, on SQLite and
PostgreSQL; the registry's rules; periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from planfixtures import (
    MAIDSTONE_LSOA,
    MEDWAY_LSOA,
    Tiny,
    asb,
    detention,
    district,
    force_of,
    imported,
    incident,
    local,
    make_tiny,
    own_crime,
    person,
    repeat_victim,
    speedwatch,
)

from constable.community.service import parse_quarter
from constable.crime.models import RecordedCrime
from constable.crime.offences import groups
from constable.performance.measures import (
    CRIME_TYPES,
    MEASURES,
    MeasureError,
    UnknownMeasureError,
    compute,
    crime_type_slug,
    get_measure,
    is_night_time_economy,
    months_before,
    parse_period,
    shift_years,
)
from constable.store import Store, open_store
from support import database_url_for

Q3 = parse_quarter("2017Q3")
UTC = dt.UTC


def build_scenario(store: Store) -> Tiny:
    """The records of docs: July to September 2017 (2017Q3) in Maidstone and Medway."""
    tiny = make_tiny(store)
    m, w = tiny.maidstone_id, tiny.medway_id
    with store.session() as s:
        vap, damage, order, burglary = (
            ("8N", "Violence and Sexual Offences"),
            ("58A", "Criminal Damage and Arson"),
            ("9A", "Public Order"),
            ("28E", "Burglary"),
        )
        c1 = own_crime(
            s, m, local(2017, 7, 14, 22, 30), vap[0], category=vap[1],
            outcomes=(("1", dt.date(2017, 8, 1)),),
        )  # fmt: skip
        own_crime(
            s, m, local(2017, 7, 15, 3, 0), damage[0], category=damage[1],
            outcomes=(("3", dt.date(2017, 8, 10)),),
        )  # fmt: skip
        c3 = own_crime(s, m, local(2017, 7, 16, 5, 30), order[0], category=order[1])
        c4 = own_crime(s, m, local(2017, 7, 16, 6, 30), order[0], category=order[1])
        own_crime(
            s, w, local(2017, 7, 13, 23, 0), vap[0], category=vap[1],
            outcomes=(("8", dt.date(2017, 8, 2)),),
        )  # fmt: skip
        own_crime(
            s, w, local(2017, 8, 4, 21, 0), burglary[0], category=burglary[1],
            outcomes=(("7", dt.date(2017, 9, 1)),),
        )  # fmt: skip
        own_crime(s, w, local(2017, 9, 30, 23, 30), damage[0], category=damage[1])
        # Saturday night, but 1 October locally (still 30 September in UTC): the next quarter.
        own_crime(
            s, m, local(2017, 10, 1, 0, 30), damage[0], category=damage[1],
            recorded_at=local(2017, 10, 2, 9, 0),
        )  # fmt: skip
        # June's crime, brought to justice in July: counts for OBTJ, not for the detection rate.
        own_crime(
            s, m, local(2017, 6, 30, 23, 30), vap[0], category=vap[1],
            outcomes=(("1", dt.date(2017, 7, 5)),),
        )  # fmt: skip
        asb(s, m, local(2017, 7, 20, 12, 0))
        august = dt.date(2017, 8, 1)
        imported(s, august, "Burglary", MAIDSTONE_LSOA)
        imported(s, august, "Burglary", MAIDSTONE_LSOA)
        imported(s, august, "Violence and sexual offences", MEDWAY_LSOA)
        imported(s, august, "Anti-social behaviour", MAIDSTONE_LSOA)
        imported(s, august, "Other theft", None)
        imported(s, dt.date(2017, 10, 1), "Burglary", MAIDSTONE_LSOA)
        s.flush()
        repeat_victim(s, c4, c3, dt.datetime(2017, 7, 16, 8, 0, tzinfo=UTC))
        repeat_victim(s, c3, c1, dt.datetime(2017, 10, 2, 8, 0, tzinfo=UTC))

        incident(
            s, tiny, m, opened_at=local(2017, 7, 10, 10, 0), grade=1, arrived_after=10,
            calls=(("999", 5), ("999", 12)),
        )  # fmt: skip
        incident(
            s, tiny, m, opened_at=local(2017, 8, 10, 10, 0), grade=1, arrived_after=20,
            calls=(("101", 20),),
        )  # fmt: skip
        incident(
            s, tiny, w, opened_at=local(2017, 9, 10, 10, 0), grade=2, arrived_after=30,
            calls=(("101", 45), ("999", 8)),
        )  # fmt: skip
        incident(s, tiny, w, opened_at=local(2017, 9, 11, 10, 0), grade=3, arrived_after=24 * 60)
        incident(
            s, tiny, w, opened_at=local(2017, 10, 5, 10, 0), grade=1, arrived_after=30,
            calls=(("999", 30),),
        )  # fmt: skip

        detention(s, tiny, m, local(2017, 7, 3, 14, 0))
        detention(s, tiny, w, local(2017, 9, 30, 23, 30))
        detention(s, tiny, w, local(2017, 10, 1, 0, 30))

        special = "special_constable"
        person(
            s, tiny, m, special, dt.date(2016, 1, 1),
            duties=((dt.date(2017, 7, 5), 4.0), (dt.date(2017, 8, 5), 3.5),
                    (dt.date(2017, 10, 1), 2.0)),
        )  # fmt: skip
        person(s, tiny, m, special, dt.date(2017, 8, 15))
        person(
            s, tiny, w, special, dt.date(2016, 1, 1), dt.date(2017, 8, 31),
            duties=((dt.date(2017, 7, 10), 1.0),),
        )  # fmt: skip
        person(s, tiny, m, "police_support_volunteer", dt.date(2016, 1, 1))
        person(s, tiny, w, "community_police_volunteer", dt.date(2016, 1, 1))
        person(s, tiny, w, "police_support_volunteer", dt.date(2016, 1, 1), dt.date(2017, 9, 29))
        person(s, tiny, m, "school_officer", dt.date(2016, 1, 1))

        speedwatch(s, tiny, m, dt.date(2017, 8, 1), ["AB12CDE", "CD34EFG", "EF56GHI"])
        speedwatch(s, tiny, w, dt.date(2017, 10, 3), ["GH78IJK", "IJ90KLM"])

        for quarter, number in ((1, 120), (2, 100), (2, 50)):
            s.add(
                RecordedCrime(
                    force="Kent",
                    financial_year="2017/18",
                    quarter=quarter,
                    offence_code=f"X{number}",
                    offence_description="test",
                    offence_group="test",
                    offence_subgroup="test",
                    offences=number,
                )
            )
        # January to March 2017 (2016/17 Q4): no crime record, only the Home Office's figures.
        for code, category, number in (("28E", None, 30), ("9A", "Public order", 50)):
            s.add(
                RecordedCrime(
                    force="Kent",
                    financial_year="2016/17",
                    quarter=4,
                    offence_code=code,
                    offence_description="test",
                    offence_group="test",
                    offence_subgroup="test",
                    police_uk_category=category,
                    offences=number,
                )
            )
    return tiny


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The scenario's store, built once per backend for this module (read-only tests)."""
    store = open_store(database_url_for(request, "measures"))
    build_scenario(store)
    yield store
    store.close()


def value(store: Store, name: str, area: str | None = None, period: str = "2017Q3") -> float | None:
    """The value of measure ``name`` for the force (or the district ``area``)."""
    with store.session() as s:
        where = district(s, area) if area else None
        return compute(
            session=s, force=force_of(s), name=name, period=parse_period(period), district=where
        ).value


@pytest.mark.parametrize(
    ("name", "force", "maidstone", "medway"),
    [
        ("recorded_crime", 11, 6, 4),
        ("crime_burglary", 3, 2, 1),
        ("crime_violence_and_sexual_offences", 3, 1, 2),
        ("crime_criminal_damage_and_arson", 2, 1, 1),
        ("crime_public_order", 2, 2, 0),
        ("crime_other_theft", 1, 0, 0),
        ("night_time_economy_crime", 4, 3, 1),
        ("offences_brought_to_justice", 4, 3, 1),
        ("repeat_victims_flagged", 1, 1, 0),
        ("s136_detentions", 2, 1, 1),
        ("speedwatch_vehicles_detected", 3, 3, 0),
    ],
)
def test_counts_have_their_known_values(
    scenario: Store, name: str, force: int, maidstone: int, medway: int
) -> None:
    assert value(scenario, name) == force
    assert value(scenario, name, "maidstone") == maidstone
    assert value(scenario, name, "medway") == medway


def test_a_count_carries_its_count_and_the_days_it_covers(scenario: Store) -> None:
    with scenario.session() as s:
        found = compute(session=s, force=force_of(s), name="recorded_crime", period=Q3)
    assert (found.count, found.exposure, found.covered_days) == (11, 92.0, 92)
    assert found.area == "force" and found.source == "store"


def test_crime_per_1000_residents_divides_by_the_census_population(scenario: Store) -> None:
    assert value(scenario, "crime_per_1000") == pytest.approx(11 / 4000 * 1000)
    assert value(scenario, "crime_per_1000", "maidstone") == pytest.approx(6.0)
    with scenario.session() as s:
        found = compute(
            session=s,
            force=force_of(s),
            name="crime_per_1000",
            period=Q3,
            district=district(s, "medway"),
        )
    assert (found.count, found.exposure) == (4, 3000.0)


@pytest.mark.parametrize(
    ("name", "area", "numerator", "denominator"),
    [
        ("sanction_detection_rate", None, 2, 7),
        ("sanction_detection_rate", "maidstone", 2, 4),
        ("sanction_detection_rate", "medway", 0, 3),
        ("calls_999_within_10s", None, 2, 3),
        ("calls_999_within_10s", "maidstone", 1, 2),
        ("calls_999_within_10s", "medway", 1, 1),
        ("calls_other_within_30s", None, 1, 2),
        ("attendance_grade_1", None, 1, 2),
        ("attendance_grade_2", None, 1, 1),
        ("attendance_grade_3", "medway", 1, 1),
    ],
)
def test_shares_carry_numerator_and_denominator(
    scenario: Store, name: str, area: str | None, numerator: int, denominator: int
) -> None:
    with scenario.session() as s:
        where = district(s, area) if area else None
        found = compute(session=s, force=force_of(s), name=name, period=Q3, district=where)
    assert (found.numerator, found.denominator) == (numerator, denominator)
    assert found.value == pytest.approx(numerator / denominator)


def test_a_share_with_nothing_to_measure_has_no_value(scenario: Store) -> None:
    assert value(scenario, "attendance_grade_2", "maidstone") is None
    assert value(scenario, "calls_999_within_10s", period="2016Q3") is None


def test_specials_and_volunteers(scenario: Store) -> None:
    assert value(scenario, "special_constables") == 2
    assert value(scenario, "special_constables", "medway") == 0
    # Month ends: 31 July 2 (one has not joined), 31 August 3, 30 September 2 (one left).
    assert value(scenario, "special_constables_average") == pytest.approx(7 / 3)
    assert value(scenario, "special_constable_hours") == pytest.approx(8.5)
    assert value(scenario, "special_constable_hours", "maidstone") == pytest.approx(7.5)
    assert value(scenario, "volunteers") == 2


def test_home_office_recorded_crime_sums_whole_financial_quarters(scenario: Store) -> None:
    assert value(scenario, "home_office_recorded_crime") == 150
    assert value(scenario, "home_office_recorded_crime", "medway") is None
    with scenario.session() as s:
        year = compute(
            session=s,
            force=force_of(s),
            name="home_office_recorded_crime",
            period=parse_period("2017/18"),
        )
    assert year.value == 270 and year.covered_days == 91 + 92
    assert year.note == "not imported: 2017/18 Q3, 2017/18 Q4"
    assert value(scenario, "home_office_recorded_crime", period="2017-08") is None


def test_recorded_crime_falls_back_to_the_home_office_tables(scenario: Store) -> None:
    winter = "2017-01-01..2017-03-31"  # financial quarter 2016/17 Q4: no crime record
    with scenario.session() as s:
        found = compute(
            session=s, force=force_of(s), name="recorded_crime", period=parse_period(winter)
        )
    assert found.value == 80 and found.source == "Home Office police recorded crime tables"
    assert found.note is not None and "2016/17 Q4" in found.note
    # By type: the table's own police.uk column, else the offence code's type (28E burglary).
    assert value(scenario, "crime_public_order", period=winter) == 50
    assert value(scenario, "crime_burglary", period=winter) == 30
    # Published for the force only; a period that is not whole quarters has no value.
    assert value(scenario, "recorded_crime", "medway", period=winter) is None
    assert value(scenario, "recorded_crime", period="2017-02") is None
    # Where the store has records, they are the source, and a district without any has 0.
    assert value(scenario, "recorded_crime") == 11
    assert value(scenario, "crime_public_order", "medway") == 0


def test_a_period_with_no_crime_records_has_no_value(scenario: Store) -> None:
    with scenario.session() as s:
        found = compute(
            session=s, force=force_of(s), name="recorded_crime", period=parse_period("2015")
        )
    assert found.value is None and found.note is not None


def test_night_time_economy_hours() -> None:
    assert is_night_time_economy(local(2017, 7, 14, 20, 0))  # Friday 20:00
    assert is_night_time_economy(local(2017, 7, 15, 5, 59))  # Saturday 05:59
    assert not is_night_time_economy(local(2017, 7, 15, 6, 0))
    assert not is_night_time_economy(local(2017, 7, 14, 19, 59))
    assert is_night_time_economy(local(2017, 7, 16, 1, 0))  # Saturday night, early Sunday
    assert not is_night_time_economy(local(2017, 7, 16, 21, 0))  # Sunday night
    assert not is_night_time_economy(local(2017, 7, 14, 3, 0))  # Thursday night
    # 23:30 on Saturday 30 September, British Summer Time, given in UTC.
    assert is_night_time_economy(dt.datetime(2017, 9, 30, 22, 30, tzinfo=UTC))


def test_the_registry() -> None:
    """Every measure has a name, a label and a definition; the crime types cover police.uk."""
    for name, found in MEASURES.items():
        assert found.name == name and found.label and len(found.definition) > 40, name
        assert (found.computer is None) == (found.source == "external"), name
    assert len(CRIME_TYPES) == 13
    assert {f"crime_{crime_type_slug(t)}" for t in CRIME_TYPES} <= set(MEASURES)
    assert "Criminal damage and arson" in groups()
    with pytest.raises(UnknownMeasureError, match=r"'crme'.*the measures are recorded_crime"):
        get_measure("crme")


def test_periods() -> None:
    assert parse_period("2007/08").start == dt.date(2007, 4, 1)
    assert parse_period("2007/08").end == dt.date(2008, 4, 1)
    assert parse_period("2017Q3").start == dt.date(2017, 7, 1)
    assert parse_period("2007-04-01..2007-06-30").end == dt.date(2007, 7, 1)
    assert shift_years(parse_period("2017Q3"), -1).label == "2016Q3"
    assert shift_years(parse_period("2007/08"), -1).label == "2006/07"
    assert [p.label for p in months_before(dt.date(2017, 10, 1), 3)] == [
        "2017-07",
        "2017-08",
        "2017-09",
    ]
    for bad in ("2007/09", "2017Q5", "last year", "2008-03-31..2007-04-01"):
        with pytest.raises(MeasureError):
            parse_period(bad)


@pytest.fixture(params=["sqlite", "postgresql"])
def justice_twice(request: pytest.FixtureRequest) -> Iterator[Store]:
    """Crimes of July to October 2017, one of them brought to justice in August and again in
    October (charged, then another offence taken into consideration)."""
    store = open_store(database_url_for(request, "justice"))
    tiny = make_tiny(store)
    with store.session() as s:
        vap = ("8N", "Violence and Sexual Offences")
        own_crime(
            s, tiny.maidstone_id, local(2017, 7, 3, 12, 0), vap[0], category=vap[1],
            outcomes=(("1", dt.date(2017, 8, 20)), ("4", dt.date(2017, 10, 2))),
        )  # fmt: skip
        own_crime(
            s, tiny.medway_id, local(2017, 7, 9, 12, 0), vap[0], category=vap[1],
            outcomes=(("1", dt.date(2017, 8, 1)), ("1", dt.date(2017, 8, 30))),
        )  # fmt: skip
        own_crime(
            s, tiny.medway_id, local(2017, 9, 9, 12, 0), "28E", category="Burglary",
            outcomes=(("7", dt.date(2017, 10, 1)),),  # a cannabis warning: OBTJ, no detection
        )  # fmt: skip
        own_crime(s, tiny.maidstone_id, local(2017, 10, 9, 12, 0), "28E", category="Burglary")
    yield store
    store.close()


def test_monthly_tallies_add_up_to_any_run_of_months(justice_twice: Store) -> None:
    from constable.crime.detections import detections, tallies

    months = [dt.date(2017, m, 1) for m in (7, 8, 9, 10, 11)]
    with justice_twice.session() as s:
        force = force_of(s)
        counted = tallies(session=s, force=force, edges=months)
        for first in range(len(months) - 1):
            for end in range(first + 1, len(months)):
                alone = detections(
                    session=s,
                    force=force,
                    start=months[first],
                    end=months[end] - dt.timedelta(days=1),
                )
                added = counted.report(first, end)
                assert added.force == alone.force, (months[first], months[end])
                assert added.districts == alone.districts
                assert added.groups == alone.groups
    whole = counted.report()
    # Three crimes brought to justice once each, though four months hold five such outcomes.
    assert whole.force.brought_to_justice == 3
    assert counted.report(1, 2).force.brought_to_justice == 2  # August: both July crimes
    assert counted.report(3, 4).force.brought_to_justice == 2  # October
    assert whole.force.crimes == 4 and whole.force.sanction_detections == 2


def test_prefetched_families_give_the_values_counted_in_the_session(scenario: Store) -> None:
    from constable.performance.measures import prefetch
    from constable.performance.plan import load_plan
    from constable.performance.status import plan_status

    counted = [m for m in MEASURES.values() if m.family is not None]
    assert {m.family for m in counted} == {"crime", "detections", "night-time economy", "control"}
    with scenario.session() as s:
        force = force_of(s)
        cache: dict[object, object] = {}
        prefetch(session=s, force=force, period=Q3, cache=cache)
        assert len([key for key in cache if key[0] == "months"]) == 4
        for found in counted:
            for area in (None, "maidstone", "medway"):
                where = district(s, area) if area else None
                kept = compute(
                    session=s, force=force, name=found.name, period=Q3, district=where, cache=cache
                )
                alone = compute(session=s, force=force, name=found.name, period=Q3, district=where)
                assert (kept.value, kept.count) == (alone.value, alone.count), (found.name, area)
        plan = load_plan("safer-in-kent-2017-21")
        both = [
            plan_status(session=s, force=force, plan=plan, quarter=Q3, parallel=parallel).as_dict()
            for parallel in (True, False)
        ]
    assert both[0] == both[1]
