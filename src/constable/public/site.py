"""The public site's guards, kept per app: the rate limit, the page cache, and answers with the
caching headers (``Cache-Control``, ``ETag``, ``304 Not Modified``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import Response

from constable.config import Settings
from constable.public.cache import CachedPage, PageCache
from constable.public.ratelimit import Decision, TokenBuckets

_LOCK = threading.Lock()


@dataclass
class PublicSite:
    """The guards of one app."""

    cache: PageCache
    limiter: TokenBuckets
    cache_seconds: int


def site_of(request: Request) -> PublicSite:
    """The app's guards, made from its settings on first use."""
    state = request.app.state
    found: PublicSite | None = getattr(state, "public_site", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "public_site", None)
            if found is None:
                settings: Settings = state.settings
                seconds = max(0, min(settings.public_cache_seconds, 86_400))
                found = PublicSite(
                    cache=PageCache(seconds),
                    limiter=TokenBuckets(
                        settings.public_rate_per_second, settings.public_rate_burst
                    ),
                    cache_seconds=seconds,
                )
                state.public_site = found
    return found


def client_address(request: Request) -> str:
    """The connecting address (see :mod:`constable.public.ratelimit` on proxies)."""
    return request.client.host if request.client else "unknown"


def check_rate(request: Request) -> Decision:
    """Take a token for the request's client."""
    return site_of(request).limiter.take(client_address(request))


def rate_limited_api(request: Request) -> None:
    """A dependency for the public API: 429 with ``Retry-After`` when over the limit."""
    decision = check_rate(request)
    if not decision.allowed:
        raise HTTPException(
            status_code=429,
            detail=(
                f"Too many requests from your address: wait {decision.retry_after_seconds} s "
                "and try again"
            ),
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )


def clear_public_pages(request: Request) -> None:
    """Forget the rendered public pages (after staff change what they show)."""
    site_of(request).cache.clear()


def cacheable(request: Request, page: CachedPage, seconds: int) -> Response:
    """The page with ``Cache-Control: public, max-age`` and its ``ETag``; ``304`` with no
    body when the browser already has it (``If-None-Match``)."""
    headers = {"ETag": page.etag, "Cache-Control": f"public, max-age={seconds}"}
    wanted = request.headers.get("if-none-match", "")
    if page.etag in {tag.strip() for tag in wanted.split(",")} or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type=page.media_type, headers=headers)


NO_STORE = {"Cache-Control": "no-store"}
"""Headers of answers that must not be kept: errors, and anything about one postcode."""
