"""Every area's tables, imported so that they are all registered on ``Base.metadata``."""

from constable.auth.models import ApiToken, User
from constable.control.models import (
    Assessment,
    Contact,
    Deployment,
    Incident,
    IncidentLog,
    UnitState,
)
from constable.crime.models import Crime, Outcome, RecordedCrime, StopSearch
from constable.force.models import District, Force, Neighbourhood, Person, Team, Unit
from constable.ingest.models import ImportedFile
from constable.store.audit import AuditEntry

__all__ = [
    "ApiToken",
    "Assessment",
    "AuditEntry",
    "Contact",
    "Crime",
    "Deployment",
    "District",
    "Force",
    "ImportedFile",
    "Incident",
    "IncidentLog",
    "Neighbourhood",
    "Outcome",
    "Person",
    "RecordedCrime",
    "StopSearch",
    "Team",
    "Unit",
    "UnitState",
    "User",
]
