"""Erasing complainants' personal data once the retention period after closing has passed."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from portal.domain.complaints import FakeReportStatus
from portal.extensions import db
from portal.models.complaint import Complaint, ComplaintEvent, ComplaintEventKind, FakeReport
from portal.services import audit_log, uploads

EventKind = ComplaintEventKind

DEFAULT_RETENTION_DAYS = 3 * 365


def retention_days() -> int:
    """Return how long personal data of closed cases is kept."""
    return int(current_app.config.get("COMPLAINT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def purge_expired(*, now: datetime, actor: str) -> int:
    """Remove personal data and files of cases closed longer than the retention period.

    The case number, kind, stages and dates stay (statistics need them); name, contact
    details, description, attachments, notes and outcome text go, as do the reporter's
    contact details and photo of triaged reports of fakes. Returns how many cases.
    """
    cutoff = now - timedelta(days=retention_days())
    cases = list(db.session.scalars(select(Complaint).where(
        Complaint.closed_at.is_not(None), Complaint.closed_at < cutoff,
        Complaint.purged_at.is_(None))))
    files: list[str] = []
    for complaint in cases:
        files.extend(a.stored_name for a in complaint.attachments)
        complaint.attachments.clear()
        complaint.name = complaint.email = complaint.phone = ""
        complaint.subject = complaint.description = complaint.outcome = ""
        for event in complaint.events:
            event.text = ""
        complaint.purged_at = now
        complaint.updated_at = now
        complaint.events.append(ComplaintEvent(kind=EventKind.PURGED, public=False, actor=actor,
                                               at=now))
        audit_log.record(actor=actor, action="complaint.purge", entity_type="complaint",
                         entity_id=complaint.reference, before=None, after={"purged": True},
                         now=now)
    old_reports = db.session.scalars(select(FakeReport).where(
        FakeReport.created_at < cutoff, FakeReport.status != FakeReportStatus.NEW,
        or_(FakeReport.email != "", FakeReport.name != "", FakeReport.photo_stored_name != "")))
    for report in old_reports:
        files.append(report.photo_stored_name)
        report.name = report.email = report.photo_stored_name = report.photo_filename = ""
    db.session.commit()
    for name in files:
        uploads.delete(name)
    return len(cases)
