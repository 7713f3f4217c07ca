"""Complaint figures for /transparency: received, closed, median days."""

import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from portal import clock
from portal.domain.complaints import ComplaintKind
from portal.extensions import db
from portal.models.complaint import Complaint


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _in_year(moment: datetime | None, year: int) -> bool:
    return moment is not None and moment.astimezone(clock.CHINA).year == year


def complaint_statistics(year: int) -> dict[str, Any]:
    """Return received, closed and median days to acknowledge and to close in `year`."""
    start = datetime(year, 1, 1, tzinfo=clock.CHINA) - timedelta(days=1)
    end = datetime(year + 1, 1, 1, tzinfo=clock.CHINA) + timedelta(days=1)
    rows = list(db.session.scalars(select(Complaint).where(or_(
        Complaint.received_at.between(start, end), Complaint.closed_at.between(start, end)))))
    received = [c for c in rows if _in_year(c.received_at, year)]
    closed = [c for c in rows if _in_year(c.closed_at, year)]
    to_ack = [_days(c.received_at, c.acknowledged_at) for c in received if c.acknowledged_at]
    to_close = [_days(c.received_at, c.closed_at) for c in closed if c.closed_at]
    return {"year": year, "received": len(received), "closed": len(closed),
            "complaints": sum(c.kind == ComplaintKind.COMPLAINT for c in received),
            "appeals": sum(c.kind == ComplaintKind.APPEAL for c in received),
            "median_days_to_acknowledge": _median(to_ack),
            "median_days_to_close": _median(to_close)}
