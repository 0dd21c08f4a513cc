"""Triage over real HTTP, on SQLite and PostgreSQL: the questions, a recommendation that writes
nothing, answers kept with the rules' version, bad answers refused by name."""

from __future__ import annotations

from typing import Any

from controlkit import contact, created


def test_the_questions_are_listed_with_their_keys_and_answers(control_room: Any) -> None:
    questions = control_room["hana"].get("/api/triage/questions").json()
    keys = [q["key"] for q in questions]
    assert keys[:3] == ["danger", "when", "offender"] and len(keys) == 9
    assert len({q["shortcut"] for q in questions}) == 9
    injury = next(q for q in questions if q["key"] == "injury")
    assert list(injury["choices"]) == ["serious", "minor", "none"]


def test_a_recommendation_writes_nothing_and_names_what_would_lower_it(control_room: Any) -> None:
    before = {t: control_room.rows(t) for t in ("incident", "contact", "audit_log")}
    hana = control_room["hana"]
    answer = hana.post(
        "/api/triage",
        json={"channel": "999", "description": "Someone has smashed my car window"},
    )
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["category"] == "crime-damage" and shown["category_suggested"]
    assert shown["factors"]["danger"] == {"value": None, "source": "open", "evidence": None}
    assert shown["grade"] == 2  # a 999 call with the danger question open
    lowering = {lower["question"]: lower for lower in shown["lowering"]}
    assert lowering["danger"]["answer"] == "no" and lowering["danger"]["grade"] > shown["grade"]
    settled = hana.post(
        "/api/triage",
        json={
            "channel": "999",
            "description": "Someone has smashed my car window",
            "answers": {"danger": "no", "when": "earlier", "offender": "no"},
        },
    ).json()
    assert settled["grade"] >= 3 and settled["factors"]["danger"]["source"] == "answer"
    assert {t: control_room.rows(t) for t in before} == before


def test_answers_and_the_rules_version_are_kept_on_the_assessment(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="999",
        description="My neighbour is shouting at his wife",
        category="domestic",
        answers={"danger": "yes", "when": "now"},
    )
    assert incident["grade"] == 1 and incident["category"] == "domestic"
    detail = control_room["dev"].get(f"/api/incidents/{incident['id']}").json()
    first = detail["assessments"][0]
    assert first["answers"] == {"danger": "yes", "when": "now"}
    assert first["rules_version"]
    again = control_room["dev"].post(
        f"/api/incidents/{incident['id']}/assessments",
        json={"answers": {"danger": "no", "when": "earlier", "offender": "no"}},
    )
    assert again.status_code == 200, again.text
    kept = again.json()["assessments"]
    assert [a["answers"].get("danger") for a in kept] == ["yes", "no"]


def test_a_wrong_answer_names_the_question_and_writes_nothing(control_room: Any) -> None:
    before = control_room.rows("incident")
    hana = control_room["hana"]
    unknown = contact(hana, answers={"dangr": "yes"})
    assert unknown.status_code == 422
    assert "unknown question 'dangr'" in unknown.json()["detail"]
    wrong = contact(hana, answers={"injury": "bad"})
    assert wrong.status_code == 422 and "answers.injury: 'bad'" in wrong.json()["detail"]
    preview = hana.post("/api/triage", json={"channel": "101", "answers": {"when": "soon"}})
    assert preview.status_code == 422 and "answers.when" in preview.json()["detail"]
    assert control_room.rows("incident") == before


def test_an_analyst_may_not_ask_for_a_recommendation(control_room: Any) -> None:
    refused = control_room["ana"].post("/api/triage", json={"channel": "999", "description": "x"})
    assert refused.status_code == 403


def test_earlier_answers_stand_when_a_re_assessment_changes_one(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="101",
        description="My neighbour is worried about her brother",
        category="concern-for-safety",
        answers={"danger": "yes", "vulnerable": "yes"},
    )
    assert incident["grade"] == 1
    again = control_room["dev"].post(
        f"/api/incidents/{incident['id']}/assessments", json={"answers": {"when": "earlier"}}
    )
    assert again.status_code == 200, again.text
    latest = again.json()["assessments"][-1]
    assert latest["answers"] == {"danger": "yes", "vulnerable": "yes", "when": "earlier"}
    assert again.json()["grade"] == 1  # nobody said the danger is over


def test_a_handlers_thrive_does_not_lower_a_serious_injury_in_the_words(control_room: Any) -> None:
    incident = created(
        control_room["hana"],
        channel="999",
        description="He's been stabbed in the chest, there's blood everywhere",
        category="crime-violence",
        thrive={"injury": True, "harm": "medium"},
    )
    assert incident["grade"] == 1
