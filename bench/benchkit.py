"""Helpers shared by the benchmarks: fresh SQLite stores, timing, and Rich output."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from constable.store import Store, open_store

# Wide enough for the tables when the output is a pipe or a file (Rich would assume 80 columns).
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


@contextmanager
def fresh_store(folder: Path, name: str) -> Iterator[Store]:
    """A new, migrated SQLite store in ``folder`` (the file and its WAL removed afterwards)."""
    path = folder / f"{name}.db"
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]
    for file in files:
        file.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path.resolve()}")
    try:
        yield store
    finally:
        store.close()
        for file in files:
            file.unlink(missing_ok=True)


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes (wall clock), with the garbage collector settled first."""
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def rate(rows: int, seconds: float) -> str:
    """Rows per second, written with thousands separators."""
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def verdict(met: bool) -> str:
    """A coloured yes/no for a goal."""
    return "[bold green]met[/]" if met else "[bold red]NOT met[/]"
