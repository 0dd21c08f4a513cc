"""Referring a victim to the support service, only with their consent.

The referral is a JSON document (docs/victims.md describes every field; ``schema`` names its
version) sent by the configured channel:

- ``file`` (the default): one file per referral, ``<reference>.json``, in
  ``CONSTABLE_VICTIM_REFERRAL_FOLDER``, readable by its owner only (0600), written to a
  temporary name and renamed, so the service's pick-up never reads half a file;
- ``webhook``: an HTTP POST of the document to ``CONSTABLE_VICTIM_REFERRAL_URL`` with
  ``X-Constable-Timestamp`` and ``X-Constable-Signature: sha256=<hex>``, the HMAC-SHA256 of
  ``<timestamp>.<body>`` under ``CONSTABLE_VICTIM_REFERRAL_SECRET``; any answer but 2xx is a
  failure.

A referral without consent is refused before anything is built or sent. A referral that fails to
go is not recorded (the error says why), so it can simply be tried again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.config import Settings
from constable.crime.models import Crime
from constable.crime.offences import offences
from constable.errors import ConstableError
from constable.force.models import District, Force
from constable.public.victim_models import VictimCare, VictimReferral
from constable.public.victims import VictimCareNotFound, care_of
from constable.store.audit import record as audit
from constable.store.base import utcnow

SCHEMA = "constable.victim-referral/1"


class ReferralError(ConstableError):
    """A referral that cannot be made, or that the service did not take."""


class NoConsent(ReferralError):
    """The victim has not agreed to be referred."""


class ReferralFailed(ReferralError):
    """The referral could not be delivered."""

    status = 502


class Channel(Protocol):
    """Where referrals go. ``send`` delivers one document and says where it went."""

    @property
    def name(self) -> str: ...

    def send(self, reference: str, document: dict[str, Any]) -> str: ...


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")


@dataclass(frozen=True)
class FileChannel:
    """One JSON file per referral in ``folder``, owner-only, written atomically."""

    folder: Path
    name: str = "file"

    def send(self, reference: str, document: dict[str, Any]) -> str:
        """Write ``<folder>/<reference>.json``: its path."""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ReferralFailed(f"cannot make the referral folder {self.folder}: {exc}") from exc
        target = self.folder / f"{reference}.json"
        # mkstemp makes the file 0600 from the start: the victim's details are never readable by
        # others, not even for a moment.
        try:
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=self.folder)
        except OSError as exc:
            raise ReferralFailed(
                f"cannot write to the referral folder {self.folder}: {exc}"
            ) from exc
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_json(document))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise ReferralFailed(f"cannot write {target}: {exc}") from exc
        return str(target)


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The webhook's ``X-Constable-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


@dataclass(frozen=True)
class WebhookChannel:
    """An HTTP POST of the document, signed with HMAC-SHA256."""

    url: str
    secret: bytes
    timeout: float = 30.0
    name: str = "webhook"

    def send(self, reference: str, document: dict[str, Any]) -> str:
        """POST the document: the URL it went to."""
        body = _json(document)
        timestamp = str(int(utcnow().timestamp()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Constable-Referral": reference,
                "X-Constable-Timestamp": timestamp,
                "X-Constable-Signature": signature(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise ReferralFailed(
                f"the support service answered {exc.code} {exc.reason}: the referral was not taken"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ReferralFailed(f"cannot reach the support service at {self.url}: {exc}") from exc
        if not 200 <= status < 300:
            raise ReferralFailed(
                f"the support service answered {status}: the referral was not taken"
            )
        return self.url


def channel_from(settings: Settings) -> Channel:
    """The channel the settings name, checked."""
    if settings.victim_referral_channel == "webhook":
        if not settings.victim_referral_url or not settings.victim_referral_url.startswith(
            ("https://", "http://")
        ):
            raise ReferralError(
                "CONSTABLE_VICTIM_REFERRAL_URL: give the support service's webhook address "
                "(https://...) for the webhook channel"
            )
        if settings.victim_referral_secret is None:
            raise ReferralError(
                "CONSTABLE_VICTIM_REFERRAL_SECRET: set the key shared with the support service "
                "to sign webhook referrals"
            )
        return WebhookChannel(
            settings.victim_referral_url,
            settings.victim_referral_secret.get_secret_value().encode("utf-8"),
        )
    return FileChannel(settings.victim_referral_folder)


def document(
    *,
    session: Session,
    force: Force,
    crime: Crime,
    care: VictimCare,
    reference: str,
    service: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The referral document (docs/victims.md): the victim, their needs and consent, the crime
    in outline (what a support service needs, and no more: no description, no suspect)."""
    found = offences().get(crime.offence_code or "")
    district = session.get(District, crime.district_id) if crime.district_id else None
    return {
        "schema": SCHEMA,
        "reference": reference,
        "sent_at": now.isoformat(),
        "service": service,
        "force": {"code": force.code, "name": force.name},
        "crime": {
            "reference": crime.reference,
            "offence_code": crime.offence_code,
            "offence": found.description if found else None,
            "offence_group": found.group if found else None,
            "occurred_at": crime.occurred_at.isoformat() if crime.occurred_at else None,
            "recorded_at": crime.recorded_at.isoformat() if crime.recorded_at else None,
            "district": district.name if district else None,
        },
        "victim": {
            "name": crime.victim_name,
            "date_of_birth": (
                crime.victim_date_of_birth.isoformat() if crime.victim_date_of_birth else None
            ),
            "address": crime.victim_address,
            "postcode": crime.victim_postcode,
            "preferred_contact": care.preferred_contact,
            "contact_detail": care.contact_detail,
        },
        "needs": {
            "needs": list(care.needs),
            "enhanced_rights": bool(care.enhanced_reasons),
            "enhanced_reasons": list(care.enhanced_reasons),
            "note": care.needs_note,
        },
        "consent": {
            "given": care.consent_to_referral,
            "recorded_at": care.assessed_at.isoformat(),
            "recorded_by": care.assessed_by,
        },
        "officer": care.officer,
    }


def refer(
    *,
    session: Session,
    settings: Settings,
    force: Force,
    crime: Crime,
    actor: str,
    channel: Channel | None = None,
    now: dt.datetime | None = None,
) -> VictimReferral:
    """Refer the crime's victim to the support service; refused without their consent."""
    now = now or utcnow()
    care = care_of(session, crime)
    if care is None:
        raise VictimCareNotFound(
            f"{crime.reference} has no needs assessment: record the victim's needs and whether "
            "they consent to a referral first; nothing was sent"
        )
    if not care.consent_to_referral:
        raise NoConsent(
            f"the victim of {crime.reference} has not consented to be referred to "
            f"{settings.victim_referral_service}: nothing was sent (record their consent in the "
            "needs assessment if they give it)"
        )
    if care.closed_at is not None:
        raise ReferralError(f"the victim care of {crime.reference} is closed: nothing was sent")
    earlier = session.scalar(
        select(VictimReferral)
        .where(VictimReferral.care_id == care.id)
        .order_by(VictimReferral.sent_at.desc())
        .limit(1)
    )
    if earlier is not None:
        raise ReferralError(
            f"the victim of {crime.reference} was referred on {earlier.sent_at:%d %b %Y} "
            f"({earlier.reference}): nothing was sent again"
        )
    channel = channel or channel_from(settings)
    reference = f"{force.code.upper()}-VR-{uuid.uuid4().hex[:12].upper()}"
    service = settings.victim_referral_service
    body = document(
        session=session,
        force=force,
        crime=crime,
        care=care,
        reference=reference,
        service=service,
        now=now,
    )
    destination = channel.send(reference, body)
    referral = VictimReferral(
        reference=reference,
        care_id=care.id,
        service=service,
        channel=channel.name,
        destination=destination[:500],
        sent_at=now,
        sent_by=actor,
    )
    session.add(referral)
    audit(
        session,
        actor=actor,
        action="victim_care.referred",
        entity="crime",
        entity_id=crime.id,
        after={"reference": reference, "service": service, "channel": channel.name},
    )
    session.flush()
    return referral


def referrals_of(session: Session, care: VictimCare) -> list[VictimReferral]:
    """The referrals made for the victim, oldest first."""
    return list(
        session.scalars(
            select(VictimReferral)
            .where(VictimReferral.care_id == care.id)
            .order_by(VictimReferral.sent_at, VictimReferral.id)
        )
    )
