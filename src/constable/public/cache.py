"""Rendered public pages kept in the process, so that a busy neighbourhood page costs a
dictionary look-up, not a dozen queries and a template.

An entry is kept for the day it was made (the page shows "as of" a day, and its months and
review dates move with the day) and for at most ``max_age`` seconds
(``CONSTABLE_PUBLIC_CACHE_SECONDS``), so that a change made through another worker shows within
that time; a change made through this process clears the cache at once (:meth:`clear`). Each
entry carries the ETag of its body, for ``If-None-Match``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedPage:
    """A rendered body and what is needed to serve it again."""

    body: bytes
    etag: str
    media_type: str
    day: dt.date
    made_at: float


def etag_of(body: bytes) -> str:
    """A strong ETag: the quoted start of the body's SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class PageCache:
    """Rendered pages by key, least recently used dropped beyond ``max_entries``."""

    def __init__(
        self,
        max_age: float,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.clock = clock
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, day: dt.date) -> CachedPage | None:
        """The page under ``key`` if it was made on ``day`` and is not too old."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.day != day or self.clock() - page.made_at > self.max_age:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, day: dt.date, body: bytes, media_type: str) -> CachedPage:
        """Keep a rendered page (when ``max_age`` is 0, nothing is kept)."""
        page = CachedPage(body, etag_of(body), media_type, day, self.clock())
        if self.max_age <= 0:
            return page
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        """Forget every page (after a change to what they show)."""
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)
