"""Every area's tables, imported so that they are all registered on ``Base.metadata``."""

from constable.crime.models import Crime, Outcome, RecordedCrime, StopSearch
from constable.force.models import District, Force, Neighbourhood, Person, Team, Unit
from constable.ingest.models import ImportedFile
from constable.store.audit import AuditEntry

__all__ = [
    "AuditEntry",
    "Crime",
    "District",
    "Force",
    "ImportedFile",
    "Neighbourhood",
    "Outcome",
    "Person",
    "RecordedCrime",
    "StopSearch",
    "Team",
    "Unit",
]
