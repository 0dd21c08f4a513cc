"""The quarter's crime, repeat-victim and ASB figures in the community report, over HTTP."""

from __future__ import annotations

from typing import Any

from test_asb import opened, stage
from test_recording import NOW, ago, recorded

QUARTER = f"{NOW.year}Q{(NOW.month - 1) // 3 + 1}"


def figures(client: Any) -> dict[str, dict[str, Any]]:
    answer = client.get(
        "/api/community/report", params={"district": "maidstone", "quarter": QUARTER}
    )
    assert answer.status_code == 200, answer.text
    return {k: v["figures"] for k, v in answer.json()["sections"].items()}


def test_the_report_counts_the_quarters_casework(crime_desk: Any) -> None:
    hana, csu, ana = crime_desk["hana"], crime_desk["csu-maidstone"], crime_desk["ana"]
    before = figures(ana)
    victim = {"name": "Quinn Quarterly", "date_of_birth": "1985-07-07"}
    first = recorded(hana, occurred_at=ago(0.2), victim=victim)
    recorded(hana, occurred_at=ago(0.1), victim=victim)  # a repeat victim
    answer = hana.post(
        f"/api/crimes/{first['id']}/outcomes",
        json={"outcome_type": "3", "outcome_on": NOW.date().isoformat()},
    )
    assert answer.status_code == 201
    case = opened(csu, subject_name="Rowan Quarterly")
    assert stage(csu, case, "advice-visit").status_code == 200
    recorded(
        hana,
        offence_code=None,
        asb=True,
        description="Rowan Quarterly shouting at passers-by",
        subject_name="Rowan Quarterly",
    )
    after = figures(ana)
    assert after["crime"]["crimes"] == before["crime"]["crimes"] + 2
    assert after["crime"]["sanction_detections"] == before["crime"]["sanction_detections"] + 1
    assert after["crime"]["brought_to_justice"] == before["crime"]["brought_to_justice"] + 1
    assert after["crime"]["asb_reports"] == before["crime"]["asb_reports"] + 1
    assert after["repeat_victims"]["flagged"] == before["repeat_victims"]["flagged"] + 1
    assert after["repeat_victims"]["waiting"] == before["repeat_victims"]["waiting"] + 1
    assert after["asb"]["opened"] == before["asb"]["opened"] + 1
    assert after["asb"]["stages"] == before["asb"]["stages"] + 1
    assert after["asb"]["reports_linked"] == before["asb"]["reports_linked"] + 1
