"""Force names as the different publications spell them, brought to one form."""

from __future__ import annotations

import re
from functools import lru_cache

# Spellings that suffix-stripping alone does not bring to the short name used by the Home Office.
_ALIASES = {
    "metropolitan police service": "Metropolitan Police",
    "metropolitan": "Metropolitan Police",
    "city of london": "London, City of",
    "london, city of": "London, City of",
    "police service of northern ireland": "Northern Ireland",
    "british transport": "British Transport Police",
}
_SUFFIXES = (" police service", " constabulary", " police")
_SMALL_WORDS = {"and", "of", "the"}


@lru_cache(maxsize=256)  # called once per imported row, with a handful of values
def canonical_force_name(name: str) -> str:
    """``West Yorkshire Police`` → ``West Yorkshire``; ``Avon and Somerset Constabulary`` →
    ``Avon and Somerset``; ``City of London Police`` → ``London, City of`` (Home Office names)."""
    cleaned = " ".join(name.split())
    lowered = cleaned.casefold()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix):
            stem = cleaned[: -len(suffix)]
            return _ALIASES.get(stem.casefold(), stem)
    return cleaned


def force_name_from_slug(slug: str) -> str:
    """``avon-and-somerset`` (police.uk file names) → ``Avon and Somerset``."""
    words = [w for w in re.split(r"[-_\s]+", slug.strip()) if w]
    titled = " ".join(
        w if (i and w in _SMALL_WORDS) else w.capitalize() for i, w in enumerate(words)
    )
    return canonical_force_name(titled)
