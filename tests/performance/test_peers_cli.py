"""``constable performance peers`` on the real Home Office 2017/18 table and the 2011 census."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from constable.cli import main
from constable.performance.forces import territorial_forces

SVG = "{http://www.w3.org/2000/svg}"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_peers_json_on_the_real_sample(
    capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--db", database_url, "import", "sample", "recorded-crime")
    assert code == 0, err
    svg = tmp_path / "kent.svg"
    code, out, err = run(
        capsys,
        "--db",
        database_url,
        "performance",
        "peers",
        "--force",
        "Kent",
        "--json",
        "--svg",
        str(svg),
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["financial_year"] == "2017/18"
    forces = {f["name"]: f for f in data["forces"]}
    assert len(data["forces"]) == 43 and sorted(forces) == territorial_forces()
    assert not {"British Transport Police", "Action Fraud"} & forces.keys()
    for force in data["forces"]:
        assert set(force) == {"name", "population", "offences", "per_1000"}
        assert force["population"] > 0 and force["offences"] > 0
    kent = forces["Kent"]
    assert kent["population"] == 1_727_665
    assert kent["offences"] == 177_187  # the four quarters of 2017/18
    assert kent["per_1000"] == 102.56

    group = data["peer_group"]
    names = [p["name"] for p in group["peers"]]
    assert group["force"]["name"] == "Kent" and group["size"] == 7
    assert len(names) == 7 == len(set(names)) and "Kent" not in names
    distances = [p["distance"] for p in group["peers"]]
    assert distances == sorted(distances) and distances[0] > 0
    assert all(p["grade"] in {"Excellent", "Good", "Fair", "Poor"} for p in group["peers"])
    assert group["trend"] is None and group["trend_statement"].startswith("no previous year")
    members = [kent, *(forces[n] for n in names)]
    pooled = 1000 * sum(m["offences"] for m in members) / sum(m["population"] for m in members)
    assert group["mean_per_1000"] == pytest.approx(pooled, abs=1e-3)

    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert "Kent" in (root.findtext(f"{SVG}title") or "")
    assert root.findtext(f"{SVG}desc")
    tips = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert sum(1 for t in tips if t.startswith("Kent: 102.6 per 1,000, 177,187 offences")) == 1
    assert sum(1 for t in tips if "(peer, " in t) == 7
    assert len(root.findall(f".//{SVG}polyline")) == 4  # the 95% and 99.8% limits


def test_peers_table_group_size_and_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    code, _, err = run(capsys, "--db", db, "performance", "peers", "--force", "Kent")
    assert code == 1 and "constable import sample recorded-crime" in err
    run(capsys, "--db", db, "import", "sample", "recorded-crime")
    code, out, err = run(
        capsys, "--db", db, "performance", "peers", "--force", "Kent", "--group-size", "3"
    )
    assert code == 0, err
    assert "Kent and its 3 most similar forces" in out and "102.56" in out
    assert "no previous year" in out and "Action Fraud" in out
    code, out, _ = run(
        capsys, "--db", db, "performance", "peers", "--force", "Kent", "--group-size", "3", "--json"
    )
    assert len(json.loads(out)["peer_group"]["peers"]) == 3
    code, _, err = run(capsys, "--db", db, "performance", "peers", "--force", "Atlantis")
    assert code == 1 and "no territorial force 'Atlantis'" in err
    code, _, err = run(
        capsys, "--db", db, "performance", "peers", "--force", "Kent", "--group-size", "43"
    )
    assert code == 1 and "must be between 1 and 42" in err
