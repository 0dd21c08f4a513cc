"""Sending community alerts through the force's mail server, resumably.

Sending fixes the list of recipients when it starts (one ``alert_delivery`` row each), then works
through it in batches over one connection. A batch is marked ``sending`` before its messages go
and ``sent`` (or ``failed``) after, so a send that stops and is resumed never sends a message
twice: a batch cut short leaves only the message in flight ``uncertain``, and a batch whose
process died is marked ``uncertain`` when the send resumes. Only one process sends an alert at
a time (``community_alert.send_lock``, with a heartbeat per batch).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from constable.config import Settings
from constable.force import service as force_service
from constable.force.models import District
from constable.public import alert_tokens as tokens
from constable.public.alert_mail import (
    AlertText,
    MailError,
    MailServer,
    MessageRefused,
    MessageTemplate,
    Outbox,
    Sender,
)
from constable.public.alert_models import AlertDelivery, AlertSubscriber, CommunityAlert
from constable.public.alert_writing import (
    areas_of,
    count_recipients,
    get_or_raise,
    recipients_where,
)
from constable.public.alerts import (
    DRAFT,
    SENDING,
    SENT,
    TOPIC_LABELS,
    AlertConflict,
    AlertError,
    Topic,
)
from constable.store import Store
from constable.store.audit import record as audit
from constable.store.base import utcnow

STALE_LOCK = dt.timedelta(minutes=10)
"""A sender that has not recorded progress for this long is taken to have stopped."""


@dataclass(frozen=True)
class Progress:
    """Where an alert's sending stands: counts of deliveries by state."""

    reference: str
    state: str
    recipients: int
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0
    pending: int = 0

    @property
    def done(self) -> int:
        """Deliveries that will not be attempted again."""
        return self.sent + self.failed + self.skipped + self.uncertain

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "reference": self.reference,
            "state": self.state,
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "uncertain": self.uncertain,
            "pending": self.pending,
        }


def progress(session: Session, alert: CommunityAlert) -> Progress:
    """The alert's deliveries counted by state."""
    counts = dict(
        session.execute(
            select(AlertDelivery.state, func.count())
            .where(AlertDelivery.alert_id == alert.id)
            .group_by(AlertDelivery.state)
        ).all()
    )
    return Progress(
        reference=alert.reference,
        state=alert.state,
        recipients=alert.recipients or 0,
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        skipped=counts.get("skipped", 0),
        uncertain=counts.get("uncertain", 0),
        pending=counts.get("pending", 0) + counts.get("sending", 0),
    )


def check_sendable(
    *, session: Session, settings: Settings, alert: CommunityAlert, now: dt.datetime | None = None
) -> None:
    """Raise what would stop the alert being sent now (nothing is changed)."""
    MailServer.from_settings(settings)
    Sender.from_settings(settings)
    now = now or utcnow()
    if alert.state == SENT:
        assert alert.sent_at is not None
        raise AlertConflict(
            f"{alert.reference} was sent on {alert.sent_at:%d %b %Y at %H:%M} UTC: "
            "write a new alert to send again"
        )
    if alert.send_lock and alert.lock_at and now - alert.lock_at < STALE_LOCK:
        raise AlertConflict(f"{alert.reference} is being sent now (started by {alert.sent_by})")
    if alert.state == DRAFT and count_recipients(session, alert) == 0:
        raise AlertError(
            f"{alert.reference}: no subscriber has chosen its neighbourhoods and the topic "
            f"{TOPIC_LABELS[Topic(alert.topic)]}; nothing was sent"
        )


def _claim(store: Store, alert_id: int, actor: str, now: dt.datetime) -> str:
    """Take the alert's send lock, fixing its recipients on a first send: the lock's token."""
    lock = uuid.uuid4().hex
    with store.session() as session:
        taken = session.execute(
            update(CommunityAlert)
            .where(
                CommunityAlert.id == alert_id,
                CommunityAlert.state != SENT,
                or_(CommunityAlert.send_lock.is_(None), CommunityAlert.lock_at < now - STALE_LOCK),
            )
            .values(send_lock=lock, lock_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise AlertConflict("the alert is being sent by another process, or was sent")
        alert = session.get(CommunityAlert, alert_id)
        assert alert is not None
        if alert.state == DRAFT:
            session.execute(
                insert(AlertDelivery).from_select(
                    ["alert_id", "subscriber_id", "state"],
                    select(literal(alert.id), AlertSubscriber.id, literal("pending"))
                    .where(recipients_where(alert))
                    .order_by(AlertSubscriber.id),
                )
            )
            alert.recipients = int(
                session.scalar(
                    select(func.count())
                    .select_from(AlertDelivery)
                    .where(AlertDelivery.alert_id == alert.id)
                )
                or 0
            )
            alert.state, alert.send_started_at, alert.sent_by = SENDING, now, actor
            audit(
                session,
                actor=actor,
                action="alert.send_started",
                entity="community_alert",
                entity_id=alert.id,
                after={"recipients": alert.recipients},
            )
        else:
            # A send that stopped mid-batch: those messages may have gone. Never again.
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.alert_id == alert.id, AlertDelivery.state == "sending")
                .values(state="uncertain", error="the send stopped while this batch was going")
            )
    return lock


def _release(store: Store, alert_id: int, lock: str) -> None:
    with store.session() as session:
        session.execute(
            update(CommunityAlert)
            .where(CommunityAlert.id == alert_id, CommunityAlert.send_lock == lock)
            .values(send_lock=None, lock_at=None)
        )


def _next_batch(store: Store, alert_id: int, lock: str, size: int) -> list[tuple[int, int, str]]:
    """Claim the next pending deliveries: (delivery id, subscriber id, address) each."""
    with store.session() as session:
        rows = session.execute(
            select(AlertDelivery.id, AlertSubscriber.id, AlertSubscriber.email)
            .outerjoin(AlertSubscriber, AlertSubscriber.id == AlertDelivery.subscriber_id)
            .where(AlertDelivery.alert_id == alert_id, AlertDelivery.state == "pending")
            .order_by(AlertDelivery.id)
            .limit(size)
        ).all()
        gone = [r[0] for r in rows if r[1] is None]
        live = [(int(r[0]), int(r[1]), str(r[2])) for r in rows if r[1] is not None]
        if gone:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id.in_(gone))
                .values(state="skipped", error="unsubscribed before it was sent")
            )
        if live:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id.in_([r[0] for r in live]))
                .values(state="sending")
            )
        session.execute(
            update(CommunityAlert)
            .where(CommunityAlert.id == alert_id, CommunityAlert.send_lock == lock)
            .values(lock_at=utcnow())
        )
        if rows and not live:
            return _next_batch(store, alert_id, lock, size)
    return live


def _record(
    store: Store,
    sent: list[int],
    failed: list[tuple[int, str]],
    uncertain: list[int],
    unsent: list[int],
) -> None:
    """Write what happened to a batch's messages."""
    now = utcnow()
    with store.session() as session:
        if sent:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id.in_(sent))
                .values(state="sent", sent_at=now)
            )
        for delivery_id, error in failed:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == delivery_id)
                .values(state="failed", error=error[:300])
            )
        if uncertain:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id.in_(uncertain))
                .values(state="uncertain", error="the connection broke while it was being sent")
            )
        if unsent:
            session.execute(
                update(AlertDelivery).where(AlertDelivery.id.in_(unsent)).values(state="pending")
            )


def alert_text(session: Session, settings: Settings, alert: CommunityAlert) -> AlertText:
    """The parts of the alert's message that are the same for every subscriber."""
    district = session.get(District, alert.district_id)
    assert district is not None
    label = {
        Topic.APPEAL: "Appeal for information",
        Topic.PREVENTION: "Crime prevention advice",
        Topic.RESULT: "Local result",
    }[Topic(alert.topic)]
    return AlertText(
        reference=alert.reference,
        subject=f"{label}: {alert.title}",
        body=alert.body,
        topic_label=TOPIC_LABELS[Topic(alert.topic)],
        district_name=district.name,
        district_slug=district.slug,
        areas=areas_of(session, alert).describe(),
        contact_phone=getattr(settings, "public_contact_phone", "101"),
    )


def send(
    *,
    store: Store,
    settings: Settings,
    force_code: str,
    alert_id: int | str,
    actor: str,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Send an alert (or resume its sending) through the configured mail server.

    ``on_progress`` is called after each batch. A broken connection stops the send with a
    :class:`MailError` saying how far it got; calling again resumes it.
    """
    with store.session() as session:
        force = force_service.get_or_raise(session=session, code=force_code)
        alert = get_or_raise(session=session, force=force, alert_id=alert_id)
        check_sendable(session=session, settings=settings, alert=alert)
        text = alert_text(session, settings, alert)
        key = tokens.signing_key(session, settings)
        alert_pk = alert.id
    server, sender = MailServer.from_settings(settings), Sender.from_settings(settings)
    base = settings.public_base_url.rstrip("/")
    size = max(1, settings.alert_batch_size)
    template = MessageTemplate(text, sender)
    with Outbox(server) as outbox:
        lock = _claim(store, alert_pk, actor, utcnow())
        try:
            while True:
                batch = _next_batch(store, alert_pk, lock, size)
                if not batch:
                    break
                sent: list[int] = []
                failed: list[tuple[int, str]] = []
                done = 0
                try:
                    for delivery_id, subscriber_id, email in batch:
                        token = tokens.sign(
                            key,
                            tokens.UNSUBSCRIBE,
                            {"s": subscriber_id, "h": tokens.email_digest(email)},
                        )
                        message = template.render(
                            to=email,
                            unsubscribe_url=f"{base}/alerts/unsubscribe?token={token}",
                            delivery_id=delivery_id,
                        )
                        try:
                            outbox.send(sender.envelope_from, email, message)
                        except MessageRefused as exc:
                            failed.append((delivery_id, str(exc)))
                        else:
                            sent.append(delivery_id)
                        done += 1
                except BaseException:
                    # The message in flight may or may not have gone; the rest did not.
                    in_flight = [batch[done][0]] if done < len(batch) else []
                    _record(store, sent, failed, in_flight, [r[0] for r in batch[done + 1 :]])
                    raise
                _record(store, sent, failed, [], [])
                if on_progress is not None:
                    with store.session() as session:
                        found = session.get(CommunityAlert, alert_pk)
                        assert found is not None
                        on_progress(progress(session, found))
        except MailError as exc:
            _release(store, alert_pk, lock)
            with store.session() as session:
                found = session.get(CommunityAlert, alert_pk)
                assert found is not None
                sofar = progress(session, found)
            raise MailError(
                f"{exc}; {sofar.sent:,} of {sofar.recipients:,} messages were sent: send "
                f"{sofar.reference} again to resume (nothing is sent twice)"
            ) from exc
        except BaseException:
            _release(store, alert_pk, lock)
            raise
    with store.session() as session:
        found = session.get(CommunityAlert, alert_pk)
        assert found is not None
        found.state, found.sent_at = SENT, utcnow()
        found.send_lock, found.lock_at = None, None
        final = progress(session, found)
        audit(
            session,
            actor=actor,
            action="alert.sent",
            entity="community_alert",
            entity_id=found.id,
            after=final.as_dict(),
        )
    return final
