"""The public tracker: a case is shown only to whoever has its reference and tracking code."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.domain.complaints import ComplaintStage, normalise_reference
from portal.extensions import db
from portal.models.complaint import Complaint, ComplaintEventKind
from portal.services.complaints.filing import hash_tracking_code

Stage = ComplaintStage
EventKind = ComplaintEventKind

_NO_MATCH = "0" * 64


def track(reference: str, code: str) -> Complaint | None:
    """Return the case only when both reference and tracking code match; else None.

    Unknown references and wrong codes take the same path (one lookup, one HMAC, one
    constant-time comparison) so that neither the answer nor its timing tells them apart.
    """
    ref = normalise_reference(reference)
    complaint = (db.session.scalar(select(Complaint).where(Complaint.reference == ref))
                 if ref else None)
    expected = complaint.tracking_code_hash if complaint is not None else _NO_MATCH
    matches = hmac.compare_digest(expected, hash_tracking_code(code))
    if complaint is None or not matches or complaint.purged_at is not None:
        return None
    return complaint


@dataclass(frozen=True)
class TimelineStep:
    stage: str
    at: datetime | None
    reached: bool
    current: bool


def timeline(complaint: Complaint) -> list[TimelineStep]:
    """Return the five stages with the date each was reached (closed early skips some)."""
    reached = {e.stage: e.at for e in complaint.events if e.kind == EventKind.STAGE and e.stage}
    return [TimelineStep(stage=stage.value, at=reached.get(stage), reached=stage in reached,
                         current=stage == complaint.stage)
            for stage in Stage]
