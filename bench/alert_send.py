"""Sending a community alert to 100,000 subscribers through a local SMTP server.

The server (aiosmtpd) runs in a child process and counts every message it accepts by recipient,
so the script can confirm that each subscriber got the alert exactly once. The baseline, in the
same run, is raw ``smtplib`` sending the same messages over one connection with no database
(no recipient list, no delivery records, no progress): the ratio is what the records that make
a send resumable and auditable cost.

    .venv/bin/python bench/alert_send.py                    # 100,000 subscribers
    .venv/bin/python bench/alert_send.py --subscribers 5000 # a quick look
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import smtplib
import socket
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import insert, select

from benchkit import console, fresh_store
from constable.config import Settings
from constable.force import service as force_service
from constable.force.build import build_force
from constable.force.config import load_config
from constable.force.models import Neighbourhood
from constable.ingest import sources
from constable.public import alert_sending, alert_writing
from constable.public.alert_mail import MessageTemplate, Sender
from constable.public.alert_models import (
    AlertSubscriber,
    AlertSubscriberArea,
    AlertSubscriberTopic,
)
from constable.store import Store
from constable.store.base import utcnow

HOOD = "E01024320"  # a Maidstone neighbourhood
FROM = "Kent Police <alerts@kent.police.uk>"


def _serve(port: int, pipe: Connection) -> None:
    """The child process: an SMTP server counting accepted messages by recipient."""
    from aiosmtpd.controller import Controller

    counts: Counter[str] = Counter()

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            counts.update(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        asked = pipe.recv()
        if asked == "stop":
            break
        # "report": messages accepted, distinct recipients, most copies to one recipient.
        pipe.send((sum(counts.values()), len(counts), max(counts.values(), default=0)))
        counts.clear()
    controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subscribers(store: Store, count: int) -> int:
    """``count`` confirmed subscribers to one neighbourhood's appeals, and an alert for them."""
    with store.session() as session:
        hood = session.scalar(select(Neighbourhood).where(Neighbourhood.code == HOOD))
        assert hood is not None
        now = utcnow()
        session.execute(
            insert(AlertSubscriber),
            [{"email": f"resident{i:06d}@example.org", "confirmed_at": now} for i in range(count)],
        )
        ids = list(session.scalars(select(AlertSubscriber.id)))
        session.execute(
            insert(AlertSubscriberArea),
            [{"subscriber_id": i, "neighbourhood_id": hood.id} for i in ids],
        )
        session.execute(
            insert(AlertSubscriberTopic), [{"subscriber_id": i, "topic": "appeal"} for i in ids]
        )
        force = force_service.get_or_raise(session=session, code="kent")
        alert = alert_writing.create(
            session=session,
            force=force,
            draft=alert_writing.AlertDraft(
                topic="appeal",
                title="Burglary on Rose Lane",
                body="A house on Rose Lane was broken into on Tuesday night between 1am and "
                "3am. Did you see anything, or do you have a doorbell camera?",
                neighbourhoods=[HOOD],
            ),
            actor="bench",
        )
        return alert.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="messages between records")
    args = parser.parse_args()
    port = free_port()
    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(port, child), daemon=True)
    server.start()
    assert parent.recv() == "ready"
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        alert_from=FROM,
        alert_batch_size=args.batch,
        public_base_url="https://www.kent.police.uk",
    )
    rows: list[tuple[str, float, tuple[int, int, int]]] = []
    try:
        with tempfile.TemporaryDirectory() as folder, fresh_store(Path(folder), "alerts") as store:
            with store.session() as session:
                build_force(
                    session, load_config("kent"), census_path=sources.census_2011(),
                    boundaries_path=sources.lsoa_boundaries(),
                )  # fmt: skip
            alert_id = subscribers(store, args.subscribers)
            with store.session() as session:
                emails = list(session.scalars(select(AlertSubscriber.email)))

            # Baseline: the same messages, prepared beforehand, over one connection; no records.
            from constable.public.alert_mail import AlertText

            template = MessageTemplate(
                AlertText("KENT-AL-000001", "Appeal for information: Burglary on Rose Lane",
                          "A house on Rose Lane was broken into.", "appeals for information",
                          "Maidstone", "maidstone", "Maidstone 001A"),
                Sender.from_settings(settings),
            )  # fmt: skip
            messages = [
                template.render(
                    to=email,
                    unsubscribe_url=f"https://www.kent.police.uk/alerts/unsubscribe?token={i}",
                    delivery_id=i,
                )
                for i, email in enumerate(emails)
            ]
            start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for email, message in zip(emails, messages, strict=True):
                    smtp.sendmail("alerts@kent.police.uk", [email], message)
            baseline = time.perf_counter() - start
            parent.send("report")
            rows.append(("raw smtplib, one connection, no records", baseline, parent.recv()))

            start = time.perf_counter()
            done = alert_sending.send(
                store=store, settings=settings, force_code="kent", alert_id=alert_id,
                actor="bench",
            )  # fmt: skip
            took = time.perf_counter() - start
            parent.send("report")
            rows.append(("constable alerts send (resumable, recorded)", took, parent.recv()))
            assert done.sent == args.subscribers, done
    finally:
        parent.send("stop")
        server.join(timeout=10)

    table = Table(
        title=f"An alert to {args.subscribers:,} subscribers through aiosmtpd (child process)",
        title_justify="left",
    )
    for column in ("Sender", "Seconds", "Messages/s", "Accepted", "Distinct", "Most to one", "×"):
        table.add_column(column, justify="left" if column == "Sender" else "right")
    for name, seconds, (accepted, distinct, most) in rows:
        table.add_row(
            name, f"{seconds:.1f}", f"{args.subscribers / seconds:,.0f}", f"{accepted:,}",
            f"{distinct:,}", str(most), f"{seconds / baseline:.2f}",
        )  # fmt: skip
    console.print(table)
    exact = all(r[2] == (args.subscribers, args.subscribers, 1) for r in rows)
    console.print(
        "Every subscriber's message was accepted exactly once."
        if exact
        else "[bold red]Counts at the server do not match: see the table.[/]"
    )


if __name__ == "__main__":
    main()
