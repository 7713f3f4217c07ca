"""Read the audit log for administrators: filter it, page through it, export it as CSV."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from portal.clock import CHINA
from portal.extensions import db
from portal.models import AuditLogEntry
from portal.register.cells import neutralise

CSV_COLUMNS = ("at", "actor", "action", "entity_type", "entity_id", "ip", "before", "after")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity: str = ""
    date_from: date | None = None  # Shanghai dates, inclusive
    date_to: date | None = None


# Filter dates are kept within these bounds: 0001-01-01 or 9999-12-31 mean "no limit" and
# would overflow once converted to UTC.
EARLIEST, LATEST = date(1900, 1, 1), date(9000, 1, 1)


def _start_of(day: date) -> datetime:
    day = min(max(day, EARLIEST), LATEST)
    return datetime.combine(day, time.min, tzinfo=CHINA)


def entries_query(f: AuditFilter) -> Select[tuple[AuditLogEntry]]:
    """Return the entries matching `f`, newest first."""
    query = select(AuditLogEntry).order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc())
    if f.actor:
        query = query.where(AuditLogEntry.actor.contains(f.actor.strip(), autoescape=True))
    if f.action:
        query = query.where(AuditLogEntry.action == f.action)
    if f.entity:
        query = query.where(AuditLogEntry.entity_id.contains(f.entity.strip(), autoescape=True))
    if f.date_from:
        query = query.where(AuditLogEntry.at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(AuditLogEntry.at < _start_of(min(f.date_to, LATEST)
                                                           + timedelta(days=1)))
    return query


def changes(entry: AuditLogEntry) -> list[tuple[str, Any, Any]]:
    """Return (field, before, after) for every field the entry changed (all set ones if new)."""
    before, after = entry.before or {}, entry.after or {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys
            if before.get(k) != after.get(k) and (before.get(k) or after.get(k)) not in ("", [])]


def actions() -> list[str]:
    """Return every action name present in the log, for the filter."""
    return list(db.session.scalars(select(AuditLogEntry.action).distinct()
                                   .order_by(AuditLogEntry.action)))


def _cell(value: Any) -> str:
    text = "" if value is None else value if isinstance(value, str) else json.dumps(
        value, ensure_ascii=False, sort_keys=True, default=str)
    return neutralise(text)  # a spreadsheet would run a cell starting with = + - @ as a formula


def export_csv(f: AuditFilter) -> str:
    """Return the matching entries as CSV (UTF-8 with BOM so that Excel reads Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in db.session.scalars(entries_query(f)).yield_per(500):
        writer.writerow([entry.at.isoformat(), _cell(entry.actor), _cell(entry.action),
                         _cell(entry.entity_type), _cell(entry.entity_id), _cell(entry.ip),
                         _cell(entry.before), _cell(entry.after)])
    return out.getvalue()
