"""The quarterly board pack on a small hand-built store: every measure in the HTML with its
status in words, figures.csv matching the pack figure for figure, the public version without
anything personal and with small counts withheld, a PDF with pages, and nothing written from bad
input."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path

import pypdfium2
import pytest
import yaml
from planfixtures import asb, force_of, local, make_tiny, own_crime, plan_text
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.cli import main
from constable.community.service import parse_quarter
from constable.force.models import Neighbourhood
from constable.performance.boardpack.assemble import BoardPackError, assemble
from constable.performance.boardpack.build import write_pack
from constable.performance.boardpack.papers import PAPERS
from constable.performance.boardpack.suppress import WITHHELD
from constable.performance.budgets import import_budgets
from constable.performance.plan import Plan, parse_plan
from constable.public.models import NeighbourhoodPriority, PriorityAction, PublicMeeting
from constable.store import Store, open_store

OWNER = "Chief Inspector Jane Example"
IMPORTER = "finance-officer-fred"
Q3 = parse_quarter("2017Q3")
VIOLENCE = ("8N", "Violence and Sexual Offences")


@dataclass
class Built:
    url: str
    plan: Path
    private: Path
    public: Path


def _records(store: Store) -> None:
    """Medway: 30 crimes in 2017Q3 and 12 in 2016Q3; Maidstone: 3 and 2 (small counts)."""
    tiny = make_tiny(store)
    with store.session() as s:
        for district_id, now, before in ((tiny.medway_id, 30, 12), (tiny.maidstone_id, 3, 2)):
            for n in range(now):
                own_crime(s, district_id, local(2017, 7 + n % 3, 1 + n, 12), *VIOLENCE[:1],
                          category=VIOLENCE[1])  # fmt: skip
            for n in range(before):
                own_crime(s, district_id, local(2016, 7 + n % 3, 1 + n, 12), *VIOLENCE[:1],
                          category=VIOLENCE[1])  # fmt: skip
        # An ASB report every month: the store holds records for each month of the SPC chart
        # (a month with none would have no value, not 0).
        for month in range(24):
            year, index = divmod(2015 * 12 + 9 + month, 12)
            asb(s, tiny.medway_id, local(year, index + 1, 15, 12))
        _priority(s, tiny.medway_id)
        import_budgets(session=s, force=force_of(s), path="kent-2006-08", actor=IMPORTER)
        # A budget for the pack's own year against the year before.
        folder = Path(store.engine.url.database or ".").parent
        path = folder / "budget-2017.csv"
        path.write_text(
            "statement,financial_year,line,kind,amount,source\n"
            "commissioning,2016/17,Victim services,line,1000000,Allocations 2016/17\n"
            "commissioning,2017/18,Victim services,line,1100000,Allocations 2017/18\n",
            encoding="utf-8",
        )
        import_budgets(session=s, force=force_of(s), path=path, actor=IMPORTER)


PRIORITY_OWNER = "PCSO Medway 03"


def _priority(session: Session, district_id: int) -> None:
    """A priority agreed in June 2017, worked on in August, still open: in the 2017Q3 pack."""
    hood = session.scalars(select(Neighbourhood).where(Neighbourhood.district_id == district_id))
    place = next(iter(hood))
    at = dt.datetime(2017, 6, 20, 19, tzinfo=dt.UTC)
    meeting = PublicMeeting(
        district_id=district_id,
        neighbourhood_id=place.id,
        kind="public_meeting",
        held_on=at.date(),
        attendance=23,
        issues_raised=["Speeding"],
        recorded_by="pcso",
        recorded_at=at,
    )
    session.add(meeting)
    session.flush()
    priority = NeighbourhoodPriority(
        meeting_id=meeting.id,
        district_id=district_id,
        neighbourhood_id=place.id,
        title="Speeding on Castle Hill",
        owner_name=PRIORITY_OWNER,
        agreed_on=at.date(),
        review_on=dt.date(2017, 9, 20),
        status="open",
    )
    session.add(priority)
    session.flush()
    session.add(
        PriorityAction(
            priority_id=priority.id,
            done_on=dt.date(2017, 8, 4),
            text="Speedwatch sessions with residents",
            recorded_by="pcso",
            recorded_at=at,
        )
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("boardpack")
    url = f"sqlite:///{folder / 'tiny.db'}"
    store = open_store(url)
    _records(store)
    raw = plan_text()
    raw["owner"] = OWNER
    plan_file = folder / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    plan = parse_plan(raw, where="plan.yaml")
    made = Built(url, plan_file, folder / "pack", folder / "public")
    for public, out in ((False, made.private), (True, made.public)):
        with store.session() as s:
            pack = assemble(
                session=s,
                force=force_of(s),
                plan=plan,
                quarter=Q3,
                public=public,
                generated=dt.datetime(2017, 10, 20, 9, 0, tzinfo=dt.UTC),
            )
        write_pack(pack, out)
    store.close()
    yield made


def _figures_in_html(html: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ident, text in re.findall(r'data-figure="([^"]+)">(.*?)</t[dh]>', html, flags=re.S):
        words = re.sub(r"<[^>]+>", "", text).strip()
        found.setdefault(ident, set()).add(html_unescape(words))
    return found


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_pack_has_every_measure_with_its_status_in_words(built: Built) -> None:
    html = (built.private / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in built.private.iterdir()) == [
        "board-pack.pdf",
        "figures.csv",
        "index.html",
    ]
    for key in ("1.1.1", "1.1.2"):
        assert f'id="summary-{key}"' in html and f'id="statement-{key}"' in html
    for paper in PAPERS:
        assert f'<section class="paper" id="{paper.key}">' in html
    # Each status is an icon and its words: never colour alone.
    statuses = re.findall(
        r'class="status status-([a-z-]+)">.*?<span class="status-text">(.*?)<', html
    )
    assert statuses and all(word.lower().replace(" ", "-") == css for css, word in statuses)
    # Recorded crime, 2017/18 so far (33 crimes in 92 days of Q3 and none before it in the
    # year): at most 100 by 31 March 2018 is judged on the projection.
    row = re.search(r'id="summary-1.1.1">(.*?)</tr>', html, flags=re.S)
    assert row is not None and ">33<" in row.group(1) and ">14<" in row.group(1)
    assert ">deteriorated<" in row.group(1)  # 33 against 14: a significant rise
    assert OWNER in html and IMPORTER in html  # the board's own version names them
    # SPC chart of recorded crime, district trends, peers note, budgets with year-on-year change.
    assert 'id="spc-1-1-1"' in html and 'id="trends-recorded-crime"' in html
    assert "No peer comparison for 2017/18" in html
    assert "Commissioning and victim services allocations, 2017/18" in html
    assert "+£100,000" in html and "+10.0%" in html


def test_figures_csv_matches_the_pack(built: Built) -> None:
    html = (built.private / "index.html").read_text(encoding="utf-8")
    shown = _figures_in_html(html)
    rows = _csv(built.private / "figures.csv")
    assert list(rows[0]) == [
        "id", "paper", "section", "figure", "area", "period", "value", "unit", "text", "status",
        "note",
    ]  # fmt: skip
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows)
    # Every figure shown is in the CSV with the same text, and every figure in the CSV is shown.
    assert set(shown) == set(by_id)
    for ident, texts in shown.items():
        expected = by_id[ident]["text"]
        assert all(t.casefold() == expected.casefold() for t in texts), (ident, texts, expected)
    medway = [
        r
        for r in rows
        if r["area"] == "Medway" and r["figure"] == "Recorded crime" and r["section"] == "districts"
    ]
    assert [(r["period"], r["value"]) for r in medway] == [("2017Q3", "30"), ("2016Q3", "12")]


def test_the_public_pack_has_nothing_personal_and_withholds_small_counts(built: Built) -> None:
    html = (built.public / "index.html").read_text(encoding="utf-8")
    text = html + (built.public / "figures.csv").read_text(encoding="utf-8")
    assert OWNER not in text and IMPORTER not in text and "Owner:" not in html
    assert "Public version" in html
    rows = _csv(built.public / "figures.csv")
    maidstone = [r for r in rows if r["area"] == "Maidstone" and r["section"] == "districts"]
    assert maidstone and all(r["text"] == WITHHELD and r["value"] == "" for r in maidstone)
    medway = [r for r in rows if r["area"] == "Medway" and r["section"] == "districts"]
    assert [r["text"] for r in medway] == ["30", "12"]
    # The public figures agree with the pack as well.
    shown = _figures_in_html(html)
    assert set(shown) == {r["id"] for r in rows}
    # Budgets are not counts of people: shown in full.
    assert "£257,912,000" in html


def test_the_pdf_has_pages(built: Built) -> None:
    for folder in (built.private, built.public):
        document = pypdfium2.PdfDocument(str(folder / "board-pack.pdf"))
        try:
            assert len(document) >= 6
            first = document[0].get_textpage().get_text_range()
            assert "Performance and Delivery Board, 2017Q3" in first
        finally:
            document.close()


def test_bad_input_writes_no_pack(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    args = ["--db", built.url, "board-pack", "--plan", str(built.plan), "--out", str(out)]
    assert main([*args, "--quarter", "2017Q5"]) == 1
    assert main([*args, "--quarter", "2017Q3", "--district", "Atlantis"]) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text(built.plan.read_text().replace("recorded_crime", "recorded_crme"))
    assert main([*args[:4], str(broken), *args[5:], "--quarter", "2017Q3"]) == 1
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # A folder holding other files is refused rather than overwritten.
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main([*args, "--quarter", "2017Q3"]) == 1
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_plan_for_another_force_is_refused(built: Built) -> None:
    plan = Plan.model_validate(plan_text(force="west-yorkshire"))
    store = open_store(built.url)
    try:
        with store.session() as s, pytest.raises(BoardPackError, match="not 'kent'"):
            assemble(session=s, force=force_of(s), plan=plan, quarter=Q3)
    finally:
        store.close()


def test_the_command_writes_the_pack_and_replaces_an_earlier_one(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "cli-pack"
    args = ["--db", built.url, "board-pack", "--plan", str(built.plan), "--quarter", "2017Q3"]
    assert main([*args, "--out", str(out), "--district", "medway", "--public"]) == 0
    first = (out / "index.html").read_text(encoding="utf-8")
    assert "Medway: Performance and Delivery Board, 2017Q3" in first
    assert main([*args, "--out", str(out)]) == 0
    assert "Kent Police: Performance and Delivery Board" in (out / "index.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["board-pack.pdf", "figures.csv", "index.html"]


def test_the_collaboration_paper_says_what_was_done_about_neighbourhood_priorities(
    built: Built,
) -> None:
    private = html_unescape((built.private / "index.html").read_text(encoding="utf-8"))
    public = html_unescape((built.public / "index.html").read_text(encoding="utf-8"))
    for html in (private, public):
        assert "Neighbourhood priorities: you said, we did" in html
        assert "Speeding on Castle Hill" in html
        assert "04 Aug: Speedwatch sessions with residents" in html
    assert PRIORITY_OWNER in private and PRIORITY_OWNER not in public
    rows = [r for r in _csv(built.private / "figures.csv") if r["section"] == "priorities"]
    assert [(r["figure"], r["area"], r["text"]) for r in rows] == [
        ("priorities open", "Medway", "1"),
        ("priorities resolved", "Medway", "0"),
        ("actions reported", "Medway", "1"),
    ]
