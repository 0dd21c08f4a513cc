"""Writing community alerts: what they say, who they are for, what they were started from.

An alert is for some neighbourhoods of one district, or all of it (replies go to that district's
inbox), on one topic, and may be started from an incident (its neighbourhood is the default), a
trend signal or a patrol result. It goes to every subscriber who chose one of its
neighbourhoods, or its district, and its topic: :func:`recipients_where` says so in SQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from constable.control.models import Incident
from constable.force.models import District, Force, Neighbourhood
from constable.public.alert_models import (
    AlertSubscriber,
    AlertSubscriberArea,
    AlertSubscriberTopic,
    CommunityAlert,
    CommunityAlertArea,
)
from constable.public.alerts import (
    DRAFT,
    AlertError,
    AlertNotFound,
    Areas,
    Origin,
    resolve_areas,
    topics_of,
)
from constable.store.audit import record as audit
from constable.store.base import utcnow


@dataclass(frozen=True)
class AlertDraft:
    """What a member of staff writes; see :func:`create`."""

    topic: str
    title: str
    body: str
    neighbourhoods: Sequence[str] = ()
    district: str | None = None
    whole_district: bool = False
    origin_kind: str | None = None
    origin_ref: str | None = None
    incident_id: int | None = None


def _incident(session: Session, force: Force, draft: AlertDraft) -> Incident | None:
    if draft.incident_id is None:
        return None
    incident = session.get(Incident, draft.incident_id)
    if incident is None or incident.force_id != force.id:
        raise AlertNotFound(f"incident_id: there is no incident {draft.incident_id}")
    return incident


def _origin(draft: AlertDraft, incident: Incident | None) -> tuple[str | None, str | None]:
    kind = draft.origin_kind or (Origin.INCIDENT.value if incident is not None else None)
    if kind is None:
        if draft.origin_ref:
            raise AlertError("origin_kind: say what origin_ref is (incident, trend_signal, ...)")
        return None, None
    try:
        origin = Origin(kind)
    except ValueError:
        names = ", ".join(o.value for o in Origin)
        raise AlertError(f"origin_kind {kind!r} is not one of {names}") from None
    if origin is Origin.INCIDENT:
        if incident is None:
            raise AlertError("incident_id: give the incident the alert was started from")
        return origin.value, incident.reference
    ref = (draft.origin_ref or "").strip()
    if not ref:
        what = "trend signal" if origin is Origin.TREND_SIGNAL else "patrol result"
        raise AlertError(f"origin_ref: name the {what} the alert was started from")
    return origin.value, ref[:200]


def _alert_areas(
    session: Session, force: Force, draft: AlertDraft, incident: Incident | None
) -> tuple[District, list[Neighbourhood]]:
    """The alert's district and neighbourhoods (none: the whole district)."""
    codes = [c for c in draft.neighbourhoods if c.strip()]
    if not codes and not draft.whole_district and incident and incident.neighbourhood_id:
        hood = session.get(Neighbourhood, incident.neighbourhood_id)
        codes = [hood.code] if hood else []
    hoods = resolve_areas(session, force, neighbourhoods=codes).neighbourhoods
    district = None
    if draft.district:
        district = resolve_areas(session, force, districts=[draft.district]).districts[0]
    if not hoods and not (draft.whole_district and district is not None):
        raise AlertError(
            "neighbourhoods: choose the neighbourhoods the alert is for (or its whole district): "
            "an alert with no neighbourhood would go to no one"
        )
    in_districts = {h.district_id for h in hoods}
    if len(in_districts) > 1:
        raise AlertError(
            "neighbourhoods: they are in more than one district; replies go to one district's "
            "inbox, so write one alert per district"
        )
    if district is None:
        district = session.get(District, next(iter(in_districts)))
        assert district is not None
    elif in_districts and in_districts != {district.id}:
        raise AlertError(f"neighbourhoods: not all of them are in {district.name}")
    return district, [] if draft.whole_district else hoods


def create(
    *,
    session: Session,
    force: Force,
    draft: AlertDraft,
    actor: str,
    now: dt.datetime | None = None,
) -> CommunityAlert:
    """Save a draft alert (not sent yet); :class:`AlertError` for anything wrong."""
    now = now or utcnow()
    topic = topics_of([draft.topic])
    title, body = draft.title.strip(), draft.body.strip()
    if not 3 <= len(title) <= 150:
        raise AlertError("title: write a subject line of 3 to 150 characters")
    if any(char in title for char in "\r\n\x0b\x0c\x85\u2028\u2029"):
        # It becomes the e-mail's Subject header, which a line break would split.
        raise AlertError("title: write the subject line on one line")
    if not 10 <= len(body) <= 5000:
        raise AlertError("body: write the alert in 10 to 5,000 characters")
    incident = _incident(session, force, draft)
    kind, ref = _origin(draft, incident)
    district, hoods = _alert_areas(session, force, draft, incident)
    alert = CommunityAlert(
        reference=f"pending-{uuid.uuid4().hex}",
        force_id=force.id,
        district_id=district.id,
        topic=topic[0].value,
        title=title,
        body=body,
        origin_kind=kind,
        origin_ref=ref,
        incident_id=incident.id if incident is not None else None,
        created_at=now,
        created_by=actor,
        state=DRAFT,
    )
    session.add(alert)
    session.flush()
    alert.reference = f"{force.code.upper()}-AL-{alert.id:06d}"
    if hoods:
        session.add_all(CommunityAlertArea(alert_id=alert.id, neighbourhood_id=h.id) for h in hoods)
    else:
        session.add(CommunityAlertArea(alert_id=alert.id, district_id=district.id))
    audit(
        session,
        actor=actor,
        action="alert.created",
        entity="community_alert",
        entity_id=alert.id,
        after={
            "reference": alert.reference,
            "topic": alert.topic,
            "district": district.slug,
            "neighbourhoods": [h.code for h in hoods],
            "origin": kind,
            "origin_ref": ref,
        },
    )
    session.flush()
    return alert


def get_or_raise(*, session: Session, force: Force, alert_id: int | str) -> CommunityAlert:
    """An alert of ``force`` by id or reference (``KENT-AL-000012``)."""
    if isinstance(alert_id, int) or str(alert_id).isdigit():
        alert = session.get(CommunityAlert, int(alert_id))
    else:
        alert = session.scalar(
            select(CommunityAlert).where(CommunityAlert.reference == str(alert_id).upper())
        )
    if alert is None or alert.force_id != force.id:
        raise AlertNotFound(f"there is no alert {alert_id} of {force.name}")
    return alert


def areas_of(session: Session, alert: CommunityAlert) -> Areas:
    """The neighbourhoods an alert is for, or its whole district."""
    rows = session.scalars(
        select(CommunityAlertArea).where(CommunityAlertArea.alert_id == alert.id)
    ).all()
    areas = Areas()
    for row in rows:
        if row.neighbourhood_id is not None:
            hood = session.get(Neighbourhood, row.neighbourhood_id)
            if hood is not None:
                areas.neighbourhoods.append(hood)
        elif row.district_id is not None:
            district = session.get(District, row.district_id)
            if district is not None:
                areas.districts.append(district)
    areas.neighbourhoods.sort(key=lambda h: h.code)
    return areas


def recipients_where(alert: CommunityAlert) -> Any:
    """A condition on ``alert_subscriber``: those who chose one of the alert's neighbourhoods
    or its district, and its topic."""
    hoods = select(CommunityAlertArea.neighbourhood_id).where(
        CommunityAlertArea.alert_id == alert.id, CommunityAlertArea.neighbourhood_id.is_not(None)
    )
    whole = exists().where(
        CommunityAlertArea.alert_id == alert.id, CommunityAlertArea.district_id.is_not(None)
    )
    in_district = select(Neighbourhood.id).where(Neighbourhood.district_id == alert.district_id)
    area = exists().where(
        AlertSubscriberArea.subscriber_id == AlertSubscriber.id,
        or_(
            AlertSubscriberArea.district_id == alert.district_id,
            AlertSubscriberArea.neighbourhood_id.in_(hoods),
            and_(whole, AlertSubscriberArea.neighbourhood_id.in_(in_district)),
        ),
    )
    topic = exists().where(
        AlertSubscriberTopic.subscriber_id == AlertSubscriber.id,
        AlertSubscriberTopic.topic == alert.topic,
    )
    return and_(area, topic)


def count_recipients(session: Session, alert: CommunityAlert) -> int:
    """How many subscribers the alert would go to now."""
    return int(
        session.scalar(
            select(func.count()).select_from(AlertSubscriber).where(recipients_where(alert))
        )
        or 0
    )


def list_alerts(
    *, session: Session, force: Force, district_id: int | None = None, limit: int = 200
) -> list[CommunityAlert]:
    """The force's alerts (or a district's), newest first."""
    query = select(CommunityAlert).where(CommunityAlert.force_id == force.id)
    if district_id is not None:
        query = query.where(CommunityAlert.district_id == district_id)
    return list(
        session.scalars(
            query.order_by(CommunityAlert.created_at.desc(), CommunityAlert.id.desc()).limit(limit)
        )
    )
