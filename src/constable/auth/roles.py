"""Roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a user is, which decides what they may do."""

    CALL_HANDLER = "call_handler"
    DISPATCHER = "dispatcher"
    DISTRICT_COMMANDER = "district_commander"
    COMMUNITY_SAFETY = "community_safety"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


class Action(StrEnum):
    """Things a user may be allowed to do."""

    READ = "read"
    RECORD_CONTACT = "record_contact"
    GRADE = "grade"
    DISPATCH = "dispatch"
    UPDATE_UNIT = "update_unit"
    CLOSE_INCIDENT = "close_incident"
    MANAGE_USERS = "manage_users"
    RECORD_COMMUNITY = "record_community"
    RECORD_CRIME = "record_crime"
    PLAN_PATROLS = "plan_patrols"
    RECORD_PATROL_VISIT = "record_patrol_visit"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CALL_HANDLER: frozenset(
        {Action.READ, Action.RECORD_CONTACT, Action.GRADE, Action.RECORD_CRIME}
    ),
    Role.DISPATCHER: frozenset(
        {
            Action.READ,
            Action.RECORD_CONTACT,
            Action.GRADE,
            Action.DISPATCH,
            Action.UPDATE_UNIT,
            Action.CLOSE_INCIDENT,
            Action.RECORD_CRIME,
            Action.RECORD_PATROL_VISIT,
        }
    ),
    # A district commander acts only on their own district (checked where the district is known).
    Role.DISTRICT_COMMANDER: frozenset(
        {
            Action.READ,
            Action.DISPATCH,
            Action.UPDATE_UNIT,
            Action.CLOSE_INCIDENT,
            Action.GRADE,
            Action.RECORD_COMMUNITY,
            Action.RECORD_CRIME,
            Action.PLAN_PATROLS,
            Action.RECORD_PATROL_VISIT,
        }
    ),
    # A district's Community Safety Unit or Community Policing Team: s.136 detentions, Speedwatch,
    # specials, volunteers and school officers of their own district.
    Role.COMMUNITY_SAFETY: frozenset(
        {Action.READ, Action.RECORD_COMMUNITY, Action.RECORD_CRIME, Action.RECORD_PATROL_VISIT}
    ),
    # Analysts plan patrols for any district from the forecasts they make.
    Role.ANALYST: frozenset({Action.READ, Action.PLAN_PATROLS}),
    Role.ADMINISTRATOR: frozenset(Action),
}


DISTRICT_ROLES = frozenset({Role.DISTRICT_COMMANDER, Role.COMMUNITY_SAFETY})
"""Roles tied to one district: they change only that district's records (they read everything)."""


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action`` at all."""
    return action in PERMISSIONS[role]
