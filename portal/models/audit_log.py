"""The append-only audit log of every write by staff or the CLI."""

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class AuditLogEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(254), index=True)  # staff email or "cli:<user>"
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. certificate.status
    entity_type: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ip: Mapped[str] = mapped_column(String(64), default="")


class AuditLogImmutableError(RuntimeError):
    """An attempt to change or delete an audit log entry."""


@event.listens_for(AuditLogEntry, "before_update")
@event.listens_for(AuditLogEntry, "before_delete")
def _refuse_change(mapper: Any, connection: Any, target: AuditLogEntry) -> None:
    raise AuditLogImmutableError("the audit log is append-only")


# The database refuses too, whatever the client (a psql session, another program). Alembic
# does not see these: the migration creating audit_log runs them with op.execute().
APPEND_ONLY_DDL = {
    "sqlite": [
        ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"),
        ("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"),
    ],
    "postgresql": [
        ("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql"),
        ("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"),
    ],
}
for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditLogEntry.__table__, "after_create",
                     DDL(_statement).execute_if(dialect=_dialect))
