"""Helpers shared by the benchmarks: fresh SQLite stores, timing, and Rich output; for the control
room, Kent built with users, the app served by Uvicorn in a child process, and an open-loop HTTP
load generator with latency percentiles."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from rich.console import Console
from sqlalchemy import func, select

from constable.auth.roles import Role
from constable.auth.service import create_user
from constable.control.models import Contact, Incident
from constable.force.build import build_force
from constable.force.config import load_config
from constable.force.models import Neighbourhood
from constable.ingest import sources
from constable.store import Store, open_store

# Wide enough for the tables when the output is a pipe or a file (Rich would assume 80 columns).
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


@contextmanager
def fresh_store(folder: Path, name: str) -> Iterator[Store]:
    """A new, migrated SQLite store in ``folder`` (the file and its WAL removed afterwards)."""
    path = folder / f"{name}.db"
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]
    for file in files:
        file.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path.resolve()}")
    try:
        yield store
    finally:
        store.close()
        for file in files:
            file.unlink(missing_ok=True)


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes (wall clock), with the garbage collector settled first."""
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def rate(rows: int, seconds: float) -> str:
    """Rows per second, written with thousands separators."""
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def verdict(met: bool) -> str:
    """A coloured yes/no for a goal."""
    return "[bold green]met[/]" if met else "[bold red]NOT met[/]"


# --- The control room served over HTTP (control_replay, control_load, dispatch_speed) ---------

PASSWORD = "bench-password-not-secret"
"""The password of every user the benchmarks create (in throw-away stores only)."""


def build_kent(store: Store) -> None:
    """Kent from the real 2011 census and LSOA boundaries into ``store`` (about 1 s)."""
    with store.session() as session:
        build_force(
            session,
            load_config("kent"),
            census_path=sources.census_2011(),
            boundaries_path=sources.lsoa_boundaries(),
        )


def add_users(store: Store, users: dict[str, Role]) -> None:
    """Users of the control room (none of them a district commander), all with :data:`PASSWORD`."""
    with store.session() as session:
        for username, role in users.items():
            create_user(session=session, username=username, password=PASSWORD, role=role)


@contextmanager
def kent_store(folder: Path, name: str, users: dict[str, Role]) -> Iterator[Store]:
    """A fresh SQLite store with Kent built and ``users`` added (removed afterwards)."""
    with fresh_store(folder, name) as store:
        build_kent(store)
        add_users(store, users)
        yield store


def neighbourhoods(store: Store) -> tuple[list[str], list[int]]:
    """Every Kent neighbourhood's LSOA code and its population (2011 census), from the store."""
    with store.session() as session:
        rows = session.execute(
            select(Neighbourhood.code, Neighbourhood.population).order_by(Neighbourhood.code)
        ).all()
    return [code for code, _ in rows], [population for _, population in rows]


def stored_incidents(store: Store) -> tuple[int, int]:
    """Incidents and contacts in the store."""
    with store.session() as session:
        incidents = session.execute(select(func.count()).select_from(Incident)).scalar_one()
        contacts = session.execute(select(func.count()).select_from(Contact)).scalar_one()
    return int(incidents), int(contacts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """The app served by Uvicorn in a child process."""

    base_url: str
    process: subprocess.Popen[bytes]
    workers: int
    log: Path

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far (Linux ``/proc``)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with suppress(OSError):
            pids += [int(pid) for pid in children.read_text().split()]
        total = 0
        for pid in pids:
            with suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        return total / os.sysconf("SC_CLK_TCK")

    def logged_errors(self) -> Counter[str]:
        """The exceptions the server logged (the last line of each traceback), by message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found = re.findall(r"^(\w[\w.]*(?:Error|Exception)\b.*)$", text, flags=re.MULTILINE)
        return Counter(line[:240] for line in found)


@contextmanager
def serve(
    database_url: str, log: Path, workers: int = 1, app: str = "constable.api.app:create_app"
) -> Iterator[Server]:
    """``uvicorn --factory constable.api.app:create_app`` (or another ``app`` factory) on
    ``database_url`` in a child process (so that the load generator does not share its
    interpreter), without the access log; stopped when the block ends. Output goes to ``log``."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", app]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "5"]
    env = {**os.environ, "CONSTABLE_DATABASE_URL": database_url, "CONSTABLE_FORCE": "kent"}
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Uvicorn exited with {process.returncode}:\n{log.read_text()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"Uvicorn did not answer on {base_url} within 60 s")
            time.sleep(0.1)
        yield Server(base_url, process, workers, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(base_url: str, username: str) -> str:
    """A bearer token from ``POST /api/token`` (OAuth2 password form)."""
    answer = httpx.post(
        f"{base_url}/api/token", data={"username": username, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.99 for p99) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class Call:
    """One HTTP request of a plan: when to send it (seconds after the start) and what."""

    at: float
    method: str
    path: str
    body: dict[str, Any] | None = None
    expect: int = 200
    token: str | None = None


@dataclass(frozen=True)
class Shot:
    """What happened to one request: how late it left, how long it took, what came back."""

    lag: float
    latency: float
    status: int
    error: str | None


@dataclass
class LoadFigures:
    """One open-loop run, summarised."""

    sent: int
    ok: int
    errors: int
    error_kinds: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    offered_rate: float
    achieved_rate: float
    lag_p99_ms: float
    lag_max_ms: float
    wall_seconds: float
    server_cpu: float
    client_cpu: float

    @property
    def server_cores(self) -> float:
        """Cores the server kept busy on average (1.0 = one core all the time)."""
        return self.server_cpu / self.wall_seconds if self.wall_seconds else math.nan


def _kind(shot: Shot) -> str:
    return f"HTTP {shot.status}" if shot.status else (shot.error or "?").split(":")[0]


# The open loop's own HTTP/1.1 client: httpx costs 2 to 4 ms of CPU a request, which at 200
# requests a second takes most of a core from the server being measured on a 2-core machine.
# This one sends bytes made before the run and reads just enough of the answer to know its status,
# its body and whether the connection can be used again.

_PATH_SAFE = "/?&=%:@!$'()*+,;~"  # kept as written (``%`` too: a path may arrive encoded)
_NO_BODY = frozenset({204, 304})


def _request_bytes(call: Call, host: str, prefix: str) -> bytes:
    """The whole request of ``call``, as sent (a JSON body compact, as httpx sends it)."""
    lines = [
        f"{call.method} {quote(prefix + call.path, safe=_PATH_SAFE)} HTTP/1.1",
        f"Host: {host}",
    ]
    if call.token:
        lines.append(f"Authorization: Bearer {call.token}")
    body = b""
    if call.body is not None:
        body = json.dumps(
            call.body, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    elif call.method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")  # some servers refuse these without a length
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, head: bool
) -> tuple[int, bytes, bool]:
    """Send ``request`` and read its answer: status, body, and whether the connection stays
    open. A closed connection or a garbled answer raises :class:`ConnectionError`."""
    writer.write(request)
    await writer.drain()
    status = 0
    try:
        while True:
            lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].split(b"\r\n")
            version, _, rest = lines[0].partition(b" ")
            if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
                raise ConnectionError(f"not an HTTP/1.1 answer: {lines[0][:80]!r}")
            status = int(rest[:3])
            if not 100 <= status < 200 or status == 101:
                break  # an interim answer (100 Continue) is followed by the real one
        fields: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        connection = fields.get(b"connection", b"")
        keep = b"keep-alive" in connection if version == b"HTTP/1.0" else b"close" not in connection
        if head or status in _NO_BODY or 100 <= status < 200:
            return status, b"", keep
        if b"chunked" in fields.get(b"transfer-encoding", b""):
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailer fields, unused
            return status, b"".join(parts), keep
        if b"content-length" in fields:
            return status, await reader.readexactly(int(fields[b"content-length"])), keep
        return status, await reader.read(), False  # the body runs to the end of the connection
    except asyncio.IncompleteReadError as exc:
        where = "mid-answer" if exc.partial or status else "without an answer"
        raise ConnectionError(f"the server closed the connection {where}") from None
    except (ValueError, asyncio.LimitOverrunError) as exc:  # not a number, or a head over 64 KiB
        raise ConnectionError(f"a garbled answer ({exc})") from None


class _Pool:
    """Keep-alive connections to one server, each carrying one request at a time, reused
    first-in-first-out. Never more connections than requests in flight at once (the open loop's
    gate bounds those)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = deque()

    async def send(self, request: bytes, head: bool = False) -> tuple[int, bytes]:
        """The status and body of the answer to ``request`` (whole bytes, as sent)."""
        while self.idle:
            reader, writer = self.idle.popleft()
            # Uvicorn closes a connection idle for 5 s; the event loop has seen the end by now.
            if not reader.at_eof() and not writer.is_closing():
                break
            writer.close()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            status, body, keep = await _exchange(reader, writer, request, head)
        except BaseException:
            writer.close()  # half-way through an exchange (or timed out): not reusable
            raise
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return status, body

    async def grow(self, count: int, request: bytes) -> None:
        """Open ``count`` connections one after another, each checked with ``request``.

        One after another, as users signing in over a shift do: a server of several worker
        processes takes each as it comes, where a burst of them at once is mostly taken by the
        first worker to wake (one had four fifths of the load)."""
        for _ in range(count):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            status, body, keep = await _exchange(reader, writer, request, False)
            if status >= 400:
                raise ConnectionError(f"HTTP {status} to the first request: {body[:200]!r}")
            if keep:
                self.idle.append((reader, writer))
            else:
                writer.close()

    async def close(self) -> None:
        """Close the idle connections."""
        while self.idle:
            _, writer = self.idle.popleft()
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()


async def _open_loop(
    server: Server, plan: Sequence[Call], connections: int, give_up: float, open_first: int
) -> tuple[list[Shot], float]:
    url = urlsplit(server.base_url)
    host, prefix = url.netloc, url.path.rstrip("/")
    pool = _Pool(url.hostname or "127.0.0.1", url.port or 80)
    # Made before the run, so that the schedule is not held up making them.
    requests = [_request_bytes(call, host, prefix) for call in plan]
    # Requests beyond ``connections`` wait here, first come first served, and that wait counts in
    # their latency (as a caller's would).
    gate = asyncio.Semaphore(connections)
    shots: list[Shot] = []

    async def fire(call: Call, request: bytes, due: float) -> None:
        begun = time.perf_counter()
        try:
            async with asyncio.timeout(give_up), gate:
                status, body = await pool.send(request, call.method == "HEAD")
            latency = time.perf_counter() - begun
            error = None if status == call.expect else body.decode(errors="replace")[:300]
            shots.append(Shot(begun - due, latency, status, error))
        except TimeoutError as exc:
            latency = time.perf_counter() - begun
            message = str(exc) or f"no answer within {give_up:g} s"
            shots.append(Shot(begun - due, latency, 0, f"TimeoutError: {message}"))
        except OSError as exc:  # ConnectionError and its kin (refused, reset, ...)
            latency = time.perf_counter() - begun
            shots.append(Shot(begun - due, latency, 0, f"ConnectionError: {exc}"))

    try:
        # The first connections (and a loud failure if nobody answers), reused first-in-first-out.
        await pool.grow(
            max(1, open_first), _request_bytes(Call(0.0, "GET", "/healthz"), host, prefix)
        )
        tasks = []
        start = time.perf_counter() + 0.2
        for call, request in zip(plan, requests, strict=True):
            due = start + call.at
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(call, request, due)))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
    finally:
        await pool.close()
    return shots, wall


def open_loop(
    server: Server,
    plan: Sequence[Call],
    connections: int = 64,
    give_up: float = 30.0,
    open_first: int = 1,
) -> tuple[LoadFigures, list[Shot]]:
    """Send every call of ``plan`` at its time, whether or not earlier ones have answered (an
    open loop, as callers do: a slow server does not slow the callers down), from one asyncio
    event loop with the lean HTTP/1.1 client above (httpx took most of a core from the server at
    200 requests a second), over up to ``connections`` keep-alive connections. Each call carries
    its own bearer token, if any. A request without an answer ``give_up`` seconds after it was
    handed over is an error (so a stalled server cannot hold the run up for long). With
    ``open_first`` the client opens that many connections before the run, as that many users
    each with a connection of their own would have (a server of several worker processes gets a
    share of them each).

    Latency runs from the moment a request is handed to the client to its full answer; ``lag``
    is how late that moment was against the plan (the generator keeping to schedule)."""
    cpu_before, server_before = time.process_time(), server.cpu_seconds()
    # No garbage collection in the generator during the run: a full collection over the plan's
    # requests stalled it for 150 ms, and its answers' latencies counted the stall.
    gc.collect()
    gc.disable()
    try:
        shots, wall = asyncio.run(_open_loop(server, plan, connections, give_up, open_first))
    finally:
        gc.enable()
    client_cpu, server_cpu = time.process_time() - cpu_before, server.cpu_seconds() - server_before
    good = [s.latency * 1000 for s in shots if s.error is None]
    bad = [s for s in shots if s.error is not None]
    lags = [s.lag * 1000 for s in shots]
    span = plan[-1].at - plan[0].at if len(plan) > 1 else 0.0
    kinds: dict[str, int] = {}
    for shot in bad:
        kinds[_kind(shot)] = kinds.get(_kind(shot), 0) + 1
    figures = LoadFigures(
        sent=len(shots),
        ok=len(good),
        errors=len(bad),
        error_kinds=kinds,
        p50_ms=percentile(good, 0.50),
        p90_ms=percentile(good, 0.90),
        p99_ms=percentile(good, 0.99),
        max_ms=max(good, default=math.nan),
        mean_ms=sum(good) / len(good) if good else math.nan,
        offered_rate=(len(plan) - 1) / span if span else math.nan,
        achieved_rate=len(good) / wall if wall else math.nan,
        lag_p99_ms=percentile(lags, 0.99),
        lag_max_ms=max(lags, default=math.nan),
        wall_seconds=wall,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
    )
    return figures, shots


def first_errors(shots: Sequence[Shot], count: int = 3) -> list[str]:
    """The first few error messages, to print."""
    return [
        f"HTTP {s.status}: {s.error}" if s.status else str(s.error)
        for s in shots
        if s.error is not None
    ][:count]


def ms(value: float) -> str:
    """Milliseconds for a table: one decimal, a dash for no figure."""
    return "-" if math.isnan(value) else f"{value:,.1f}"
