"""Write entries to the append-only audit log (who, when, what, before, after)."""

from datetime import datetime
from typing import Any

from portal.extensions import db
from portal.models import AuditLogEntry


def record(*, actor: str, action: str, entity_type: str, entity_id: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None, now: datetime,
           ip: str = "") -> AuditLogEntry:
    """Add an audit log entry to the session; it commits with the change it describes."""
    entry = AuditLogEntry(at=now, actor=actor, action=action, entity_type=entity_type,
                          entity_id=entity_id, before=before, after=after, ip=ip)
    db.session.add(entry)
    return entry
