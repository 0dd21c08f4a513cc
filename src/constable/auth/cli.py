"""``constable users``: people who sign in, and their accounts' life cycle (all audited)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from constable import console
from constable.auth import service
from constable.auth.roles import Role
from constable.config import get_settings
from constable.force import service as force_service
from constable.state import state

app = typer.Typer(help="Users: who may sign in, with which role.", no_args_is_help=True)

ACTOR_HELP = "Who is making the change, for the audit log (default: cli:<your login name>)."


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cli"


def _password(password_file: Path | None) -> str:
    """From the file, else typed twice at a terminal, else the first line of standard input:
    never from the command line, where other users and the shell's history would see it."""
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").rstrip("\n")
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


PASSWORD_FILE_HELP = "Read the password from this file (default: standard input)."


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    role: Role = typer.Option(..., help="What the user does."),
    district: str | None = typer.Option(
        None, help="The district of a district commander or community safety user."
    ),
    force: str = typer.Option(get_settings().force, help="The force of the district."),
    password_file: Path | None = typer.Option(None, help=PASSWORD_FILE_HELP),
    exist_ok: bool = typer.Option(
        False, "--exist-ok", help="Succeed without change if the user already exists."
    ),
    actor: str | None = typer.Option(None, help=ACTOR_HELP),
) -> None:
    """Create a user; the password comes from standard input or a file, never the command line.

    Passwords: at least 12 characters, not blank, not one character repeated, not a common
    password (docs/security.md).

    Example: echo 'a long password' | constable users add alice --role dispatcher
    """
    password = _password(password_file)
    with state(ctx).store().session() as session:
        if exist_ok and service.get_user(session=session, username=name) is not None:
            console.out().print(f"{name} already exists.")
            return
        found = None
        if district is not None:
            built = force_service.get_or_raise(session=session, code=force)
            found = force_service.get_district_or_raise(
                session=session, force=built, district=district
            )
        user = service.create_user(
            session=session,
            username=name,
            password=password,
            role=role,
            district=found,
            actor=_actor(actor),
        )
        where = f" of {found.name}" if found else ""
        console.out().print(f"Created {user.username}, {role.value.replace('_', ' ')}{where}.")


@app.command("disable")
def disable(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    actor: str | None = typer.Option(None, help=ACTOR_HELP),
) -> None:
    """Stop a user signing in; their tokens stop working at once (a leaver, a lost device).

    Example: constable users disable alice
    """
    with state(ctx).store().session() as session:
        service.set_active(session=session, username=name, active=False, actor=_actor(actor))
    console.out().print(f"Disabled {name}: they cannot sign in, and their tokens no longer work.")


@app.command("enable")
def enable(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    actor: str | None = typer.Option(None, help=ACTOR_HELP),
) -> None:
    """Let a disabled user sign in again (with their password).

    Example: constable users enable alice
    """
    with state(ctx).store().session() as session:
        service.set_active(session=session, username=name, active=True, actor=_actor(actor))
    console.out().print(f"Enabled {name}: they can sign in again.")


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    password_file: Path | None = typer.Option(None, help=PASSWORD_FILE_HELP),
    actor: str | None = typer.Option(None, help=ACTOR_HELP),
) -> None:
    """Give a user a new password, from standard input or a file; their tokens stop working.

    They sign in again with the new password. The policy is that of add.

    Example: echo 'a new long password' | constable users set-password alice
    """
    password = _password(password_file)
    with state(ctx).store().session() as session:
        service.set_password(session=session, username=name, password=password, actor=_actor(actor))
    console.out().print(f"Set a new password for {name}; their tokens no longer work.")


@app.command("revoke-tokens")
def revoke_tokens(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    actor: str | None = typer.Option(None, help=ACTOR_HELP),
) -> None:
    """Sign a user out everywhere: every token they hold stops working at once.

    Example: constable users revoke-tokens alice
    """
    with state(ctx).store().session() as session:
        count = service.revoke_tokens(session=session, username=name, actor=_actor(actor))
    console.out().print(f"Revoked {count} token{'' if count == 1 else 's'} of {name}.")


def _utc(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite gives the audit log's moments without a zone: they are UTC)."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return aware.isoformat()


@app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every user: role, district, whether disabled, and last sign-in (from the audit log).

    Example: constable users list --json
    """
    with state(ctx).store().session() as session:
        rows = service.list_users(session=session)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "username": row.username,
                        "role": row.role,
                        "district": row.district,
                        "disabled": not row.active,
                        "last_sign_in": _utc(row.last_sign_in),
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"{len(rows)} users", title_justify="left")
    for column in ("username", "role", "district", "disabled", "last sign-in (UTC)"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.username,
            row.role.replace("_", " "),
            row.district or "",
            "disabled" if not row.active else "",
            (_utc(row.last_sign_in) or "none recorded")[:16].replace("T", " "),
        )
    console.out().print(table)
