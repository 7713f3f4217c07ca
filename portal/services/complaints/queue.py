"""Finding cases for staff: by reference, or filtered and newest first."""

from datetime import date

from sqlalchemy import func, or_, select

from portal.domain.complaints import ComplaintKind, ComplaintStage, normalise_reference
from portal.extensions import db
from portal.models.complaint import Complaint
from portal.services.complaints.deadlines import deadlines

Stage = ComplaintStage

def get_by_reference(reference: str) -> Complaint | None:
    """Return the case with `reference` (for staff)."""
    ref = normalise_reference(reference)
    return db.session.scalar(select(Complaint).where(Complaint.reference == ref)) if ref else None


def list_complaints(*, stage: str = "", kind: str = "", text: str = "", overdue: bool = False,
                    handler: str = "", today: date) -> list[Complaint]:
    """Return cases matching the filters, newest first."""
    query = select(Complaint).order_by(Complaint.received_at.desc())
    if stage == "open":
        query = query.where(Complaint.stage != Stage.CLOSED)
    elif stage in {s.value for s in Stage}:
        query = query.where(Complaint.stage == Stage(stage))
    if kind in {k.value for k in ComplaintKind}:
        query = query.where(Complaint.kind == ComplaintKind(kind))
    if handler:
        query = query.where(func.lower(Complaint.handler_email) == handler.strip().lower())
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(or_(Complaint.reference.ilike(like), Complaint.subject.ilike(like),
                                Complaint.name.ilike(like), Complaint.email.ilike(like),
                                Complaint.certificate_number.ilike(like)))
    rows = list(db.session.scalars(query.limit(1000)))
    if overdue:
        rows = [c for c in rows if deadlines(c, today).overdue]
    return rows
