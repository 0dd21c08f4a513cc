"""Scenarios: the shipped ones load; bad input is refused before any run, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from constable.simulation import SimulationError
from constable.simulation.scenarios import load_scenario, shipped_scenarios


def write(tmp_path: Path, changes: dict[str, object], **top: object) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"name": "Test", "seed": 1, **top, "changes": changes}))
    return path


def test_the_shipped_2013_models_load() -> None:
    assert {"kent-2013-central", "kent-2013-district"} <= set(shipped_scenarios())
    central = load_scenario("kent-2013-central")
    district = load_scenario("kent-2013-district")
    assert central.changes.response.ownership == "central"
    assert district.changes.response.ownership == "district"
    pcsos = {s.name: sum(u.kind == "pcso" for u in s.units) for s in (central, district)}
    # One PCSO per 2.85 neighbourhoods against one per 4: a PCSO for every ward.
    assert pcsos[district.name] > pcsos[central.name]
    for scenario in (central, district):
        assert scenario.assumptions and all(a.source for a in scenario.assumptions)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"district_demand": {"Gotham": 1.2}}, "unknown district 'Gotham'"),
        (
            {"teams": {"pcso_team": {"PCSO": {"neighbourhoods_per_post": -2}}}},
            "neighbourhoods_per_post == -2: staffing cannot be negative",
        ),
        (
            {"teams": {"local_policing_team": {"Constable": {"per_1000_residents": -0.1}}}},
            "staffing cannot be negative",
        ),
        ({"teams": {"swat_team": {"Officer": {"count": 3}}}}, "no team 'swat_team'"),
        ({"teams": {"pcso_team": {"Warden": {"count": 3}}}}, "no post 'Warden'"),
        (
            {"demand": {"channels": {"999": {"hourly": [0.05] * 24}}}},
            "hourly profile sums to 1.2000, must sum to 1",
        ),
        ({"demand": {"weekday": [0.1] * 7}}, "weekday profile sums to 0.7000"),
        ({"abstraction": {"pcso": 1.5}}, "abstraction 1.5 must be >= 0 and < 1"),
        ({"response": {"cross_border_grades": [4]}}, "cannot be attended"),
        ({"response": {"kind_order": {1: ["pcso"], 2: ["patrol_car"], 3: ["pcso"]}}}, "grade 1"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(SimulationError, match=message) as caught:
        load_scenario(write(tmp_path, changes))
    assert "scenario.yaml" in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"district_demand": {"Atlantis": 2}, "teams": {"pcso_team": {"Warden": {"count": 1}}}},
    )
    with pytest.raises(SimulationError) as caught:
        load_scenario(path)
    assert "Atlantis" in str(caught.value) and "Warden" in str(caught.value)


def test_a_negative_seed_and_an_unknown_scenario_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SimulationError, match="seed"):
        load_scenario(write(tmp_path, {}, seed=-1))
    with pytest.raises(SimulationError, match="no scenario 'utopia'"):
        load_scenario("utopia")
