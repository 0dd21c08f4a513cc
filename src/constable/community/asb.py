"""Anti-social behaviour cases: the staged approach, linked reports, owners' alerts, orders.

- A case is about one person (its **subject**), belongs to a district's Community Policing Team
  or Community Safety Unit, and has an **owner** (a user) who is alerted to new reports.
- The **ladder** of stages is configuration (``community/data/asb-ladders.yaml``; the force
  configuration's ``community.asb_ladder`` chooses one). A case goes up it in order; going up more
  than one stage at once needs a recorded reason, which is kept with the stages skipped; a case
  never goes down (a new case is opened instead).
- A new ASB report that names a person already the subject of an open case (same name, case,
  punctuation and spacing ignored) is linked to the case and its owner gets an alert.
- Dispersal orders (an area, for up to 48 hours under the 2014 Act) and closure orders
  (premises) are recorded with who authorised them, and may belong to a case.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from constable.auth import service as users
from constable.community.models import Alert, AsbCase, AsbCaseReport, AsbCaseStep, AsbOrder
from constable.control import service as control_service
from constable.crime.models import Crime
from constable.crime.offences import ASB_CATEGORY
from constable.crime.recording import subject_key
from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import District, Force, Team
from constable.store.audit import record as audit
from constable.store.base import utcnow

OPEN, CLOSED = "open", "closed"
TEAM_KINDS = {"cpt": "community_policing_team", "csu": "community_safety_unit"}
"""The teams that own cases: ``cpt`` Community Policing Team, ``csu`` Community Safety Unit."""


class AsbError(ConstableError):
    """A case change that is not allowed as asked."""

    status = 422


class AsbNotFound(AsbError):
    """No such case, report, user or order."""

    status = 404


class AsbConflict(AsbError):
    """The case changed under the request, or is closed."""

    status = 409


class Stage(BaseModel):
    """One step of a ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: str


class Ladder(BaseModel):
    """The stages of the staged approach, lowest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    stages: list[Stage] = Field(min_length=1)

    def position(self, code: str) -> int:
        """The stage's place on the ladder (1 is the first), or :class:`AsbError`."""
        for number, stage in enumerate(self.stages, start=1):
            if stage.code == code:
                return number
        raise AsbError(
            f"stage: {code!r} is not a stage of this ladder; its stages are "
            + ", ".join(s.code for s in self.stages)
        )


@lru_cache
def ladders() -> dict[str, Ladder]:
    """The shipped ladders by name."""
    text = (resources.files("constable.community") / "data" / "asb-ladders.yaml").read_text("utf-8")
    return {
        name: Ladder.model_validate(value)
        for name, value in yaml.safe_load(text)["ladders"].items()
    }


def ladder_of(force: Force) -> tuple[str, Ladder]:
    """The force's ladder and its name."""
    name = control_service.force_config(force).community.asb_ladder
    if name not in ladders():
        raise AsbError(f"the force's asb_ladder {name!r} is not one of {', '.join(ladders())}")
    return name, ladders()[name]


def district_or_raise(session: Session, force: Force, slug: str) -> District:
    """The force's district by slug, name or code, or :class:`AsbNotFound`."""
    try:
        return force_service.get_district_or_raise(session=session, force=force, district=slug)
    except force_service.NotFoundError as exc:
        raise AsbNotFound(str(exc)) from exc


def _team(session: Session, district: District, team: str) -> Team:
    if team not in TEAM_KINDS:
        raise AsbError(
            f"team: {team!r} must be cpt (Community Policing Team) or csu (Community Safety Unit)"
        )
    found = session.scalar(
        select(Team).where(Team.district_id == district.id, Team.kind == TEAM_KINDS[team])
    )
    if found is None:
        raise AsbNotFound(f"team: {district.name} has no {TEAM_KINDS[team].replace('_', ' ')}")
    return found


def _owner(session: Session, username: str) -> str:
    user = users.get_user(session=session, username=username)
    if user is None or not user.active:
        raise AsbNotFound(f"owner: there is no active user {username!r}")
    return user.username


def _alert(session: Session, case: AsbCase, crime: Crime, at: dt.datetime) -> Alert:
    alert = Alert(
        recipient=case.owner,
        created_at=at,
        kind="asb_report_linked",
        message=(
            f"New ASB report {crime.reference} names {case.subject_name}, "
            f"the subject of your case {case.reference}."
        ),
        case_id=case.id,
        crime_id=crime.id,
    )
    session.add(alert)
    return alert


def _link(
    session: Session, case: AsbCase, crime: Crime, *, actor: str, automatic: bool, at: dt.datetime
) -> AsbCaseReport:
    if crime.category != ASB_CATEGORY or crime.reference is None:
        raise AsbError(f"report: {crime.reference or crime.id} is not an ASB report of the force")
    exists = session.scalar(
        select(AsbCaseReport).where(
            AsbCaseReport.case_id == case.id, AsbCaseReport.crime_id == crime.id
        )
    )
    if exists is not None:
        raise AsbConflict(f"{crime.reference} is already linked to {case.reference}")
    link = AsbCaseReport(
        case_id=case.id, crime_id=crime.id, linked_at=at, linked_by=actor, automatic=automatic
    )
    session.add(link)
    audit(
        session,
        actor=actor,
        action="asb_case.report_linked",
        entity="asb_case",
        entity_id=case.id,
        after={"report": crime.reference, "automatic": automatic},
    )
    return link


def open_case(
    *,
    session: Session,
    force: Force,
    district: str,
    team: str,
    subject_name: str,
    summary: str,
    owner: str | None,
    reports: list[int],
    actor: str,
    now: dt.datetime | None = None,
) -> AsbCase:
    """Open a case on the force's ladder (no stage reached yet), linking ``reports``."""
    now = now or utcnow()
    found = district_or_raise(session, force, district)
    owning_team = _team(session, found, team)
    key = subject_key(subject_name)
    if not key:
        raise AsbError("subject_name: give the name of the person the case is about")
    name, _ = ladder_of(force)
    case = AsbCase(
        reference="pending",
        force_id=force.id,
        district_id=found.id,
        team_id=owning_team.id,
        owner=_owner(session, owner or actor),
        subject_name=subject_name.strip(),
        subject_key=key,
        summary=summary.strip(),
        ladder=name,
        stage=None,
        status=OPEN,
        opened_at=now,
        opened_by=actor,
        version=1,
    )
    session.add(case)
    session.flush()
    case.reference = f"{force.code.upper()}-ASB-CASE-{case.id:06d}"
    for crime_id in reports:
        crime = session.get(Crime, crime_id)
        if crime is None:
            raise AsbNotFound(f"reports: there is no ASB report {crime_id}")
        _link(session, case, crime, actor=actor, automatic=False, at=now)
    audit(
        session,
        actor=actor,
        action="asb_case.opened",
        entity="asb_case",
        entity_id=case.id,
        after={"reference": case.reference, "district": found.slug, "team": team},
    )
    session.flush()
    return case


def get_or_raise(*, session: Session, force: Force, case_id: int) -> AsbCase:
    """The force's case with this id, or :class:`AsbNotFound`."""
    case = session.get(AsbCase, case_id)
    if case is None or case.force_id != force.id:
        raise AsbNotFound(f"there is no ASB case {case_id}")
    return case


def _check(case: AsbCase, version: int | None) -> None:
    if case.status != OPEN:
        raise AsbConflict(f"case {case.reference} is closed")
    if version is not None and version != case.version:
        raise AsbConflict(
            f"case {case.reference} changed (version {case.version}, not {version}): reload it"
        )


def advance(
    *,
    session: Session,
    case: AsbCase,
    stage: str,
    taken_on: dt.date,
    actor: str,
    note: str | None = None,
    skip_reason: str | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> AsbCaseStep:
    """Take the case to ``stage``: the next one up, or a higher one with ``skip_reason``."""
    now = now or utcnow()
    _check(case, version)
    ladder = ladders()[case.ladder]
    target = ladder.position(stage)
    current = ladder.position(case.stage) if case.stage else 0
    if target <= current:
        raise AsbError(
            f"stage: {case.reference} is at {case.stage!r} (stage {current}); a case goes up the "
            f"ladder, not back to {stage!r} (stage {target})"
        )
    skipped = [s.code for s in ladder.stages[current : target - 1]]
    if skipped and not (skip_reason or "").strip():
        raise AsbError(f"skip_reason: going to {stage!r} skips {', '.join(skipped)}: say why")
    if taken_on > now.date():
        raise AsbError(f"taken_on {taken_on.isoformat()} is in the future")
    if taken_on < case.opened_at.date():
        raise AsbError(f"taken_on {taken_on.isoformat()} is before the case was opened")
    step = AsbCaseStep(
        case_id=case.id,
        stage=stage,
        position=target,
        taken_on=taken_on,
        recorded_at=now,
        recorded_by=actor,
        note=note,
        skipped=", ".join(skipped) or None,
        skip_reason=skip_reason.strip() if skipped and skip_reason else None,
    )
    session.add(step)
    before = {"stage": case.stage}
    case.stage = stage
    case.version += 1
    audit(
        session,
        actor=actor,
        action="asb_case.stage",
        entity="asb_case",
        entity_id=case.id,
        before=before,
        after={"stage": stage, "skipped": skipped, "skip_reason": step.skip_reason},
    )
    session.flush()
    return step


def close(
    *,
    session: Session,
    case: AsbCase,
    reason: str,
    actor: str,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> AsbCase:
    """Close the case, saying why."""
    _check(case, version)
    if not reason.strip():
        raise AsbError("reason: say why the case is closed")
    case.status = CLOSED
    case.closed_at = now or utcnow()
    case.closing_reason = reason.strip()
    case.version += 1
    audit(
        session,
        actor=actor,
        action="asb_case.closed",
        entity="asb_case",
        entity_id=case.id,
        after={"reason": case.closing_reason},
    )
    session.flush()
    return case


def link_report(
    *, session: Session, force: Force, case: AsbCase, crime_id: int, actor: str
) -> AsbCaseReport:
    """Link an ASB report to the case by hand."""
    _check(case, None)
    crime = session.get(Crime, crime_id)
    if crime is None:
        raise AsbNotFound(f"crime_id: there is no ASB report {crime_id}")
    link = _link(session, case, crime, actor=actor, automatic=False, at=utcnow())
    session.flush()
    return link


def on_new_report(
    *, session: Session, force: Force, crime: Crime, now: dt.datetime | None = None
) -> list[AsbCase]:
    """Link a new ASB report to every open case about the person it names, and alert their
    owners. Called when a report is saved; the cases linked are returned."""
    if crime.category != ASB_CATEGORY or not crime.subject_key:
        return []
    now = now or utcnow()
    cases = list(
        session.scalars(
            select(AsbCase).where(
                AsbCase.force_id == force.id,
                AsbCase.subject_key == crime.subject_key,
                AsbCase.status == OPEN,
            )
        )
    )
    for case in cases:
        _link(session, case, crime, actor="system", automatic=True, at=now)
        _alert(session, case, crime, now)
    session.flush()
    return cases


def reports_of(*, session: Session, case: AsbCase) -> list[tuple[AsbCaseReport, Crime]]:
    """The reports linked to the case, oldest first."""
    return [
        (link, crime)
        for link, crime in session.execute(
            select(AsbCaseReport, Crime)
            .join(Crime, Crime.id == AsbCaseReport.crime_id)
            .where(AsbCaseReport.case_id == case.id)
            .order_by(Crime.occurred_at, Crime.id)
        )
    ]


def list_cases(
    *, session: Session, force: Force, district_id: int | None, status: str | None
) -> list[AsbCase]:
    """The force's cases (a district's; open or closed), newest first."""
    query = select(AsbCase).where(AsbCase.force_id == force.id)
    if district_id is not None:
        query = query.where(AsbCase.district_id == district_id)
    if status is not None:
        query = query.where(AsbCase.status == status)
    return list(session.scalars(query.order_by(AsbCase.opened_at.desc(), AsbCase.id.desc())))


ORDER_KINDS = {"dispersal": 48, "closure": 24 * 90}
"""Order kinds and their longest duration in hours (2014 Act: dispersal 48 h; a closure order
up to three months)."""


def record_order(
    *,
    session: Session,
    force: Force,
    district: str,
    kind: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    authorised_by: str,
    reason: str,
    case_id: int | None,
    actor: str,
    now: dt.datetime | None = None,
) -> AsbOrder:
    """Record a dispersal or closure order."""
    now = now or utcnow()
    if kind not in ORDER_KINDS:
        raise AsbError(f"kind: {kind!r} must be one of {', '.join(ORDER_KINDS)}")
    if ends_at <= starts_at:
        raise AsbError("ends_at is not after starts_at")
    hours = (ends_at - starts_at).total_seconds() / 3600
    if hours > ORDER_KINDS[kind]:
        raise AsbError(
            f"ends_at: a {kind} order lasts at most {ORDER_KINDS[kind]} hours, not {hours:g}"
        )
    found = district_or_raise(session, force, district)
    if case_id is not None:
        case = get_or_raise(session=session, force=force, case_id=case_id)
        if case.district_id != found.id:
            raise AsbError(f"case_id: case {case.reference} is not in {found.name}")
    order = AsbOrder(
        force_id=force.id,
        district_id=found.id,
        case_id=case_id,
        kind=kind,
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        authorised_by=authorised_by.strip(),
        reason=reason.strip(),
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(order)
    session.flush()
    audit(
        session,
        actor=actor,
        action="asb_order.recorded",
        entity="asb_order",
        entity_id=order.id,
        after={"kind": kind, "district": found.slug, "place": order.place},
    )
    return order


def alerts_for(*, session: Session, username: str, unread_only: bool = True) -> list[Alert]:
    """A user's alerts, newest first."""
    query = select(Alert).where(Alert.recipient == username)
    if unread_only:
        query = query.where(Alert.read_at.is_(None))
    return list(session.scalars(query.order_by(Alert.created_at.desc(), Alert.id.desc())))


def mark_read(*, session: Session, alert_id: int, username: str) -> Alert:
    """Mark one of the user's alerts read."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.recipient != username:
        raise AsbNotFound(f"you have no alert {alert_id}")
    alert.read_at = alert.read_at or utcnow()
    session.flush()
    return alert
