"""Fixed vocabularies of the community records, each with the label the pages show."""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        """The words the pages and reports show."""
        return LABELS[self]


class PlaceOfSafety(_Labelled):
    """Where a person detained under s.136 was taken (Mental Health Act 1983)."""

    HEALTH_BASED = "health_based_place_of_safety"
    EMERGENCY_DEPARTMENT = "emergency_department"
    POLICE_CUSTODY = "police_custody"
    OTHER = "other"


class S136Outcome(_Labelled):
    """How a s.136 detention ended, after the mental health assessment."""

    ADMITTED_INFORMAL = "admitted_informal"
    DETAINED_MHA = "detained_mental_health_act"
    COMMUNITY_FOLLOW_UP = "community_follow_up"
    RELEASED = "released_no_follow_up"
    ARRESTED = "arrested"
    OTHER = "other"


class VolunteerRole(_Labelled):
    """The people whose hours and engagements the Community Safety Units keep."""

    SPECIAL_CONSTABLE = "special_constable"
    POLICE_SUPPORT_VOLUNTEER = "police_support_volunteer"
    COMMUNITY_POLICE_VOLUNTEER = "community_police_volunteer"
    SCHOOL_OFFICER = "school_officer"


class DutyType(_Labelled):
    """What a duty was spent on."""

    PATROL = "patrol"
    EVENT = "event"
    OPERATION = "operation"
    COMMUNITY_SAFETY = "community_safety"
    STATION_SUPPORT = "station_support"
    SCHOOLS = "schools"
    TRAINING = "training"
    OTHER = "other"


class EngagementKind(_Labelled):
    """What a school officer did at a school."""

    LESSON = "lesson"
    ASSEMBLY = "assembly"
    DROP_IN = "drop_in"
    INCIDENT_FOLLOW_UP = "incident_follow_up"
    PARENTS_EVENT = "parents_event"
    OTHER = "other"


SPEED_LIMITS_MPH = (20, 30, 40, 50, 60, 70)
"""The speed limits of British roads, in miles per hour."""

LABELS: dict[StrEnum, str] = {
    PlaceOfSafety.HEALTH_BASED: "Health-based place of safety",
    PlaceOfSafety.EMERGENCY_DEPARTMENT: "Emergency department",
    PlaceOfSafety.POLICE_CUSTODY: "Police custody",
    PlaceOfSafety.OTHER: "Other",
    S136Outcome.ADMITTED_INFORMAL: "Admitted to hospital informally",
    S136Outcome.DETAINED_MHA: "Detained in hospital under the Mental Health Act",
    S136Outcome.COMMUNITY_FOLLOW_UP: "Released with community mental health follow-up",
    S136Outcome.RELEASED: "Released with no further mental health action",
    S136Outcome.ARRESTED: "Arrested for an offence",
    S136Outcome.OTHER: "Other",
    VolunteerRole.SPECIAL_CONSTABLE: "Special Constable",
    VolunteerRole.POLICE_SUPPORT_VOLUNTEER: "Police Support Volunteer",
    VolunteerRole.COMMUNITY_POLICE_VOLUNTEER: "Community Police Volunteer",
    VolunteerRole.SCHOOL_OFFICER: "School officer",
    DutyType.PATROL: "Patrol",
    DutyType.EVENT: "Event",
    DutyType.OPERATION: "Operation",
    DutyType.COMMUNITY_SAFETY: "Community safety work",
    DutyType.STATION_SUPPORT: "Station support",
    DutyType.SCHOOLS: "Schools",
    DutyType.TRAINING: "Training",
    DutyType.OTHER: "Other",
    EngagementKind.LESSON: "Lesson",
    EngagementKind.ASSEMBLY: "Assembly",
    EngagementKind.DROP_IN: "Drop-in",
    EngagementKind.INCIDENT_FOLLOW_UP: "Follow-up of an incident",
    EngagementKind.PARENTS_EVENT: "Parents' event",
    EngagementKind.OTHER: "Other",
}
