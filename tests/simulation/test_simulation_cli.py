"""`constable staffing` and `constable simulate`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from constable.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_staffing_erlang_json_prints_exactly_the_five_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "staffing", "erlang", "--calls-per-hour", "30", "--handle-seconds", "240",
        "--target-seconds", "10", "--service-level", "0.9", "--shrinkage", "0.3", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["agents", "scheduled", "service_level", "asa_seconds", "occupancy"]
    assert data["agents"] == 5 and data["scheduled"] == 8
    assert data["occupancy"] == pytest.approx(0.4)


def test_staffing_erlang_table_and_default_shrinkage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "staffing", "erlang", "--calls-per-hour", "30", "--handle-seconds", "240",
        "--target-seconds", "10",
    )  # fmt: skip
    assert code == 0 and "agents" in out and "94.7% within 10 s" in out


def test_staffing_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "staffing", "erlang", "--calls-per-hour", "30", "--handle-seconds", "240",
        "--target-seconds", "10", "--service-level", "1.2",
    )  # fmt: skip
    assert code == 1 and "service_level == 1.2" in err


def test_staffing_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "staffing", "plan", "--weekday", "5", "--json")
    assert code == 0
    intervals = json.loads(out)["intervals"]
    assert len(intervals) == 24 and intervals[0]["start"] == "00:00"
    assert all(i["pools"]["999"]["service_level"] >= 0.9 for i in intervals)
    assert all(i["scheduled"] >= i["agents"] for i in intervals)


def test_simulate_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "run", "kent-2013-district", "--days", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["replications"] == 1 and data["contacts"] > 9000
    within = data["figures"]["response.grade1.within_standard"]["mean"]
    assert 0 < within <= 1


def test_simulate_compare_writes_the_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "simulate", "compare", "kent-2013-central", "kent-2013-district", "--days", "2",
        "--replications", "2", "--workers", "0", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0
    assert "Grade 1 attended within standard" in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"report.html", "comparison.json", "attendance.svg", "districts.svg"} <= names
    assert not [n for n in names if n.endswith(".part")]
    report = (tmp_path / "report.html").read_text()
    assert "<svg" in report and "Seed 000" in report
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert data["replications"] == 2


def test_simulate_refuses_a_bad_scenario_before_running(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump({"name": "Bad", "seed": 1, "changes": {"district_demand": {"Narnia": 2}}})
    )
    code, out, err = run(capsys, "simulate", "run", str(path), "--days", "2")
    assert code == 1 and "unknown district 'Narnia'" in err and out == ""
