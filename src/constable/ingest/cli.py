"""``constable import``: data.police.uk files, Home Office tables and the shipped samples."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from constable import console
from constable.ingest import service, sources
from constable.ingest.errors import IngestError
from constable.state import state
from constable.store.engine import Store

app = typer.Typer(
    help="Import data: data.police.uk files and Home Office tables.", no_args_is_help=True
)


class Sample(StrEnum):
    """Real public data shipped in installed packages."""

    WEST_YORKSHIRE = "west-yorkshire"
    RECORDED_CRIME = "recorded-crime"


ImportOne = Callable[[Path, Callable[[int], None]], service.FileResult]
"""Imports one file, reporting bytes read; the CLI gives it a progress bar."""


def _print(results: Sequence[service.FileResult], refused: Sequence[str], as_json: bool) -> None:
    added = sum(r.rows_added for r in results)
    if as_json:
        payload = {
            "files": [r.as_dict() for r in results],
            "rows_added": added,
            "refused": list(refused),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title="Imported", title_justify="left")
    for column in ("File", "Kind", "Rows", "Added", "Note"):
        table.add_column(column, justify="right" if column in ("Rows", "Added") else "left")
    for r in results:
        note = "imported before" if r.already_imported else ""
        table.add_row(r.name, r.kind, f"{r.rows:,}", f"{r.rows_added:,}", note)
    console.out().print(table)
    console.out().print(f"{added:,} rows added from {len(results)} file(s).")


def _run(
    paths: Sequence[Path],
    one: ImportOne,
    as_json: bool,
) -> None:
    """Import each file on its own (all or nothing per file); exit 1 if any was refused."""
    files = service.expand_paths(paths)
    results: list[service.FileResult] = []
    refused: list[str] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console.err(),
        transient=as_json,
    ) as progress:
        total = progress.add_task("importing", total=sum(p.stat().st_size for p in files))
        for path in files:
            progress.update(total, description=path.name)
            done_before = progress.tasks[0].completed
            try:
                results.append(one(path, lambda n: progress.advance(total, n)))
            except IngestError as exc:
                refused.append(str(exc))
                console.err().print(f"[bold red]Refused:[/] {exc}", soft_wrap=True)
            progress.update(total, completed=done_before + path.stat().st_size)
    _print(results, refused, as_json)
    if refused:
        raise typer.Exit(1)


def _police_uk(store: Store, force: str | None, batch_rows: int) -> ImportOne:
    def one(path: Path, on_bytes: Callable[[int], None]) -> service.FileResult:
        return service.import_police_uk_file(
            store, path, force=force, on_bytes=on_bytes, batch_rows=batch_rows
        )

    return one


def _recorded_crime(store: Store) -> ImportOne:
    def one(path: Path, on_bytes: Callable[[int], None]) -> service.FileResult:
        result = service.import_recorded_crime_file(store, path)
        on_bytes(path.stat().st_size)
        return result

    return one


@app.command("police-uk")
def police_uk(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="CSV files or folders of them."),
    force: str | None = typer.Option(
        None, help="Force of stop-and-search files whose name does not say it."
    ),
    batch_rows: int = typer.Option(5000, min=1, help="Rows written per batch."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import data.police.uk street, outcomes and stop-and-search CSVs (recognised by header).

    Each file is all or nothing; a file imported before adds nothing.

    Example: constable import police-uk downloads/2018-07
    """
    _run(paths, _police_uk(state(ctx).store(), force, batch_rows), as_json)


@app.command("recorded-crime")
def recorded_crime(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Home Office recorded-crime CSVs (prc-pfa)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import Home Office police recorded crime by force area, year, quarter and offence code."""
    _run(paths, _recorded_crime(state(ctx).store()), as_json)


@app.command("sample")
def sample(
    ctx: typer.Context,
    name: Sample = typer.Argument(..., help="Which shipped sample to import."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import real public data shipped in installed packages.

    west-yorkshire: three months of data.police.uk street crime (2016-07, 2017-07, 2018-07).
    recorded-crime: the Home Office 2017/18 table by force and quarter.
    """
    store = state(ctx).store()
    if name is Sample.WEST_YORKSHIRE:
        _run(sources.west_yorkshire_street(), _police_uk(store, None, 5000), as_json)
    else:
        _run([sources.recorded_crime_2017_18()], _recorded_crime(store), as_json)
