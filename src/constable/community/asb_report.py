"""The quarter's anti-social behaviour figures, a section of the community report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from constable.community import asb
from constable.community.models import AsbCase, AsbCaseReport, AsbCaseStep, AsbOrder
from constable.community.report import Figure, Scope, Section, Table, section


@section("asb")
def asb_section(scope: Scope) -> Section:
    """Cases opened, closed and open; stages taken by stage; reports linked; orders made."""
    low, high = scope.quarter.utc_bounds()
    session = scope.session
    cases = [AsbCase.force_id == scope.force.id]
    if scope.district is not None:
        cases.append(AsbCase.district_id == scope.district.id)

    def count(query: Select[Any]) -> int:
        return int(session.scalar(query) or 0)

    opened = count(
        select(func.count())
        .select_from(AsbCase)
        .where(*cases, AsbCase.opened_at >= low, AsbCase.opened_at < high)
    )
    closed = count(
        select(func.count())
        .select_from(AsbCase)
        .where(*cases, AsbCase.closed_at >= low, AsbCase.closed_at < high)
    )
    still_open = count(
        select(func.count())
        .select_from(AsbCase)
        .where(
            *cases,
            AsbCase.opened_at < high,
            (AsbCase.closed_at.is_(None)) | (AsbCase.closed_at >= high),
        )
    )
    linked = count(
        select(func.count())
        .select_from(AsbCaseReport)
        .join(AsbCase, AsbCase.id == AsbCaseReport.case_id)
        .where(
            *cases,
            AsbCaseReport.linked_at >= low,
            AsbCaseReport.linked_at < high,
            AsbCaseReport.automatic.is_(True),
        )
    )
    steps = dict(
        session.execute(
            select(AsbCaseStep.stage, func.count())
            .join(AsbCase, AsbCase.id == AsbCaseStep.case_id)
            .where(*cases, AsbCaseStep.recorded_at >= low, AsbCaseStep.recorded_at < high)
            .group_by(AsbCaseStep.stage)
        ).all()
    )
    skipped = count(
        select(func.count())
        .select_from(AsbCaseStep)
        .join(AsbCase, AsbCase.id == AsbCaseStep.case_id)
        .where(
            *cases,
            AsbCaseStep.recorded_at >= low,
            AsbCaseStep.recorded_at < high,
            AsbCaseStep.skipped.is_not(None),
        )
    )
    orders_where = [
        AsbOrder.force_id == scope.force.id,
        AsbOrder.starts_at >= low,
        AsbOrder.starts_at < high,
    ]
    if scope.district is not None:
        orders_where.append(AsbOrder.district_id == scope.district.id)
    orders = dict(
        session.execute(
            select(AsbOrder.kind, func.count()).where(*orders_where).group_by(AsbOrder.kind)
        ).all()
    )
    _, ladder = asb.ladder_of(scope.force)
    return Section(
        "asb",
        "Anti-social behaviour cases",
        [
            Figure("opened", "Cases opened", opened),
            Figure("closed", "Cases closed", closed),
            Figure("open", "Cases open at the quarter's end", still_open),
            Figure("stages", "Stages taken", sum(steps.values())),
            Figure("stages_skipping", "Of those, skipping a stage (with a reason)", skipped),
            Figure("reports_linked", "New reports linked to a case by the subject's name", linked),
            Figure("dispersal_orders", "Dispersal orders", int(orders.get("dispersal", 0))),
            Figure("closure_orders", "Closure orders", int(orders.get("closure", 0))),
        ],
        [
            Table(
                "by_stage",
                "Stages taken, up the ladder",
                [("label", "Stage"), ("taken", "Taken")],
                [
                    {"stage": s.code, "label": s.label, "taken": int(steps.get(s.code, 0))}
                    for s in ladder.stages
                ],
            )
        ],
    )
