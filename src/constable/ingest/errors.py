"""Errors of the importers: each names the file, the line, the column and the value."""

from __future__ import annotations

from pathlib import Path

from constable.errors import ConstableError


class IngestError(ConstableError):
    """Base class: an import that was refused, with nothing written."""


class ImportFileError(IngestError):
    """A whole file that cannot be imported (unknown header, unreadable, wrong kind)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ImportRowError(IngestError):
    """One bad value: the file is refused whole."""

    def __init__(self, path: Path | str, line: int, column: str, value: str, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem
        super().__init__(f"{path}, line {line}, column {column!r}: {value!r} {problem}")
