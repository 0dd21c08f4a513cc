"""Every area's tables, imported so that they are all registered on ``Base.metadata``."""

from constable.auth.models import ApiToken, User
from constable.community.models import (
    Alert,
    AsbCase,
    AsbCaseReport,
    AsbCaseStep,
    AsbOrder,
    S136Detention,
    School,
    SchoolEngagement,
    SpeedwatchDetection,
    SpeedwatchSession,
    SpeedwatchSite,
    SpeedwatchVisit,
    Volunteer,
    VolunteerDuty,
)
from constable.control.models import (
    Assessment,
    Contact,
    Deployment,
    Incident,
    IncidentLog,
    UnitState,
)
from constable.crime.models import (
    Crime,
    CrimeOutcome,
    Outcome,
    RecordedCrime,
    RepeatVictim,
    StopSearch,
)
from constable.force.models import District, Force, Neighbourhood, Person, Team, Unit
from constable.ingest.models import ImportedFile
from constable.performance.models import ExternalMeasureValue
from constable.store.audit import AuditEntry

__all__ = [
    "Alert",
    "ApiToken",
    "AsbCase",
    "AsbCaseReport",
    "AsbCaseStep",
    "AsbOrder",
    "Assessment",
    "AuditEntry",
    "Contact",
    "Crime",
    "CrimeOutcome",
    "Deployment",
    "District",
    "ExternalMeasureValue",
    "Force",
    "ImportedFile",
    "Incident",
    "IncidentLog",
    "Neighbourhood",
    "Outcome",
    "Person",
    "RecordedCrime",
    "RepeatVictim",
    "S136Detention",
    "School",
    "SchoolEngagement",
    "SpeedwatchDetection",
    "SpeedwatchSession",
    "SpeedwatchSite",
    "SpeedwatchVisit",
    "StopSearch",
    "Team",
    "Unit",
    "UnitState",
    "User",
    "Volunteer",
    "VolunteerDuty",
]
