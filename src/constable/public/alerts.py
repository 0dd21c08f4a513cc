"""Community alerts: topics, sign-up with double opt-in, confirmation and unsubscribe.

- **Sign-up** checks the address and the choices (neighbourhoods by LSOA code or postcode, whole
  districts, topics) and makes a confirmation message whose link carries the choices, signed and
  expiring. Nothing is stored until the link is followed: then the address becomes a
  subscriber with those choices (an address already subscribed gets the new choices).
- **Unsubscribe** deletes the subscriber and their choices; what was sent to them stays counted.

Writing alerts is :mod:`constable.public.alert_writing`, sending them
:mod:`constable.public.alert_sending`, replies :mod:`constable.public.alert_replies`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from constable.config import Settings
from constable.control import service as control_service
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Neighbourhood
from constable.public import alert_tokens as tokens
from constable.public.alert_mail import (
    MAIL_POLICY,
    MailServer,
    MessageRefused,
    Outbox,
    Sender,
    wire,
)
from constable.public.alert_models import (
    AlertSubscriber,
    AlertSubscriberArea,
    AlertSubscriberTopic,
)
from constable.store.base import utcnow


class Topic(StrEnum):
    """What an alert is about; subscribers choose the topics they want."""

    APPEAL = "appeal"
    PREVENTION = "prevention"
    RESULT = "result"


TOPIC_LABELS = {
    Topic.APPEAL: "appeals for information",
    Topic.PREVENTION: "crime prevention advice",
    Topic.RESULT: "local results",
}


class Origin(StrEnum):
    """What an alert was started from."""

    INCIDENT = "incident"
    TREND_SIGNAL = "trend_signal"
    PATROL_RESULT = "patrol_result"


DRAFT, SENDING, SENT = "draft", "sending", "sent"
MAX_AREAS = 20
"""Neighbourhoods and districts one subscriber may choose (the link carries them all)."""


class AlertError(ConstableError):
    """An alert, sign-up or reply that cannot be accepted as given."""


class AlertNotFound(AlertError):
    """No such alert."""

    status = 404


class AlertConflict(AlertError):
    """The alert is in a state that does not allow it (sent already, being sent)."""

    status = 409


_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def normalise_email(text: str) -> str:
    """The address in lower case, or :class:`AlertError` saying what is wrong with it."""
    address = text.strip().lower()
    example = "enter an email address in the correct format, like name@example.com"
    if not address:
        raise AlertError("email: enter your email address")
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(address) > 254
        or len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not labels[-1].isalpha()
    ):
        raise AlertError(f"email: {example}")
    return address


def topics_of(values: Sequence[str]) -> list[Topic]:
    """Topics from their names, in order, without repeats; :class:`AlertError` for others."""
    chosen: list[Topic] = []
    for value in values:
        try:
            topic = Topic(value.strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in Topic)
            raise AlertError(f"topic {value!r} is not one of {names}") from None
        if topic not in chosen:
            chosen.append(topic)
    return chosen


@dataclass
class Areas:
    """Neighbourhoods and whole districts, as chosen."""

    neighbourhoods: list[Neighbourhood] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.neighbourhoods or self.districts)

    def describe(self) -> str:
        """``Maidstone 001A and the whole of Swale``."""
        names = [n.name for n in self.neighbourhoods] + [
            f"the whole of {d.name}" for d in self.districts
        ]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def neighbourhood_of(session: Session, force: Force, code: str) -> Neighbourhood:
    """A neighbourhood of ``force`` by LSOA code, or :class:`AlertError`."""
    wanted = code.strip().upper()
    found = session.scalar(
        select(Neighbourhood)
        .join(District, District.id == Neighbourhood.district_id)
        .where(Neighbourhood.code == wanted, District.force_id == force.id)
    )
    if found is None:
        raise AlertError(
            f"neighbourhood {code.strip()!r} is not one of {force.name}'s "
            "(give an LSOA code such as E01024445, or a postcode)"
        )
    return found


def resolve_areas(
    session: Session,
    force: Force,
    *,
    neighbourhoods: Sequence[str] = (),
    districts: Sequence[str] = (),
    postcode: str | None = None,
) -> Areas:
    """Neighbourhoods (LSOA codes, and the one a postcode is in) and districts, checked."""
    areas = Areas()
    codes = [c for c in neighbourhoods if c.strip()]
    for code in codes:
        hood = neighbourhood_of(session, force, code)
        if hood not in areas.neighbourhoods:
            areas.neighbourhoods.append(hood)
    if postcode and postcode.strip():
        try:
            located = control_service.locator(session, force).resolve(postcode=postcode)
        except ConstableError as exc:
            raise AlertError(f"postcode: {exc}") from exc
        hood = neighbourhood_of(session, force, located.neighbourhood_code)
        if hood not in areas.neighbourhoods:
            areas.neighbourhoods.append(hood)
    for slug in (d for d in districts if d.strip()):
        try:
            district = force_service.get_district_or_raise(
                session=session, force=force, district=slug.strip()
            )
        except force_service.NotFoundError as exc:
            raise AlertError(str(exc)) from exc
        if district not in areas.districts:
            areas.districts.append(district)
    return areas


@dataclass(frozen=True)
class SignUp:
    """A sign-up waiting for its address to be confirmed (nothing of it is stored)."""

    email: str
    areas: str
    topics: list[Topic]
    token: str
    confirm_url: str
    expires_at: dt.datetime


def sign_up(
    *,
    session: Session,
    settings: Settings,
    force: Force,
    email: str,
    neighbourhoods: Sequence[str] = (),
    districts: Sequence[str] = (),
    postcode: str | None = None,
    topics: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> SignUp:
    """Check a sign-up and make its confirmation link. Errors name the field to put right."""
    now = now or utcnow()
    address = normalise_email(email)
    areas = resolve_areas(
        session, force, neighbourhoods=neighbourhoods, districts=districts, postcode=postcode
    )
    if not areas:
        raise AlertError("areas: choose at least one neighbourhood (or postcode) or district")
    if len(areas.neighbourhoods) + len(areas.districts) > MAX_AREAS:
        raise AlertError(f"areas: choose at most {MAX_AREAS} neighbourhoods and districts")
    chosen = topics_of(topics)
    if not chosen:
        raise AlertError("topics: choose at least one kind of alert")
    expires = now + dt.timedelta(hours=settings.alert_link_hours)
    token = tokens.sign(
        tokens.signing_key(session, settings),
        tokens.CONFIRM,
        {
            "e": address,
            "f": force.code,
            "n": [n.code for n in areas.neighbourhoods],
            "d": [d.slug for d in areas.districts],
            "t": [t.value for t in chosen],
            "exp": int(expires.timestamp()),
        },
    )
    return SignUp(
        email=address,
        areas=areas.describe(),
        topics=chosen,
        token=token,
        confirm_url=f"{settings.public_base_url.rstrip('/')}/alerts/confirm?token={token}",
        expires_at=expires,
    )


def confirmation_message(signup: SignUp, *, sender: Sender, force: Force) -> EmailMessage:
    """The message that asks the address's owner to confirm (the double opt-in)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender.from_header
    message["To"] = signup.email
    message["Subject"] = f"Confirm your {force.name} community alerts"
    message["Auto-Submitted"] = "auto-generated"
    wanted = ", ".join(TOPIC_LABELS[t] for t in signup.topics)
    message.set_content(
        f"Someone (we hope you) asked for {force.name} community alerts at this address: "
        f"{wanted} for {signup.areas}.\n\n"
        f"To start them, open this link within {_hours(signup)} and press Confirm:\n"
        f"{signup.confirm_url}\n\n"
        "If it was not you, do nothing: without confirmation nothing is kept and you will get "
        "no more messages.\n"
    )
    return message


def _hours(signup: SignUp) -> str:
    hours = round((signup.expires_at - utcnow()).total_seconds() / 3600)
    return f"{hours} hours" if hours != 1 else "1 hour"


def send_confirmation(
    *, session: Session, settings: Settings, force: Force, signup: SignUp
) -> None:
    """Send the confirmation message through the force's mail server."""
    sender = Sender.from_settings(settings)
    message = confirmation_message(signup, sender=sender, force=force)
    with Outbox(MailServer.from_settings(settings)) as outbox:
        try:
            outbox.send(sender.envelope_from, signup.email, wire(message))
        except MessageRefused as exc:
            raise AlertError(f"email: the mail server refused {signup.email}: {exc}") from exc


@dataclass(frozen=True)
class Subscription:
    """A confirmed subscriber's choices, as shown back to them."""

    subscriber_id: int
    areas: str
    topics: list[Topic]


def confirm(
    *,
    session: Session,
    settings: Settings,
    force: Force,
    token: str,
    now: dt.datetime | None = None,
) -> Subscription:
    """Follow a confirmation link: the address becomes a subscriber with the link's choices."""
    now = now or utcnow()
    payload = tokens.verify(tokens.signing_key(session, settings), tokens.CONFIRM, token, now=now)
    if payload.get("f") != force.code:
        raise tokens.TokenError(f"this link is not for {force.name}'s alerts")
    # The areas are looked up again: a neighbourhood may have gone since the link was made.
    areas = resolve_areas(
        session, force, neighbourhoods=payload.get("n", []), districts=payload.get("d", [])
    )
    chosen = topics_of(payload.get("t", []))
    address = normalise_email(str(payload.get("e", "")))
    if not areas or not chosen:
        raise tokens.TokenError("this link is not valid: sign up again")
    subscriber = session.scalar(select(AlertSubscriber).where(AlertSubscriber.email == address))
    if subscriber is None:
        subscriber = AlertSubscriber(email=address, confirmed_at=now)
        session.add(subscriber)
        session.flush()
    else:
        subscriber.confirmed_at = now
        session.execute(
            delete(AlertSubscriberArea).where(AlertSubscriberArea.subscriber_id == subscriber.id)
        )
        session.execute(
            delete(AlertSubscriberTopic).where(AlertSubscriberTopic.subscriber_id == subscriber.id)
        )
    session.add_all(
        [AlertSubscriberArea(subscriber_id=subscriber.id, neighbourhood_id=n.id)
         for n in areas.neighbourhoods]
        + [AlertSubscriberArea(subscriber_id=subscriber.id, district_id=d.id)
           for d in areas.districts]
        + [AlertSubscriberTopic(subscriber_id=subscriber.id, topic=t.value) for t in chosen]
    )  # fmt: skip
    session.flush()
    return Subscription(subscriber.id, areas.describe(), chosen)


def unsubscribe_token(key: bytes, subscriber: AlertSubscriber) -> str:
    """The subscriber's one-click unsubscribe token (it does not expire)."""
    return tokens.sign(
        key, tokens.UNSUBSCRIBE, {"s": subscriber.id, "h": tokens.email_digest(subscriber.email)}
    )


def unsubscribe_url(settings: Settings, token: str) -> str:
    """The public address that unsubscribes with ``token``."""
    return f"{settings.public_base_url.rstrip('/')}/alerts/unsubscribe?token={token}"


def unsubscribe(*, session: Session, settings: Settings, token: str) -> bool:
    """Delete the subscriber the link names, with their choices. False if already gone."""
    payload = tokens.verify(tokens.signing_key(session, settings), tokens.UNSUBSCRIBE, token)
    subscriber = session.get(AlertSubscriber, payload.get("s"))
    if subscriber is None or tokens.email_digest(subscriber.email) != payload.get("h"):
        return False
    session.delete(subscriber)
    session.flush()
    return True


def subscriber_count(session: Session) -> int:
    """How many confirmed subscribers there are."""
    return int(session.scalar(select(func.count()).select_from(AlertSubscriber)) or 0)
