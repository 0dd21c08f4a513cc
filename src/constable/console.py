"""Where commands print: tables to standard output, progress and errors to standard error."""

from __future__ import annotations

import sys

from rich.console import Console


def out() -> Console:
    """A console on standard output; wide when it is a file or pipe, so tables do not wrap."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def err() -> Console:
    """A console on standard error, for progress bars and error messages."""
    return Console(stderr=True, highlight=False)
