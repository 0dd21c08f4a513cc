"""What the global command-line options hand to every command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from constable.store.engine import Store


@dataclass
class CliState:
    """The database named by ``--db``, opened on first use."""

    database_url: str
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        """The open store (migrated if it was empty)."""
        if self._store is None:
            # Here, not at import: a command that needs no records starts without SQLAlchemy.
            from constable.store.engine import open_store

            self._store = open_store(self.database_url)
        return self._store


def state(ctx: typer.Context) -> CliState:
    """The state set by the top-level callback."""
    found = ctx.find_object(CliState)
    if found is None:  # a sub-app invoked on its own, in tests
        from constable.config import get_settings

        found = CliState(database_url=get_settings().database_url)
        ctx.obj = found
    return found
