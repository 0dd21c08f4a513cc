"""Roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a user is, which decides what they may do."""

    CALL_HANDLER = "call_handler"
    DISPATCHER = "dispatcher"
    DISTRICT_COMMANDER = "district_commander"
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


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CALL_HANDLER: frozenset({Action.READ, Action.RECORD_CONTACT, Action.GRADE}),
    Role.DISPATCHER: frozenset(
        {
            Action.READ,
            Action.RECORD_CONTACT,
            Action.GRADE,
            Action.DISPATCH,
            Action.UPDATE_UNIT,
            Action.CLOSE_INCIDENT,
        }
    ),
    # A district commander acts only on their own district (checked where the district is known).
    Role.DISTRICT_COMMANDER: frozenset(
        {Action.READ, Action.DISPATCH, Action.UPDATE_UNIT, Action.CLOSE_INCIDENT, Action.GRADE}
    ),
    Role.ANALYST: frozenset({Action.READ}),
    Role.ADMINISTRATOR: frozenset(Action),
}


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action`` at all."""
    return action in PERMISSIONS[role]
