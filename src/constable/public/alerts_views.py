"""Community alerts' JSON API (included under ``/api``); every route needs a signed-in user.

``GET /alerts``, ``POST /alerts``, ``GET /alerts/{id}``, ``POST /alerts/{id}/send`` (202: sent in
the background; poll ``GET /alerts/{id}``), ``POST /alerts/replies`` (a raw RFC 5322 reply,
``Content-Type: message/rfc822``), ``GET /intelligence``, ``POST /intelligence/{id}/review``.
Writing and sending alerts, filing replies and reviewing intelligence are for community safety
staff and district commanders (of the alert's district) and administrators.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from constable.api.deps import SessionDep, SettingsDep
from constable.api.errors import force_or_503, http_error
from constable.auth.deps import require, require_for_district
from constable.auth.needtoknow import Personal, may_see
from constable.auth.roles import Action
from constable.auth.service import Principal
from constable.config import Settings
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force
from constable.public import alert_replies, alert_sending, alert_writing
from constable.public.alert_models import CommunityAlert, IntelligenceSubmission
from constable.public.alerts import DRAFT, TOPIC_LABELS, Origin, Topic
from constable.store import Store

router = APIRouter()

Reader = Annotated[Principal, Depends(require(Action.READ))]
Writer = Annotated[Principal, Depends(require(Action.RECORD_COMMUNITY))]


class AlertCreate(BaseModel):
    """A new alert: its topic, words, where it is for, and what it was started from."""

    model_config = ConfigDict(extra="forbid")

    topic: Topic = Field(description="appeal, prevention or result")
    title: str = Field(min_length=3, max_length=150, description="the subject line")
    body: str = Field(min_length=10, max_length=5000)
    neighbourhoods: list[str] = Field(
        default_factory=list, description="LSOA codes, all in one district, e.g. E01024445"
    )
    district: str | None = Field(default=None, description="the district (slug, name or code)")
    whole_district: bool = Field(default=False, description="for every neighbourhood of it")
    origin_kind: Origin | None = Field(default=None, description="what it was started from")
    origin_ref: str | None = Field(
        default=None, max_length=200, description="the trend signal or patrol result"
    )
    incident_id: int | None = Field(default=None, description="the incident it was started from")


class AlertRead(BaseModel):
    """An alert with how far its sending has gone."""

    id: int
    reference: str
    district: str
    topic: str
    topic_label: str
    title: str
    body: str
    neighbourhoods: list[str]
    whole_district: bool
    origin_kind: str | None
    origin_ref: str | None
    incident_id: int | None
    created_at: dt.datetime
    created_by: str
    state: str
    recipients: int | None
    recipients_now: int | None
    sent: int
    failed: int
    skipped: int
    uncertain: int
    pending: int
    send_started_at: dt.datetime | None
    sent_at: dt.datetime | None


class SubmissionRead(BaseModel):
    """Information from the public in a district's inbox."""

    id: int
    reference: str
    district: str
    alert: str | None
    source: str
    sender: str | None
    subject: str | None
    body: str | None
    attachments: list[dict[str, Any]]
    received_at: dt.datetime
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    review_note: str | None


class Review(BaseModel):
    """What was done with a submission."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


def alert_read(session: Session, alert: CommunityAlert) -> AlertRead:
    """An alert as the API shows it."""
    district = session.get(District, alert.district_id)
    assert district is not None
    areas = alert_writing.areas_of(session, alert)
    done = alert_sending.progress(session, alert)
    return AlertRead(
        id=alert.id,
        reference=alert.reference,
        district=district.slug,
        topic=alert.topic,
        topic_label=TOPIC_LABELS[Topic(alert.topic)],
        title=alert.title,
        body=alert.body,
        neighbourhoods=[n.code for n in areas.neighbourhoods],
        whole_district=bool(areas.districts),
        origin_kind=alert.origin_kind,
        origin_ref=alert.origin_ref,
        incident_id=alert.incident_id,
        created_at=alert.created_at,
        created_by=alert.created_by,
        state=alert.state,
        recipients=alert.recipients,
        recipients_now=(
            alert_writing.count_recipients(session, alert) if alert.state == DRAFT else None
        ),
        sent=done.sent,
        failed=done.failed,
        skipped=done.skipped,
        uncertain=done.uncertain,
        pending=done.pending,
        send_started_at=alert.send_started_at,
        sent_at=alert.sent_at,
    )


def submission_read(
    session: Session, item: IntelligenceSubmission, principal: Principal
) -> SubmissionRead:
    """A submission as the API shows it to ``principal``: who sent it and what they wrote only to
    those who need to know (constable.auth.needtoknow)."""
    district = session.get(District, item.district_id)
    alert = session.get(CommunityAlert, item.alert_id) if item.alert_id else None
    assert district is not None
    shown = may_see(principal, Personal.INFORMANT, district_id=district.id)
    return SubmissionRead(
        id=item.id,
        reference=item.reference,
        district=district.slug,
        alert=alert.reference if alert else None,
        source=item.source,
        sender=item.sender if shown else None,
        subject=item.subject if shown else None,
        body=item.body if shown else None,
        attachments=(item.attachments or []) if shown else [],
        received_at=item.received_at,
        reviewed_at=item.reviewed_at,
        reviewed_by=item.reviewed_by,
        review_note=item.review_note,
    )


def district_of(session: Session, force: Force, slug: str | None) -> District | None:
    """The district a filter names, or 404."""
    if not slug:
        return None
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=slug)
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def check_district(session: Session, principal: Principal, district_id: int) -> None:
    """403 unless ``principal`` may write alerts for the district."""
    district = session.get(District, district_id)
    require_for_district(
        principal, Action.RECORD_COMMUNITY, district_id, district.name if district else "?"
    )


def draft_of(data: AlertCreate) -> alert_writing.AlertDraft:
    """The service's draft from the API's shape."""
    return alert_writing.AlertDraft(
        topic=data.topic.value,
        title=data.title,
        body=data.body,
        neighbourhoods=data.neighbourhoods,
        district=data.district,
        whole_district=data.whole_district,
        origin_kind=data.origin_kind.value if data.origin_kind else None,
        origin_ref=data.origin_ref,
        incident_id=data.incident_id,
    )


def send_in_background(store: Store, settings: Settings, alert_id: int, actor: str) -> None:
    """Send an alert after the answer has gone (errors stay on the alert: it can be resumed)."""
    # On an error the alert keeps its pending deliveries; sending it again resumes it.
    with contextlib.suppress(ConstableError):
        alert_sending.send(
            store=store, settings=settings, force_code=settings.force, alert_id=alert_id,
            actor=actor,
        )  # fmt: skip


def start_sending(
    request: Request,
    session: Session,
    settings: Settings,
    alert: CommunityAlert,
    principal: Principal,
    tasks: BackgroundTasks,
) -> None:
    """Check the alert can go now, then send it in the background."""
    check_district(session, principal, alert.district_id)
    alert_sending.check_sendable(session=session, settings=settings, alert=alert)
    tasks.add_task(
        send_in_background, request.app.state.store, settings, alert.id, principal.username
    )


@router.get("/alerts", summary="Community alerts")
def list_alerts(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertRead]:
    """Newest first, for the force or one district."""
    force = force_or_503(session, settings.force)
    found = district_of(session, force, district)
    rows = alert_writing.list_alerts(
        session=session, force=force, district_id=found.id if found else None, limit=limit
    )
    return [alert_read(session, a) for a in rows]


@router.post("/alerts", summary="Write a community alert", status_code=201)
def create_alert(
    data: AlertCreate, session: SessionDep, settings: SettingsDep, principal: Writer
) -> AlertRead:
    """A draft alert for some neighbourhoods of one district (or all of it); send it with
    ``POST /api/alerts/{id}/send``. ``recipients_now`` says how many it would reach."""
    force = force_or_503(session, settings.force)
    try:
        alert = alert_writing.create(
            session=session, force=force, draft=draft_of(data), actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    check_district(session, principal, alert.district_id)
    return alert_read(session, alert)


@router.get("/alerts/{alert_id}", summary="One community alert")
def read_alert(
    alert_id: str, session: SessionDep, settings: SettingsDep, principal: Reader
) -> AlertRead:
    """The alert by id or reference, with its deliveries counted by state."""
    force = force_or_503(session, settings.force)
    try:
        alert = alert_writing.get_or_raise(session=session, force=force, alert_id=alert_id)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return alert_read(session, alert)


@router.post("/alerts/{alert_id}/send", summary="Send a community alert", status_code=202)
def send_alert(
    alert_id: str,
    request: Request,
    tasks: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    principal: Writer,
) -> AlertRead:
    """Start sending (or resume) through the force's mail server; the answer comes at once and
    ``GET /api/alerts/{id}`` shows the progress. 409 if it was sent; 503 with no mail server."""
    force = force_or_503(session, settings.force)
    try:
        alert = alert_writing.get_or_raise(session=session, force=force, alert_id=alert_id)
        start_sending(request, session, settings, alert, principal, tasks)
    except ConstableError as exc:
        raise http_error(exc) from exc
    return alert_read(session, alert)


@router.post("/alerts/replies", summary="File a reply to an alert", status_code=201)
async def file_reply(
    request: Request, session: SessionDep, settings: SettingsDep, principal: Writer
) -> SubmissionRead:
    """The request's body is the reply as received (RFC 5322); it is filed in the inbox of the
    alert's district. 422 for automatic replies and bounces; 409 if filed already."""
    force = force_or_503(session, settings.force)
    raw = await request.body()
    try:
        filed = alert_replies.ingest(
            session=session, force=force, raw=raw, actor=principal.username
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    check_district(session, principal, filed.district.id)
    return submission_read(session, filed.submission, principal)


@router.get("/intelligence", summary="A district's intelligence inbox")
def intelligence(
    session: SessionDep,
    settings: SettingsDep,
    principal: Reader,
    district: str | None = None,
    state: Annotated[Literal["open", "all"], Query()] = "open",
) -> list[SubmissionRead]:
    """Information from the public (replies to alerts), newest first; ``open``: not reviewed."""
    force = force_or_503(session, settings.force)
    found = district_of(session, force, district)
    rows = alert_replies.inbox(
        session=session,
        force=force,
        district_id=found.id if found else None,
        open_only=state == "open",
    )
    return [submission_read(session, s, principal) for s in rows]


@router.post("/intelligence/{submission_id}/review", summary="Review a submission")
def review_submission(
    submission_id: int,
    data: Review,
    session: SessionDep,
    settings: SettingsDep,
    principal: Writer,
) -> SubmissionRead:
    """Say what was done with the information; it leaves the open inbox."""
    force = force_or_503(session, settings.force)
    item = session.get(IntelligenceSubmission, submission_id)
    district = session.get(District, item.district_id) if item else None
    if item is None or district is None or district.force_id != force.id:
        raise HTTPException(status_code=404, detail=f"There is no submission {submission_id}")
    check_district(session, principal, district.id)
    try:
        alert_replies.review(
            session=session, submission=item, actor=principal.username, note=data.note
        )
    except ConstableError as exc:
        raise http_error(exc) from exc
    return submission_read(session, item, principal)
