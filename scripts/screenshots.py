"""Take the control-room screenshots of ``docs/control-room.md`` (``make screenshots``).

Builds Kent in a throw-away SQLite file, adds a call handler and a dispatcher, records a few
contacts so the boards have something on them, serves the app, and walks Debian's Chromium
through the call handler's and the dispatcher's path, saving a picture at each step in
``docs/img/``. Nothing is downloaded; the pictures change only when the pages do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from constable.api.app import create_app
from constable.auth.roles import Role
from constable.auth.service import create_user
from constable.config import Settings
from constable.control import service, units
from constable.control.schemas import ContactCreate
from constable.force import service as force_service
from constable.force.build import build_force
from constable.force.config import load_config
from constable.ingest import sources
from constable.store import open_store
from constable.store.base import utcnow

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshots only"
OUT = Path(__file__).resolve().parents[1] / "docs" / "img"

# Calls already on the board when the pictures are taken:
# (minutes ago, channel, category, description, postcode).
EARLIER_CALLS = [
    (95, "101", "crime-vehicle", "My car was stolen from the drive overnight", "TN9 1AA"),
    (70, "101", "crime-damage", "Someone smashed my shed window last week", "DA1 1AA"),
    (
        44,
        "101",
        "asb-nuisance",
        "Youths keep kicking a football against my garage door every evening",
        "ME10 1AA",
    ),
    (
        30,
        "online",
        "contact-officer",
        "I would like to speak to my local PCSO about parking near the school",
        "TN23 1AA",
    ),
    (
        12,
        "999",
        "crime-burglary",
        "Two men breaking in to the shop right now, still inside",
        "ME14 1AA",
    ),
    (
        6,
        "999",
        "concern-for-safety",
        "Elderly man collapsed in the street and is not breathing",
        "CT20 1AA",
    ),
    (
        3,
        "999",
        "crime-violence",
        "A fight has broken out outside the pub, people are fighting now",
        "CT9 1AA",
    ),
]


@contextmanager
def served(url: str) -> Iterator[str]:
    """The app on ``url``, served on a free loopback port until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings(database_url=url)), log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def prepare(url: str) -> None:
    """Kent, two users and the earlier calls (one of them with a unit on the way)."""
    store = open_store(url)
    with store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )
        create_user(session=session, username="hana", password=PASSWORD, role=Role.CALL_HANDLER)
        create_user(session=session, username="dev", password=PASSWORD, role=Role.DISPATCHER)
        force = force_service.get_or_raise(session=session, code="kent")
        for minutes, channel, category, description, postcode in EARLIER_CALLS:
            data = ContactCreate.model_validate(
                {
                    "channel": channel,
                    "category": category,
                    "description": description,
                    "postcode": postcode,
                }
            )
            at = utcnow() - dt.timedelta(minutes=minutes)
            incident = service.create_contact(
                session=session, force=force, data=data, actor="earlier", now=at
            )
            if channel == "999":
                best = units.recommendations(session=session, force=force, incident=incident)
                units.dispatch(
                    session=session,
                    force=force,
                    incident=incident,
                    unit_id=best[0].unit_id,
                    actor="earlier",
                )
    store.close()


def sign_in(page: Page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{path}")


def walk(base: str, out: Path) -> list[Path]:
    """The call handler's and the dispatcher's path, a picture at each step."""
    shots: list[Path] = []

    def shot(page: Page, name: str, *, full: bool = False) -> None:
        path = out / f"control-{name}.png"
        page.screenshot(path=path, full_page=full)
        shots.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        handler = browser.new_page(viewport={"width": 1280, "height": 900})
        handler.goto(f"{base}/control")
        shot(handler, "1-sign-in")
        sign_in(handler, base, "/control", "hana")
        handler.wait_for_selector("#live-state:has-text('live')")
        shot(handler, "2-board")
        handler.click("text=Record a contact")
        handler.check("input[name=channel][value='999']")
        handler.fill(
            "#description",
            "Caller says a man is threatening his neighbour with a knife in the street right now",
        )
        handler.select_option("#category", "crime-public-order")
        handler.fill("#postcode", "CT1 2EH")
        handler.fill("#location_text", "Outside 12 St Peter's Street")
        handler.fill("#caller_name", "Jo Caller")
        handler.fill("#caller_phone", "07700 900123")
        shot(handler, "3-contact", full=True)
        handler.click("text=Assess and record")
        handler.wait_for_selector("#reasons")
        shot(handler, "4-graded", full=True)
        incident_path = handler.url.removeprefix(base).split("?")[0]

        dispatcher = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(dispatcher, base, "/control/districts/canterbury", "dev")
        dispatcher.wait_for_selector("#live-state:has-text('live')")
        shot(dispatcher, "5-district-board")
        dispatcher.goto(f"{base}{incident_path}")
        shot(dispatcher, "6-recommendations", full=True)
        dispatcher.locator("#recommendations tbody tr").first.get_by_role("button").click()
        dispatcher.wait_for_selector("#deployments")
        shot(dispatcher, "7-dispatched", full=True)
        dispatcher.goto(f"{base}/control")
        dispatcher.wait_for_selector("#live-state:has-text('live')")
        shot(dispatcher, "8-force-board", full=True)  # busy units only: a short page
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the pictures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'kent.db'}"
        prepare(url)
        with served(url) as base:
            for path in walk(base, args.out):
                print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


if __name__ == "__main__":
    main()
