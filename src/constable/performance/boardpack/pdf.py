"""The pack as PDF, printed from its HTML by WeasyPrint (A4, page numbers in the footer)."""

from __future__ import annotations

from pathlib import Path


def write_pdf(html: str, path: Path) -> int:
    """Print ``html`` to ``path``; the number of pages."""
    # Imported here: loading Pango takes a moment. WeasyPrint ships no type information.
    from weasyprint import HTML  # type: ignore[import-untyped]

    document = HTML(string=html, base_url=str(path.parent)).render()
    document.write_pdf(path)
    return len(document.pages)
