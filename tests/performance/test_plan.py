"""Plans as data: both shipped plans load and name only registered measures; seed 002's table is
there row by row; bad plans are refused with the file and the path of the field at fault; the
`constable plan` commands."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from planfixtures import (
    MAIDSTONE_LSOA,
    force_of,
    imported,
    make_tiny,
    plan_text,
)
from typer.testing import CliRunner

from constable.cli import app, main
from constable.performance.measures import MEASURES
from constable.performance.plan import (
    Plan,
    PlanError,
    describe_target,
    load_plan,
    parse_plan,
    shipped_plans,
)
from constable.store import Store

SEED_002 = "policing-kent-2007-10"
SAFER_IN_KENT = "safer-in-kent-2017-21"


def targets_of(plan: Plan, measure: str, area: str = "force") -> list[str]:
    return [
        describe_target(t, MEASURES[measure].unit)
        for line in plan.lines()
        if line.item.measure == measure and line.item.area == area
        for t in line.item.targets
    ]


def test_both_shipped_plans_load_and_name_only_registered_measures() -> None:
    assert shipped_plans() == [SEED_002, SAFER_IN_KENT]
    for name in shipped_plans():
        plan = load_plan(name)
        names = [line.item.measure for line in plan.lines()]
        assert names and all(n in MEASURES for n in names), name
        for line in plan.lines():
            for target in line.item.targets:
                assert target.due is not None


def test_seed_002_table_is_there_row_by_row() -> None:
    plan = load_plan(SEED_002)
    assert [p.title for p in plan.priorities] == [
        "To build safer and more confident communities",
        "To be people centred in our service delivery",
        "To ensure value for money",
    ]
    objectives = [o.key for p in plan.priorities for o in p.objectives]
    assert objectives == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    assert len(list(plan.lines())) == 31
    assert sum(len(line.item.targets) for line in plan.lines()) == 35
    expected = {
        ("kcvs_crime_level", "force"): ["reduce by 4% on 2005/06 by 31 March 2008"],
        ("sanction_detection_rate", "force"): ["increase to 26% by 31 March 2008"],
        ("offences_brought_to_justice", "force"): ["at least 34,324 by 31 March 2008"],
        ("night_time_economy_crime", "force"): ["at most 8,399 by 31 March 2008"],
        ("night_time_economy_crime", "medway"): ["at most 1,792 by 31 March 2008"],
        ("kcvs_confidence", "force"): ["increase to 61% by 31 March 2008"],
        ("kcvs_worry_about_crime", "force"): ["reduce to 40% by 31 March 2009"],
        ("kcvs_worry_about_crime", "medway"): ["reduce to 52% by 31 March 2009"],
        ("crime_criminal_damage_and_arson", "force"): [
            "reduce by 0.75% on 2006/07 by 31 March 2008 (minimum)",
            "reduce by 1.5% on 2006/07 by 31 March 2008 (stretch)",
        ],
        ("kcvs_asb_perception", "force"): ["reduce to 19% by 31 March 2008"],
        ("kcvs_asb_perception", "medway"): ["reduce to 28.5% by 31 March 2008"],
        ("organised_crime_enterprises_dismantled", "force"): [
            "at least 51 by 31 March 2008 (minimum)",
            "at least 61 by 31 March 2008 (stretch)",
        ],
        ("confiscation_orders_value", "force"): ["increase to £2,300,000 by 31 March 2008"],
        ("confiscation_orders", "force"): ["increase to 82 by 31 March 2008"],
        ("kcvs_work_closely", "force"): [
            "increase to 58% by 31 March 2008 (minimum)",
            "increase to 59% by 31 March 2008 (stretch)",
            "increase to 61% by 31 March 2009",
        ],
        ("victim_satisfaction_action", "force"): ["increase to 79% by 31 March 2008"],
        ("neighbourhood_policing_criteria", "force"): ["at least 100% by 31 March 2008"],
        ("calls_999_within_10s", "force"): ["at least 90% by 31 March 2008"],
        ("calls_other_within_30s", "force"): ["at least 90% by 31 March 2008"],
        ("calls_public_call_handling_within_30s", "force"): ["at least 90% by 31 March 2009"],
        ("calls_crime_recording_within_30s", "force"): ["at least 90% by 31 March 2009"],
        ("calls_switchboard_emergency_within_10s", "force"): ["at least 90% by 31 March 2008"],
        ("racist_incident_victim_satisfaction", "force"): ["increase to 80% by 31 March 2008"],
        ("minority_ethnic_officers", "force"): ["increase to 90 by 31 March 2008"],
        ("minority_ethnic_staff", "force"): ["increase to 86 by 31 March 2009"],
        ("sickness_hours_officers", "force"): ["reduce to 64.0 hours by 31 March 2008"],
        ("sickness_hours_staff", "force"): ["reduce to 66.6 hours by 31 March 2008"],
        ("cashable_savings", "force"): ["at least £1,200,000 by 31 March 2008"],
        ("officers_abstracted", "force"): ["reduce by 40% on 2006/07 by 31 March 2008"],
        ("special_constables_average", "force"): ["increase by 10% on 2006/07 by 31 March 2008"],
        ("volunteers", "force"): ["increase to 100 by 31 March 2008"],
    }
    for (measure, area), wanted in expected.items():
        assert targets_of(plan, measure, area) == wanted, (measure, area)
    assert len(expected) == 31


def test_safer_in_kent_has_six_priorities_and_no_numeric_targets() -> None:
    plan = load_plan(SAFER_IN_KENT)
    assert [p.title for p in plan.priorities] == [
        "Put victims first",
        "Fight crime and anti-social behaviour",
        "Tackle abuse, exploitation and violence",
        "Combat organised crime and gangs",
        "Provide visible neighbourhood policing and effective roads policing",
        "Deliver an efficient and accessible service",
    ]
    assert not plan.has_targets
    assert plan.period.start.isoformat() == "2017-04-01"
    assert plan.period.end.isoformat() == "2021-03-31"


def refused(raw: dict[str, Any], *words: str) -> str:
    with pytest.raises(PlanError) as caught:
        parse_plan(raw, where="bad.yaml")
    message = str(caught.value)
    assert message.startswith("bad.yaml: ")
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


def first_measure(raw: dict[str, Any], index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = raw["priorities"][0]["objectives"][0]["measures"][index]
    return found


def test_an_unknown_measure_is_named_with_its_path_and_the_list() -> None:
    raw = plan_text()
    first_measure(raw, 1)["measure"] = "crme"
    refused(
        raw,
        "priorities[0].objectives[0].measures[1].measure: unknown measure 'crme'",
        "the measures are recorded_crime, crime_per_1000,",
    )


def test_a_target_without_a_date_is_refused() -> None:
    raw = plan_text()
    del first_measure(raw)["targets"][0]["due"]
    refused(
        raw,
        "priorities[0].objectives[0].measures[0].targets[0].due: missing; a target needs a due "
        "date",
    )


def test_a_wrong_field_is_named_with_the_fields_that_are_allowed() -> None:
    raw = plan_text()
    first_measure(raw)["targets"][0]["deadline"] = "2018-03-31"
    refused(
        raw,
        "priorities[0].objectives[0].measures[0].targets[0].deadline: unknown field 'deadline'",
        "the fields here are kind, direction, value, level, due, period, baseline, note",
    )
    raw = plan_text(authr="me")
    refused(raw, "authr: unknown field 'authr'; the fields here are name, force, source")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda m: m.update(area="narnia"),
            ["measures[0].area: 'narnia' is not an area of kent", "medway", "maidstone"],
        ),
        (
            lambda m: m["targets"][0].update(direction="down"),
            ["targets[0].direction: Input should be 'increase', 'reduce', 'at_most'"],
        ),
        (
            lambda m: m["targets"][0].update(due="March 2008"),
            ["targets[0].due: 'March 2008' is not a date; write it YYYY-MM-DD"],
        ),
        (
            lambda m: m["targets"][0].update(kind="change"),
            ["targets[0].baseline: missing; a change is measured from a baseline"],
        ),
        (
            lambda m: m["targets"][0].update(period="2017/19"),
            ["targets[0].period: '2017/19' is not a financial year"],
        ),
        (
            lambda m: m["targets"][0].update(baseline={"period": "2016/17"}),
            ["targets[0].baseline: only a change target has a baseline"],
        ),
        (
            lambda m: m["targets"][0].update(value=-5),
            ["targets[0].value: Input should be greater than or equal to 0"],
        ),
        (
            lambda m: m.update(measure="home_office_recorded_crime", area="medway"),
            ["home_office_recorded_crime is published for the force only"],
        ),
    ],
)
def test_bad_fields_are_refused_with_their_path(change: Any, words: list[str]) -> None:
    raw = plan_text()
    change(first_measure(raw))
    refused(raw, *words)


def test_a_share_target_is_a_percentage() -> None:
    raw = plan_text()
    first_measure(raw, 1)["targets"][0]["value"] = 2600
    refused(raw, "measures[1].targets[0].value: 2600 is not a percentage")


def test_every_problem_is_listed_and_the_file_is_named(tmp_path: Path) -> None:
    raw = plan_text(force="narnia")
    first_measure(raw)["measure"] = "crme"
    del first_measure(raw, 1)["targets"][0]["due"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert len(caught.value.problems) == 2  # the force is checked once the fields are right
    path.write_text("name: [unclosed")
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan(path)
    with pytest.raises(PlanError, match="no shipped plan of that name"):
        load_plan("policing-narnia")
    fixed = copy.deepcopy(plan_text(force="narnia"))
    with pytest.raises(PlanError, match="force: 'narnia' is not a force shipped with Constable"):
        parse_plan(fixed, where="x")


# -- The command line -------------------------------------------------------------------------


def test_plan_check_prints_the_tree() -> None:
    result = CliRunner().invoke(app, ["plan", "check", SEED_002], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1.1.5 Number of crimes in the night time economy (Medway)" in result.output
    assert "at most 1,792 by 31 March 2008" in result.output
    assert "31 measures, 35 targets" in result.output


def test_plan_check_refuses_a_bad_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = plan_text()
    first_measure(raw)["measure"] = "crme"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["plan", "check", str(path)]) == 1
    assert "unknown measure 'crme'" in capsys.readouterr().err


def test_plan_status_prints_every_measure(store: Store, tmp_path: Path) -> None:
    make_tiny(store)
    with store.session() as s:
        for _ in range(12):
            imported(s, dt.date(2017, 7, 1), "Burglary", MAIDSTONE_LSOA)
        assert force_of(s).code == "kent"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan_text()))
    url = str(store.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", url, "plan", "status", str(path), "--quarter", "2017Q3", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["quarter"] == "2017Q3"
    crime, detections = data["measures"]
    assert crime["value"]["value"] == 12 and crime["status"] == "on track"
    assert detections["area"] == "medway" and detections["status"] == "no data"
    table = runner.invoke(
        app, ["--db", url, "plan", "status", str(path), "--quarter", "2017Q3", "--no-spc"]
    )
    assert table.exit_code == 0, table.output
    assert "2 measures: 1 on track, 1 no data." in table.output
    by_district = runner.invoke(
        app,
        ["--db", url, "plan", "status", str(path), "--quarter", "2017Q3", "--district", "Medway"],
    )
    assert by_district.exit_code == 0, by_district.output
    assert "medway" in by_district.output


def test_plan_measures_lists_the_registry() -> None:
    result = CliRunner().invoke(app, ["plan", "measures", "--json"])
    assert result.exit_code == 0, result.output
    names = [m["name"] for m in json.loads(result.output)]
    assert names == list(MEASURES)
