"""``constable users``: people who sign in."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from constable import console
from constable.auth import service
from constable.auth.roles import Role
from constable.config import get_settings
from constable.force import service as force_service
from constable.state import state

app = typer.Typer(help="Users: who may sign in, with which role.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The username."),
    role: Role = typer.Option(..., help="What the user does."),
    district: str | None = typer.Option(
        None, help="The district of a district commander or community safety user."
    ),
    force: str = typer.Option(get_settings().force, help="The force of the district."),
    password_file: Path | None = typer.Option(
        None, help="Read the password from this file (default: standard input)."
    ),
    exist_ok: bool = typer.Option(
        False, "--exist-ok", help="Succeed without change if the user already exists."
    ),
) -> None:
    """Create a user; the password comes from standard input or a file, never the command line.

    Example: echo 'a long password' | constable users add alice --role dispatcher
    """
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
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
            session=session, username=name, password=password, role=role, district=found
        )
        where = f" of {found.name}" if found else ""
        console.out().print(f"Created {user.username}, {role.value.replace('_', ' ')}{where}.")
