"""Writing imported files into the store: all or nothing per file, never the same row twice."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from constable.crime.models import Crime, Outcome, RecordedCrime, StopSearch
from constable.force.geography import to_bng
from constable.ingest.errors import ImportFileError
from constable.ingest.models import ImportedFile
from constable.ingest.police_uk import FileKind, open_file
from constable.ingest.recorded_crime import read_recorded_crime
from constable.store import audit
from constable.store.engine import Store

OnBytes = Callable[[int], None]

_TABLES: dict[str, tuple[Table, list[str]]] = {
    FileKind.STREET.value: (Crime.__table__, ["record_key"]),  # type: ignore[dict-item]
    FileKind.OUTCOMES.value: (Outcome.__table__, ["police_uk_id", "month", "outcome_type"]),  # type: ignore[dict-item]
    FileKind.STOP_SEARCH.value: (StopSearch.__table__, ["record_key"]),  # type: ignore[dict-item]
    "recorded-crime": (
        RecordedCrime.__table__,  # type: ignore[dict-item]
        ["force", "financial_year", "quarter", "offence_code"],
    ),
}


@dataclass
class FileResult:
    """What happened to one file."""

    name: str
    path: str
    kind: str
    rows: int
    rows_added: int
    already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the ``.csv`` files under folders (sorted), each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".csv"))
        elif path.is_file():
            found.append(path)
        else:
            raise ImportFileError(path, "no such file or folder")
    unique: dict[Path, None] = dict.fromkeys(p.resolve() for p in found)
    return list(unique)


def checksum(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _insert_ignoring_duplicates(session: Session, table: Table, keys: list[str]) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=keys)


def _add_grid_references(batch: Sequence[dict[str, Any]]) -> None:
    located = [r for r in batch if r.get("longitude") is not None]
    for record in batch:
        record["easting"] = record["northing"] = None
    if not located:
        return
    eastings, northings = to_bng(
        [r["longitude"] for r in located], [r["latitude"] for r in located]
    )
    for record, easting, northing in zip(located, eastings, northings, strict=True):
        # Points far outside Great Britain have no grid reference.
        if math.isfinite(easting) and math.isfinite(northing):
            record["easting"] = round(float(easting), 1)
            record["northing"] = round(float(northing), 1)


def _batches(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _count(session: Session, table: Table) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _already(session: Session, digest: str) -> ImportedFile | None:
    return session.scalar(select(ImportedFile).where(ImportedFile.checksum == digest))


def _refresh_last_outcomes(session: Session, imported_file_id: int) -> None:
    """Set each crime's last outcome from its outcome history (the latest month wins)."""
    session.execute(
        text(
            """
            UPDATE crime SET
              last_outcome = (
                SELECT o.outcome_type FROM outcome o WHERE o.police_uk_id = crime.police_uk_id
                ORDER BY o.month DESC, o.id DESC LIMIT 1),
              last_outcome_month = (
                SELECT max(o.month) FROM outcome o WHERE o.police_uk_id = crime.police_uk_id)
            WHERE police_uk_id IN (
                SELECT police_uk_id FROM outcome WHERE imported_file_id = :file_id)
            """
        ),
        {"file_id": imported_file_id},
    )


def _write(
    session: Session,
    *,
    path: Path,
    digest: str,
    kind: str,
    records: Iterator[dict[str, Any]],
    batch_rows: int,
    locate: bool,
    actor: str,
) -> tuple[ImportedFile, int]:
    """Insert ``records`` for one file in batches, recording the file; returns it and its rows."""
    table, keys = _TABLES[kind]
    imported = ImportedFile(name=path.name, kind=kind, checksum=digest, rows=0, rows_added=0)
    session.add(imported)
    session.flush()
    before = _count(session, table)
    statement = _insert_ignoring_duplicates(session, table, keys)
    connection = session.connection()
    for batch in _batches(records, batch_rows):
        for record in batch:
            record["imported_file_id"] = imported.id
        if locate:
            _add_grid_references(batch)
        connection.execute(statement, batch)
        imported.rows += len(batch)
    if kind == FileKind.OUTCOMES.value:
        _refresh_last_outcomes(session, imported.id)
    imported.rows_added = _count(session, table) - before
    audit.record(
        session,
        actor=actor,
        action=f"import.{kind}",
        entity="imported_file",
        entity_id=imported.id,
        after={
            "name": path.name,
            "kind": kind,
            "rows": imported.rows,
            "rows_added": imported.rows_added,
        },
    )
    return imported, imported.rows


def import_police_uk_file(
    store: Store,
    path: Path,
    *,
    force: str | None = None,
    batch_rows: int = 5000,
    on_bytes: OnBytes | None = None,
    actor: str = "system",
) -> FileResult:
    """Import one data.police.uk file in one transaction.

    A bad row raises :class:`~constable.ingest.errors.ImportRowError` and nothing of the file is
    kept. A file whose bytes were imported before adds nothing; rows already in the store (same
    Crime ID, or same content and repeat number) are skipped.
    """
    digest = checksum(path)
    with store.session() as session:
        previous = _already(session, digest)
        if previous is not None:
            if on_bytes is not None:
                on_bytes(path.stat().st_size)
            return FileResult(path.name, str(path), previous.kind, previous.rows, 0, True)
        with path.open("rb") as handle:
            opened = open_file(path, handle, force=force, on_bytes=on_bytes)
            imported, rows = _write(
                session,
                path=path,
                digest=digest,
                kind=opened.kind.value,
                records=opened.records(),
                batch_rows=batch_rows,
                locate=opened.kind is not FileKind.OUTCOMES,
                actor=actor,
            )
        return FileResult(path.name, str(path), imported.kind, rows, imported.rows_added)


def import_recorded_crime_file(store: Store, path: Path, *, actor: str = "system") -> FileResult:
    """Import a Home Office recorded-crime table in one transaction (rows already there stay)."""
    digest = checksum(path)
    records = read_recorded_crime(path)
    with store.session() as session:
        previous = _already(session, digest)
        if previous is not None:
            return FileResult(path.name, str(path), previous.kind, previous.rows, 0, True)
        imported, rows = _write(
            session,
            path=path,
            digest=digest,
            kind="recorded-crime",
            records=iter(records),
            batch_rows=5000,
            locate=False,
            actor=actor,
        )
        return FileResult(path.name, str(path), imported.kind, rows, imported.rows_added)
