"""API shapes of the public side: neighbourhood priorities (staff) and the public page data."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class MeetingKind(StrEnum):
    """How residents were asked."""

    PUBLIC_MEETING = "public_meeting"
    ONLINE_CONSULTATION = "online_consultation"


class PriorityStatus(StrEnum):
    """Where a priority stands: open, done (resolved) or dropped with a reason (closed)."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriorityIn(_In):
    """A priority agreed at a meeting (published: no names of residents, no addresses)."""

    title: str = Field(min_length=3, max_length=200, description="what residents asked for")
    detail: str | None = Field(default=None, max_length=2000)
    owner: str = Field(
        min_length=2, max_length=200, description="the post that owns it, e.g. 'PCSO Sevenoaks 03'"
    )
    review_on: dt.date = Field(description="when it is next reviewed")
    neighbourhood: str | None = Field(
        default=None, description="an LSOA code of the same district (default: the meeting's)"
    )


class MeetingCreate(_In):
    """A public meeting or online consultation, with what was raised and agreed."""

    neighbourhood: str = Field(description="the LSOA code of the neighbourhood, e.g. E01024445")
    kind: MeetingKind = MeetingKind.PUBLIC_MEETING
    held_on: dt.date
    place: str | None = Field(
        default=None, max_length=200, description="the venue or the consultation's web page"
    )
    attendance: int = Field(ge=0, le=100_000, description="people who came or responded")
    issues_raised: list[str] = Field(default_factory=list, max_length=50)
    priorities: list[PriorityIn] = Field(default_factory=list, max_length=20)


class ActionCreate(_In):
    """Something done about a priority ("we did")."""

    done_on: dt.date
    text: str = Field(min_length=3, max_length=2000)


class PriorityUpdate(_In):
    """A change to a priority: its review date, owner, or its end (status and result)."""

    status: PriorityStatus | None = None
    result: str | None = Field(default=None, max_length=2000)
    review_on: dt.date | None = None
    owner: str | None = Field(default=None, min_length=2, max_length=200)
    closed_on: dt.date | None = None


class ActionRead(BaseModel):
    """What was done, when."""

    done_on: dt.date
    text: str
    recorded_by: str


class PriorityRead(BaseModel):
    """A priority as staff see it."""

    id: int
    meeting_id: int
    district: str
    neighbourhood: str
    neighbourhood_name: str
    title: str
    detail: str | None
    owner: str
    agreed_on: dt.date
    review_on: dt.date
    review_due: bool
    status: PriorityStatus
    closed_on: dt.date | None
    result: str | None
    actions: list[ActionRead]


class MeetingRead(BaseModel):
    """A meeting as staff see it, with the priorities agreed at it."""

    id: int
    district: str
    neighbourhood: str
    neighbourhood_name: str
    kind: MeetingKind
    held_on: dt.date
    place: str | None
    attendance: int
    issues_raised: list[str]
    recorded_by: str
    recorded_at: dt.datetime
    priorities: list[PriorityRead]


class NeighbourhoodFound(BaseModel):
    """Where a postcode is: the neighbourhood's public page."""

    neighbourhood: str
    name: str
    district: str
    url: str
