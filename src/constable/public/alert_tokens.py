"""Signed links for community alerts: a confirmation link carries the subscriber's choices (so
nothing is stored before they confirm) and expires; an unsubscribe link names the subscriber and
never expires (it is in every message they ever received).

A token is ``<payload>.<signature>``: the payload is JSON in URL-safe base64, the signature an
HMAC-SHA256 over the purpose and the payload, so a confirmation token cannot unsubscribe and a
changed payload is refused.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.config import Settings
from constable.errors import ConstableError
from constable.public.alert_models import AlertSigningKey
from constable.store.base import utcnow

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"


class TokenError(ConstableError):
    """A link that is not one of ours, was changed, or has expired."""

    status = 400


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(session: Session, settings: Settings) -> bytes:
    """The key from the settings, else the one kept in the store (made on first use)."""
    if settings.alert_signing_key is not None:
        return settings.alert_signing_key.get_secret_value().encode("utf-8")
    secret = session.scalar(select(AlertSigningKey.secret).order_by(AlertSigningKey.id).limit(1))
    if secret is None:
        secret = secrets.token_hex(32)
        session.add(AlertSigningKey(secret=secret, created_at=utcnow()))
        session.flush()
    return secret.encode("ascii")


def sign(key: bytes, purpose: str, payload: dict[str, Any]) -> str:
    """A token for ``purpose`` carrying ``payload``."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = hmac.new(key, f"{purpose}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(
    key: bytes, purpose: str, token: str, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The payload of a token made for ``purpose``, or :class:`TokenError`.

    A payload with ``exp`` (seconds since the epoch) is refused after that moment.
    """
    body, _, signature = token.strip().partition(".")
    try:
        given = _unb64(signature)
        expected = hmac.new(key, f"{purpose}.{body}".encode("ascii"), hashlib.sha256).digest()
        if not body or not hmac.compare_digest(given, expected):
            raise TokenError("this link is not valid: copy the whole link from the email")
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise TokenError("this link is not valid: copy the whole link from the email") from exc
    if not isinstance(payload, dict):
        raise TokenError("this link is not valid: copy the whole link from the email")
    expires = payload.get("exp")
    if expires is not None and (now or utcnow()).timestamp() > float(expires):
        raise TokenError("this link has expired: sign up again to get a new one")
    return payload


def email_digest(email: str) -> str:
    """A short digest of an address: an unsubscribe link for a deleted subscriber whose row id
    was given to someone else later does nothing to the newcomer."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]
