"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import JSON, Connection, DateTime, String, Table, func, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from constable.store.base import Base, PrimaryKey


class AuditEntry(Base):
    """One change to a record, kept for ever."""

    __tablename__ = "audit_log"

    id: Mapped[PrimaryKey]
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(100), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


_INSERT = insert(cast(Table, AuditEntry.__table__))


def record(
    to: Session | Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the audit log in the caller's transaction (so it lands with the change):
    through a session's unit of work, or written at once on a connection, for a change written
    with Core statements."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
    if isinstance(to, Session):
        to.add(entry)
    else:
        to.execute(
            _INSERT,
            {
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entry.entity_id,
                "before": before,
                "after": after,
            },
        )
    return entry
