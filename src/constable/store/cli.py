"""``constable db``: the schema of the store."""

from __future__ import annotations

import typer

from constable import console
from constable.state import state
from constable.store import migrations
from constable.store.engine import make_engine

app = typer.Typer(help="The records store: schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the database to the latest schema (creates it when empty)."""
    engine = make_engine(state(ctx).database_url)
    try:
        before = migrations.state(engine).current
        migrations.upgrade(engine)
        after = migrations.state(engine).current
    finally:
        engine.dispose()
    if before == after:
        console.out().print(f"Schema already at {after}.")
    else:
        console.out().print(f"Schema upgraded from {before or 'empty'} to {after}.")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the database's schema revision and the newest one shipped."""
    engine = make_engine(state(ctx).database_url)
    try:
        schema = migrations.state(engine)
    finally:
        engine.dispose()
    console.out().print(f"current: {schema.current or 'empty'}\nlatest:  {schema.head}")
