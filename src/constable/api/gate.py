"""SQLite's one writer at a time, as a queue the web app's requests wait in without polling.

SQLite lets one connection write at a time; another that wants to write sleeps and retries
(its busy timeout), with sleeps that grow to 100 ms. Requests that write therefore queue here
first: in the process, behind an :class:`anyio.Lock` (first come, first served, holding no
thread); across the server's worker processes, behind an exclusive ``flock`` on a file beside
the database, which the kernel hands on the moment it is released. Other programs that write
(imports from the command line) still meet SQLite's own lock and its busy timeout.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import anyio
from anyio import to_thread


class WriteGate:
    """The gate of one SQLite file (``path``), or of an in-memory database (``None``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = None if path is None else path.with_name(path.name + "-gate")
        self._in_process = anyio.Lock()
        self._fd: int | None = None

    async def acquire(self) -> None:
        """Wait for the gate; the caller must :meth:`release` it."""
        await self._in_process.acquire()
        try:
            if self.path is not None:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    # Shielded: a thread that got the lock after its request was cancelled
                    # would keep it for ever.
                    with anyio.CancelScope(shield=True):
                        await to_thread.run_sync(fcntl.flock, self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._in_process.release()
            raise

    def release(self) -> None:
        """Let the next writer in."""
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._in_process.release()
