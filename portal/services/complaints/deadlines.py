"""Time limits of a case: acknowledgement within 5 working days, decision within the target."""

import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal import clock
from portal.domain.complaints import (
    ComplaintStage,
    acknowledge_due,
    parse_holidays,
    resolution_due,
)
from portal.models.complaint import Complaint

log = logging.getLogger(__name__)
Stage = ComplaintStage

DEFAULT_TARGET_DAYS = 60


def target_days() -> int:
    """Return the configured target number of days from receipt to decision."""
    return int(current_app.config.get("COMPLAINT_TARGET_DAYS") or DEFAULT_TARGET_DAYS)


def holidays() -> frozenset[date]:
    """Return the public holidays (COMPLAINT_HOLIDAYS) that are not working days."""
    configured = current_app.config.get("COMPLAINT_HOLIDAYS") or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    try:
        return parse_holidays(configured)
    except ValueError:
        # A typo in the setting must not stop anyone filing: warn and count only weekends.
        log.warning("COMPLAINT_HOLIDAYS has a value that is not an ISO date: %r", configured)
        return frozenset()


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: date
    resolve_by: date
    acknowledge_overdue: bool
    resolution_overdue: bool

    @property
    def overdue(self) -> bool:
        return self.acknowledge_overdue or self.resolution_overdue


def deadlines(complaint: Complaint, today: date) -> Deadlines:
    """Return the acknowledgement and resolution dates of a case and whether they passed."""
    received = complaint.received_at.astimezone(clock.CHINA).date()
    ack_by = acknowledge_due(received, holidays())
    resolve_by = resolution_due(received, target_days())
    open_ = complaint.stage not in (Stage.DECIDED, Stage.CLOSED)
    return Deadlines(
        acknowledge_by=ack_by, resolve_by=resolve_by,
        acknowledge_overdue=complaint.stage == Stage.RECEIVED and today > ack_by,
        resolution_overdue=open_ and today > resolve_by)
