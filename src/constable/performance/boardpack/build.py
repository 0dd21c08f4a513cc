"""Write a pack to a folder: ``index.html``, ``board-pack.pdf`` and ``figures.csv``.

Everything is written to a new folder beside the target first and moved into place only when
all three files are complete, so a failure (bad data, a plan that does not fit the store, a
full disk) leaves no pack and never half of one; an earlier pack in the target folder is
replaced whole.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from constable.performance.boardpack.assemble import BoardPackError, Pack, Progress
from constable.performance.boardpack.csvfile import figures_csv
from constable.performance.boardpack.pdf import write_pdf
from constable.performance.boardpack.render import render_html

FILES = ("index.html", "board-pack.pdf", "figures.csv")
"""The files of a pack."""


@dataclass(frozen=True)
class Written:
    """Where a pack was written, its pages and its figures."""

    folder: Path
    pages: int
    figures: int


def check_target(out: Path) -> None:
    """Refuse a target that is a file, or a folder holding anything but an earlier pack."""
    if out.exists() and not out.is_dir():
        raise BoardPackError(f"{out}: is a file; give a folder for the pack")
    if out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name not in FILES)
        if others:
            raise BoardPackError(
                f"{out}: holds other files ({', '.join(others[:5])}); give a new or empty folder, "
                "or one that holds only an earlier pack"
            )


def write_pack(pack: Pack, out: Path, *, progress: Progress | None = None) -> Written:
    """Render ``pack`` into ``out`` (see the module's documentation)."""
    out = out.resolve()
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        if progress:
            progress("HTML")
        html = render_html(pack)
        (staging / "index.html").write_text(html, encoding="utf-8")
        if progress:
            progress("CSV")
        (staging / "figures.csv").write_text(figures_csv(pack.figures), encoding="utf-8")
        if progress:
            progress("PDF")
        pages = write_pdf(html, staging / "board-pack.pdf")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            out.rename(old / out.name)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(out, pages, len(pack.figures))
