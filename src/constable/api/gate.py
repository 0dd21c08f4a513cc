"""SQLite's one writer at a time, as a queue the web app's requests wait in without polling.

SQLite lets one connection write at a time; another that wants to write sleeps and retries
(its busy timeout), with sleeps that grow to 100 ms. Requests that write therefore pass this
gate first: in the process, a :class:`threading.Lock`; across the server's worker processes, an
exclusive ``flock`` on a file beside the database, which the kernel hands on the moment it is
released. Other programs that write (imports from the command line) still meet SQLite's own
lock and its busy timeout.

Two ways through, one gate:

- :meth:`WriteGate.held`, on the thread that does the whole write: the gate is held for the
  write alone (:func:`constable.api.deps.in_one_session`).
- :meth:`WriteGate.acquire` and :meth:`WriteGate.release`, from the event loop, for a request
  whose session spans several threads (:func:`constable.api.deps.get_session`). Such requests
  queue in the loop (an :class:`anyio.Lock`, holding no thread), so that one waiting for a
  thread can never be blocked by threads that wait for the gate.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
from anyio import to_thread


class WriteGate:
    """The gate of one SQLite file (``path``), or of an in-memory database (``None``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = None if path is None else path.with_name(path.name + "-gate")
        self._lock = threading.Lock()
        self._queue = anyio.Lock()
        self._waiter = anyio.CapacityLimiter(1)
        self._fd: int | None = None
        self._opening = threading.Lock()

    def _file(self) -> int | None:
        if self.path is None:
            return None
        with self._opening:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def _lock_file(self) -> None:
        fd = self._file()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)

    def _try_lock_file(self) -> bool:
        fd = self._file()
        if fd is None:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the gate on this thread for the ``with`` block (waits, blocking the thread)."""
        with self._lock:
            self._lock_file()
            try:
                yield
            finally:
                self._unlock_file()

    async def acquire(self) -> None:
        """Wait for the gate from the event loop; the caller must :meth:`release` it."""
        await self._queue.acquire()
        try:
            if not self._lock.acquire(blocking=False):
                # Shielded, here and below: a thread that got the lock after its request was
                # cancelled would keep it for ever.
                with anyio.CancelScope(shield=True):
                    await to_thread.run_sync(self._lock.acquire, limiter=self._waiter)
            try:
                if not self._try_lock_file():
                    with anyio.CancelScope(shield=True):
                        await to_thread.run_sync(self._lock_file, limiter=self._waiter)
            except BaseException:
                self._lock.release()
                raise
        except BaseException:
            self._queue.release()
            raise

    def release(self) -> None:
        """Let the next writer in (after :meth:`acquire`)."""
        try:
            self._unlock_file()
        finally:
            self._lock.release()
            self._queue.release()

    def close(self) -> None:
        """Close the gate's file (when the app stops; nobody may hold the gate)."""
        with self._opening:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
