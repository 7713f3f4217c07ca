"""Complaints and appeals from filing to closing, and reports of suspected fakes.

The package is split along the case's life: `filing` (reference, tracking code, first mail),
`tracking` (the public tracker), `deadlines`, `queue` (finding cases for staff),
`impartiality` (who may handle or decide), `workflow` (staff steps), `retention`, `figures`
(statistics for /transparency), `fakes` (reports of fakes and public alerts), `notify` (mail)
and `labels`. Callers import the names below from `portal.services.complaints`.
"""

from portal.domain.complaints import ComplaintAbout, ComplaintKind, ComplaintStage
from portal.services.complaints.deadlines import (
    DEFAULT_TARGET_DAYS,
    Deadlines,
    deadlines,
    holidays,
    target_days,
)
from portal.services.complaints.errors import ComplaintError, ImpartialityError
from portal.services.complaints.fakes import (
    NewFakeReport,
    dismiss_fake_report,
    file_fake_report,
    list_fake_reports,
    publish_alert,
)
from portal.services.complaints.figures import complaint_statistics
from portal.services.complaints.filing import (
    DUPLICATE_WINDOW,
    Filed,
    NewComplaint,
    file_complaint,
    hash_tracking_code,
    new_tracking_code,
)
from portal.services.complaints.impartiality import (
    Participation,
    conflicts,
    conflicts_of,
    eligible_handlers,
    participation,
)
from portal.services.complaints.labels import (
    ABOUT_LABELS,
    FAKE_KIND_LABELS,
    FAKE_STATUS_LABELS,
    KIND_LABELS,
    KIND_NOUNS,
    STAGE_EXPLANATIONS,
    STAGE_LABELS,
)
from portal.services.complaints.queue import get_by_reference, list_complaints
from portal.services.complaints.retention import (
    DEFAULT_RETENTION_DAYS,
    purge_expired,
    retention_days,
)
from portal.services.complaints.tracking import TimelineStep, timeline, track
from portal.services.complaints.workflow import (
    acknowledge,
    add_note,
    assign_handler,
    attachment,
    close,
    decide,
    export_complaint,
    export_data,
    export_json,
    link_appeal,
    record_action,
    record_export,
    reject,
    start_investigation,
)

__all__ = [
    "ABOUT_LABELS", "DEFAULT_RETENTION_DAYS", "DEFAULT_TARGET_DAYS", "DUPLICATE_WINDOW",
    "FAKE_KIND_LABELS", "FAKE_STATUS_LABELS", "KIND_LABELS", "KIND_NOUNS", "STAGE_EXPLANATIONS",
    "STAGE_LABELS", "ComplaintAbout", "ComplaintError", "ComplaintKind", "ComplaintStage",
    "Deadlines", "Filed", "ImpartialityError", "NewComplaint", "NewFakeReport", "Participation",
    "TimelineStep", "acknowledge", "add_note", "assign_handler", "attachment", "close",
    "complaint_statistics", "conflicts", "conflicts_of", "deadlines", "decide",
    "dismiss_fake_report", "eligible_handlers", "export_complaint", "export_data", "export_json",
    "file_complaint", "file_fake_report", "get_by_reference", "hash_tracking_code", "holidays",
    "link_appeal", "list_complaints", "list_fake_reports", "new_tracking_code", "participation",
    "publish_alert", "purge_expired", "record_action", "record_export", "reject", "retention_days",
    "start_investigation", "target_days", "timeline", "track",
]
