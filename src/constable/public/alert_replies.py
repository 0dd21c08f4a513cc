"""Replies to community alerts, filed as intelligence submissions in the district's inbox.

A reply is a raw RFC 5322 message (read from a maildir, a file, or posted to the API). Its alert
is found from the reference in ``In-Reply-To``/``References`` (every alert's Message-ID starts
with it), else from the ``X-Constable-Alert`` header, a ``+KENT-AL-000012`` tag in the address
it was sent to, or the subject. Automatic replies and bounces are refused: they are not
information. The same message filed twice is refused too (its Message-ID is kept).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.force.models import District, Force
from constable.public.alert_models import CommunityAlert, IntelligenceSubmission
from constable.public.alerts import AlertConflict, AlertError, AlertNotFound
from constable.store.audit import record as audit
from constable.store.base import utcnow

MAX_BODY = 20_000
"""Characters of a reply's text that are kept (the rest is cut, and the cut is said)."""
SOURCE = "alert reply"


def _reference_pattern(force: Force) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(force.code.upper())}-AL-\d{{6,}}\b", re.IGNORECASE)


def parse(raw: bytes) -> EmailMessage:
    """The message in ``raw``, or :class:`AlertError` when it is not an email at all."""
    if not raw.strip():
        raise AlertError("the reply is empty")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if not message.keys() or message.get("From") is None:
        raise AlertError("the reply is not an email message (it has no From header)")
    return message


def automatic(message: EmailMessage) -> str | None:
    """Why the message is an automatic reply or a bounce, or None when a person wrote it."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if submitted and submitted != "no":
        return f"it is an automatic message (Auto-Submitted: {submitted})"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "it is an automatic reply"
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "junk", "auto_reply"}:
        return "it is bulk or automatic mail (Precedence)"
    if message.get_content_type() == "multipart/report":
        return "it is a delivery report (a bounce)"
    return None


def find_alert(session: Session, force: Force, message: EmailMessage) -> CommunityAlert:
    """The alert the message replies to, or :class:`AlertNotFound`."""
    pattern = _reference_pattern(force)
    for header in ("In-Reply-To", "References", "X-Constable-Alert", "To", "Delivered-To",
                   "X-Original-To", "Subject"):  # fmt: skip
        for value in message.get_all(header) or []:
            for found in pattern.findall(str(value)):
                alert = session.scalar(
                    select(CommunityAlert).where(
                        CommunityAlert.reference == found.upper(),
                        CommunityAlert.force_id == force.id,
                    )
                )
                if alert is not None:
                    return alert
    raise AlertNotFound(
        "the reply names no alert of this force (no reference such as "
        f"{force.code.upper()}-AL-000001 in In-Reply-To, References, To or Subject)"
    )


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip()


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            {
                "filename": part.get_filename() or "(no name)",
                "content_type": part.get_content_type(),
                "bytes": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return found


def _received(message: EmailMessage, now: dt.datetime) -> dt.datetime:
    try:
        when = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return now
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    # A sender's clock is not trusted to put a reply in the future.
    return min(when.astimezone(dt.UTC), now)


@dataclass(frozen=True)
class Filed:
    """A reply filed in a district's inbox."""

    submission: IntelligenceSubmission
    alert: CommunityAlert
    district: District


def ingest(
    *,
    session: Session,
    force: Force,
    raw: bytes,
    actor: str,
    now: dt.datetime | None = None,
) -> Filed:
    """File one raw reply against its alert's district; :class:`AlertError` when it cannot be."""
    now = now or utcnow()
    message = parse(raw)
    reason = automatic(message)
    if reason is not None:
        raise AlertError(f"the reply was not filed: {reason}")
    alert = find_alert(session, force, message)
    message_id = str(message.get("Message-ID", "")).strip()[:300] or None
    if message_id is not None:
        filed = session.scalar(
            select(IntelligenceSubmission.reference).where(
                IntelligenceSubmission.message_id == message_id
            )
        )
        if filed is not None:
            raise AlertConflict(f"this reply was filed already, as {filed}")
    body = _text(message)
    if not body and not message.get("Subject"):
        raise AlertError("the reply has no text")
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + f"\n[... cut: the reply had {len(body):,} characters]"
    district = session.get(District, alert.district_id)
    assert district is not None
    _, sender = parseaddr(str(message.get("From", "")))
    submission = IntelligenceSubmission(
        reference=f"pending-{uuid.uuid4().hex}",
        district_id=district.id,
        alert_id=alert.id,
        source=SOURCE,
        message_id=message_id,
        sender=sender[:254] or None,
        subject=str(message.get("Subject", ""))[:300] or None,
        body=body,
        attachments=_attachments(message) or None,
        received_at=_received(message, now),
        filed_at=now,
        filed_by=actor,
    )
    session.add(submission)
    session.flush()
    submission.reference = f"{force.code.upper()}-INT-{submission.id:07d}"
    audit(
        session,
        actor=actor,
        action="intelligence.filed",
        entity="intelligence_submission",
        entity_id=submission.id,
        after={"reference": submission.reference, "alert": alert.reference,
               "district": district.slug},
    )  # fmt: skip
    session.flush()
    return Filed(submission, alert, district)


def inbox(
    *, session: Session, force: Force, district_id: int | None, open_only: bool = True
) -> list[IntelligenceSubmission]:
    """A district's submissions (or the force's), newest first; open: not yet reviewed."""
    query = (
        select(IntelligenceSubmission)
        .join(District, District.id == IntelligenceSubmission.district_id)
        .where(District.force_id == force.id)
    )
    if district_id is not None:
        query = query.where(IntelligenceSubmission.district_id == district_id)
    if open_only:
        query = query.where(IntelligenceSubmission.reviewed_at.is_(None))
    return list(
        session.scalars(
            query.order_by(
                IntelligenceSubmission.received_at.desc(), IntelligenceSubmission.id.desc()
            )
        )
    )


def review(
    *,
    session: Session,
    submission: IntelligenceSubmission,
    actor: str,
    note: str,
    now: dt.datetime | None = None,
) -> IntelligenceSubmission:
    """Mark a submission reviewed, saying what was done with it."""
    if submission.reviewed_at is not None:
        raise AlertConflict(f"{submission.reference} was reviewed already")
    if not note.strip():
        raise AlertError("note: say what was done with the information")
    submission.reviewed_at = now or utcnow()
    submission.reviewed_by = actor
    submission.review_note = note.strip()
    audit(
        session,
        actor=actor,
        action="intelligence.reviewed",
        entity="intelligence_submission",
        entity_id=submission.id,
        after={"note": submission.review_note},
    )
    session.flush()
    return submission
