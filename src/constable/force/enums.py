"""Fixed vocabularies of the organisation."""

from __future__ import annotations

from enum import StrEnum


class TeamKind(StrEnum):
    """The kinds of team a force is made of (seeds 000 and 001)."""

    LOCAL_POLICING = "local_policing_team"
    COMMUNITY_SAFETY = "community_safety_unit"
    COMMUNITY_POLICING = "community_policing_team"
    PCSO = "pcso_team"
    SPECIALS = "special_constabulary"
    CONTROL_ROOM = "force_control_room"
    SCHOOLS = "schools"
    MENTAL_HEALTH = "mental_health"
    VOLUNTEERS = "volunteers"
    COMMAND = "district_command"


class UnitKind(StrEnum):
    """Deployable resources."""

    PATROL_CAR = "patrol_car"
    FOOT_PATROL = "foot_patrol"
    PCSO = "pcso"
    SPECIAL = "special"


TEAM_LABELS: dict[str, str] = {
    TeamKind.COMMAND: "Command",
    TeamKind.LOCAL_POLICING: "LPT",
    TeamKind.COMMUNITY_SAFETY: "CSU",
    TeamKind.COMMUNITY_POLICING: "CPT",
    TeamKind.PCSO: "PCSOs",
    TeamKind.SPECIALS: "Specials",
    TeamKind.CONTROL_ROOM: "Control room",
    TeamKind.SCHOOLS: "Schools",
    TeamKind.MENTAL_HEALTH: "Mental health",
    TeamKind.VOLUNTEERS: "Volunteers",
}
"""Short column headings for teams, by kind."""
