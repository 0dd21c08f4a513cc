"""``constable alerts``: community alerts from the command line: list, send (with progress),
and file replies as intelligence."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from constable import console
from constable.config import get_settings
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.public import alert_replies, alert_sending, alert_writing
from constable.public.alerts import AlertError
from constable.state import state

app = typer.Typer(help="Community alerts: list, send, file replies.", no_args_is_help=True)


@app.command("list")
def list_command(
    ctx: typer.Context,
    district: str | None = typer.Option(None, help="Only this district's alerts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Alerts, newest first, with how many each was sent to.

    Example: constable alerts list --district maidstone
    """
    settings = get_settings()
    with state(ctx).store().session() as session:
        force = force_service.get_or_raise(session=session, code=settings.force)
        found = (
            force_service.get_district_or_raise(session=session, force=force, district=district)
            if district
            else None
        )
        rows = [
            (alert, alert_sending.progress(session, alert))
            for alert in alert_writing.list_alerts(
                session=session, force=force, district_id=found.id if found else None
            )
        ]
    if as_json:
        typer.echo(
            json.dumps(
                [{"title": a.title, "topic": a.topic, "created_at": a.created_at.isoformat(),
                  **p.as_dict()} for a, p in rows],
                indent=2,
            )
        )  # fmt: skip
        return
    table = Table(title="Community alerts", title_justify="left")
    for column in ("Alert", "Topic", "Title", "State", "Sent", "Of"):
        table.add_column(column, justify="right" if column in {"Sent", "Of"} else "left")
    for alert, done in rows:
        table.add_row(
            alert.reference, alert.topic, alert.title, alert.state, f"{done.sent:,}",
            f"{done.recipients:,}" if alert.recipients is not None else "–",
        )  # fmt: skip
    console.out().print(table)


@app.command("send")
def send_command(
    ctx: typer.Context,
    alert: str = typer.Argument(..., help="The alert's reference (KENT-AL-000012) or id."),
    actor: str = typer.Option("cli", help="Who is sending it (for the audit log)."),
) -> None:
    """Send an alert (or resume a send that stopped) through the configured mail server
    (CONSTABLE_SMTP_*, CONSTABLE_ALERT_FROM), showing progress.

    Example: CONSTABLE_SMTP_HOST=mail.kent.police.uk constable alerts send KENT-AL-000012
    """
    settings = get_settings()
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console.err(), transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task(f"Sending {alert}", total=None)

        def show(done: alert_sending.Progress) -> None:
            bar.update(task, total=done.recipients, completed=done.done)

        result = alert_sending.send(
            store=state(ctx).store(), settings=settings, force_code=settings.force,
            alert_id=alert, actor=actor, on_progress=show,
        )  # fmt: skip
    console.out().print(
        f"{result.reference}: sent to {result.sent:,} of {result.recipients:,} subscribers"
        + (f"; {result.failed:,} refused by the mail server" if result.failed else "")
        + (f"; {result.skipped:,} unsubscribed first" if result.skipped else "")
        + (f"; {result.uncertain:,} uncertain (not sent again)" if result.uncertain else "")
    )


def _messages(paths: list[Path], maildir: Path | None) -> list[tuple[str, bytes, str | None]]:
    """(label, raw message, maildir key) for every message named."""
    found: list[tuple[str, bytes, str | None]] = []
    for path in paths:
        if not path.is_file():
            raise AlertError(f"{path}: no such file")
        found.append((str(path), path.read_bytes(), None))
    if maildir is not None:
        if not (maildir / "new").is_dir():
            raise AlertError(f"{maildir} is not a maildir (it has no new/ folder)")
        box = mailbox.Maildir(maildir, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            if "S" in box.get_message(key).get_flags():
                continue  # seen: filed already
            found.append((f"{maildir}/{key}", box.get_bytes(key), key))
    return found


@app.command("ingest-reply")
def ingest_reply_command(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(None, help="Raw RFC 5322 messages (.eml files)."),
    maildir: Path | None = typer.Option(
        None, help="A maildir: its unseen messages are filed and marked seen."
    ),
    actor: str = typer.Option("mail-gateway", help="Who files them (for the audit log)."),
) -> None:
    """File replies to alerts as intelligence in the alert's district's inbox. Each message is
    filed on its own: one that cannot be (an automatic reply, no alert named) is reported and
    left unseen.

    Example: constable alerts ingest-reply --maildir /var/mail/alerts-replies
    """
    settings = get_settings()
    messages = _messages(list(files or []), maildir)
    if not messages:
        raise AlertError("give reply files or --maildir with unseen messages")
    store = state(ctx).store()
    box = mailbox.Maildir(maildir, factory=None, create=False) if maildir else None
    out, problems = console.out(), 0
    for label, raw, key in messages:
        try:
            with store.session() as session:
                force = force_service.get_or_raise(session=session, code=settings.force)
                filed = alert_replies.ingest(session=session, force=force, raw=raw, actor=actor)
                line = (
                    f"{label}: filed as {filed.submission.reference} for {filed.district.name} "
                    f"(reply to {filed.alert.reference})"
                )
        except ConstableError as exc:
            problems += 1
            console.err().print(f"[bold red]Not filed:[/] {label}: {exc}", soft_wrap=True)
            continue
        out.print(line)
        if box is not None and key is not None:
            seen = box.get_message(key)
            seen.add_flag("S")
            seen.set_subdir("cur")
            box[key] = seen
    if problems:
        raise typer.Exit(1)
