"""Fixed vocabularies of the control room."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Channel(StrEnum):
    """How a contact reached the force."""

    EMERGENCY = "999"
    NON_EMERGENCY = "101"
    ONLINE = "online"
    WALK_IN = "walk-in"


class Grade(IntEnum):
    """Incident grades: how urgently the police must attend."""

    EMERGENCY = 1
    PRIORITY = 2
    SCHEDULED = 3
    RESOLVED_WITHOUT_DEPLOYMENT = 4

    @property
    def label(self) -> str:
        """``Grade 1 emergency`` and so on."""
        words = {1: "emergency", 2: "priority", 3: "scheduled", 4: "resolved without deployment"}
        return f"Grade {self.value} {words[self.value]}"


class IncidentState(StrEnum):
    """Where an incident stands, from open to closed."""

    OPEN = "open"
    GRADED = "graded"
    RESOURCE_ALLOCATED = "resource_allocated"
    EN_ROUTE = "en_route"
    AT_SCENE = "at_scene"
    CLEARED = "cleared"
    CLOSED = "closed"


# The changes a person may make; dispatch and unit updates move incidents along the same paths.
TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    IncidentState.OPEN: frozenset({IncidentState.GRADED, IncidentState.CLOSED}),
    IncidentState.GRADED: frozenset({IncidentState.RESOURCE_ALLOCATED, IncidentState.CLOSED}),
    IncidentState.RESOURCE_ALLOCATED: frozenset(
        {IncidentState.EN_ROUTE, IncidentState.AT_SCENE, IncidentState.GRADED}
    ),
    IncidentState.EN_ROUTE: frozenset({IncidentState.AT_SCENE, IncidentState.GRADED}),
    IncidentState.AT_SCENE: frozenset({IncidentState.CLEARED}),
    IncidentState.CLEARED: frozenset({IncidentState.CLOSED, IncidentState.RESOURCE_ALLOCATED}),
    IncidentState.CLOSED: frozenset(),
}


class UnitStatus(StrEnum):
    """What a unit is doing."""

    AVAILABLE = "available"
    EN_ROUTE = "en_route"
    AT_SCENE = "at_scene"
    COMMITTED = "committed"
    OFF_DUTY = "off_duty"
