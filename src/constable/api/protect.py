"""What every request passes before any route sees it: a size limit, input that can be stored,
cross-site writes refused, and the browser's protections on every answer.

Two plain ASGI middlewares (cheap on the control room's 200 contacts a second path):

- :class:`InputGuard` refuses, with a 4xx naming the place, what would otherwise reach the
  database and fail there as a 500: a body over the limit (413, before it is read), a number too
  large for a record id (at most 2^63 - 1) in the path, the query, a form or a JSON body, a
  string with a NUL, another control character or a lone surrogate, and a date-like value
  outside the years 1900–2100. It also refuses a write that carries the sign-in cookie (and no
  bearer token) from another site: a browser sends ``Origin`` or ``Sec-Fetch-Site`` with every
  such request, and a form on another site must not act for a signed-in user.
- :class:`SecurityHeaders` adds a Content-Security-Policy (scripts and everything else from this
  site only, never in a frame), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and,
  over HTTPS, ``Strict-Transport-Security``.

docs/security.md lists the limits and headers and what a force adds at deployment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from constable.auth.deps import COOKIE

MAX_ID = 2**63 - 1
"""The largest integer both SQLite and PostgreSQL (bigint) store."""
BODY_LIMIT = 1_048_576
"""The largest request body accepted by default (1 MiB): contacts, forms and records are a few
kilobytes; nothing in the app uploads files."""
YEARS = (1900, 2100)

# C0 controls but tab, newline and carriage return; DEL; lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_DIGITS = re.compile(r"-?\d{19,}")
_DATE = re.compile(r"(\d{4})-\d{2}(-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)?")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def problem(value: Any, *, numeric_text: bool = True) -> str | None:
    """Why a value from a request cannot be taken, or None. ``numeric_text``: a string of digits
    may be read as a number (in a path, a query or a form; not a JSON string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not -MAX_ID - 1 <= value <= MAX_ID:
            return f"{value} is too large: numbers here go up to {MAX_ID:,}"
        return None
    if not isinstance(value, str):
        return None
    found = _UNSTORABLE.search(value)
    if found is not None:
        char = found.group()
        what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else f"U+{ord(char):04X}"
        return f"contains a character that cannot be stored ({what})"
    if numeric_text and _DIGITS.fullmatch(value) and not -MAX_ID - 1 <= int(value) <= MAX_ID:
        return f"{value} is too large: numbers here go up to {MAX_ID:,}"
    date = _DATE.fullmatch(value)
    if date is not None and not YEARS[0] <= int(date.group(1)) <= YEARS[1]:
        return f"{value} is out of range: give a date from {YEARS[0]} to {YEARS[1]}"
    return None


Place = tuple[str | int, ...]


def problems(value: Any, where: Place) -> Iterator[tuple[Place, str]]:
    """Every (place, problem) in a parsed JSON value, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = problem(key, numeric_text=False)
            if found is not None:
                yield (*where, key), f"a field name {found}"
            yield from problems(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems(item, (*where, index))
    else:
        found = problem(value, numeric_text=False)
        if found is not None:
            yield where, found


def _answer(status: int, detail: Any) -> tuple[int, bytes]:
    return status, json.dumps({"detail": detail}).encode()


def _invalid(where: Place, message: str, value: Any) -> tuple[int, bytes]:
    place = ".".join(str(p) for p in where[1:]) or where[0]
    shown = value[:80] if isinstance(value, str) else value
    return _answer(
        422,
        [{"type": "value_error", "loc": list(where), "msg": f"{place}: {message}", "input": shown}],
    )


def _first(pairs: list[tuple[str, str]], kind: str) -> tuple[int, bytes] | None:
    for name, value in pairs:
        for found in (problem(name), problem(value)):
            if found is not None:
                return _invalid((kind, name), found, value)
    return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def cross_site(scope: Scope, headers: dict[str, str]) -> bool:
    """A write carrying the sign-in cookie, without a bearer token, sent by another site.

    As Go's ``net/http.CrossOriginProtection`` decides: ``Sec-Fetch-Site`` if the browser sent
    it, else ``Origin`` against the host; a request with neither comes from no browser (a
    browser sends one of them with every cross-site write) and so carries no forged intent.
    """
    if scope["method"] not in _WRITES or headers.get("authorization"):
        return False
    if f"{COOKIE}=" not in headers.get("cookie", ""):
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or not _same_host(origin, headers)


def _same_host(url: str, headers: dict[str, str]) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return host == headers.get("host", "")


class InputGuard:
    """Refuses what cannot be stored, with a 4xx naming the place (see the module)."""

    def __init__(self, app: ASGIApp, *, body_limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refused = self._check_url(scope)
        if refused is None and cross_site(scope, headers):
            refused = _answer(403, "A form on another site cannot act for you: sign in here")
        if refused is None and scope["method"] in _WRITES:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.body_limit:
                refused = _answer(413, f"The request is over {self.body_limit:,} bytes")
        if refused is not None:
            await _send(send, *refused)
            return
        if scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        body, more = await self._read(receive)
        if more:
            await _send(send, *_answer(413, f"The request is over {self.body_limit:,} bytes"))
            return
        refused = self._check_body(headers.get("content-type", ""), body)
        if refused is not None:
            await _send(send, *refused)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_url(self, scope: Scope) -> tuple[int, bytes] | None:
        for segment in scope["path"].split("/"):
            found = problem(segment)
            if found is not None:
                return _invalid(("path",), found, segment)
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        return _first(parse_qsl(query, keep_blank_values=True), "query")

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        """The body, and whether it went over the limit (then it is not read to its end)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False

    def _check_body(self, content_type: str, body: bytes) -> tuple[int, bytes] | None:
        if not body:
            return None
        if content_type.startswith("application/json"):
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return None  # the route's own validation says what is wrong with it
            for where, found in problems(parsed, ("body",)):
                value: Any = parsed
                for key in where[1:]:
                    value = value[key]
                return _invalid(where, found, value)
            return None
        if content_type.startswith("application/x-www-form-urlencoded"):
            text = body.decode("utf-8", "replace")
            return _first(parse_qsl(text, keep_blank_values=True), "form")
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then what the connection says next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send(send: Send, status: int, content: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class SecurityHeaders:
    """The browser's protections on every answer (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in _protections(https):
                    if name not in names:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _protections(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers
