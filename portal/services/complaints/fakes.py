"""Reports of suspected fakes, and the public alerts staff publish from them."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import clock
from portal.domain.complaints import FakeReportKind, FakeReportStatus
from portal.extensions import db
from portal.models import Alert, AlertKind, User
from portal.models.complaint import FakeReport
from portal.services import audit_log, uploads
from portal.services.complaints.errors import ComplaintError
from portal.services.complaints.notify import send
from portal.services.complaints.recipients import acknowledgement_allowed


@dataclass(frozen=True)
class NewFakeReport:
    kind: FakeReportKind
    description: str
    certificate_number: str = ""
    url: str = ""
    name: str = ""
    email: str = ""
    lang: str = "zh"


def file_fake_report(data: NewFakeReport, photo: uploads.CheckedFile | None, *,
                     now: datetime) -> FakeReport:
    """Register a report of a suspected fake; thank the reporter when they gave an address."""
    stored = uploads.store(photo, folder="fake-reports") if photo else ""
    try:
        report = FakeReport(
            kind=data.kind, certificate_number=data.certificate_number, url=data.url,
            description=data.description, name=data.name, email=data.email,
            lang="en" if data.lang == "en" else "zh", status=FakeReportStatus.NEW,
            created_at=now, photo_stored_name=stored,
            photo_filename=photo.filename if photo else "",
            photo_content_type=photo.content_type if photo else "",
            photo_size=photo.size if photo else 0)
        db.session.add(report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        uploads.delete(stored)
        raise
    if report.email and acknowledgement_allowed(FakeReport.email, FakeReport.created_at,
                                                report.email, now=now):
        send(report.email, report.lang, "emails/fake_report_received.txt",
              _l("Thank you for your report"), report=report)
    return report


def list_fake_reports(*, status: str = "") -> list[FakeReport]:
    """Return reports, newest first, optionally of one status."""
    query = select(FakeReport).order_by(FakeReport.created_at.desc())
    if status in {s.value for s in FakeReportStatus}:
        query = query.where(FakeReport.status == FakeReportStatus(status))
    return list(db.session.scalars(query.limit(500)))


def publish_alert(report: FakeReport, *, actor: User, value: str, description_zh: str,
                  description_en: str, now: datetime, ip: str = "") -> Alert:
    """Publish a public warning on /alerts from a report, and mark the report triaged."""
    if not value.strip():
        raise ComplaintError(_("Give the certificate number or web address the alert is about."))
    if not description_zh.strip():
        raise ComplaintError(_("Write the alert text in Chinese."))
    kind = (AlertKind.LOOKALIKE_SITE if report.kind == FakeReportKind.LOOKALIKE_SITE
            else AlertKind.COUNTERFEIT_NUMBER)
    alert = Alert(kind=kind, value=value.strip(), description_zh=description_zh.strip(),
                  description_en=description_en.strip(), published_on=now.astimezone(
                      clock.CHINA).date(), active=True, created_by=actor.email, created_at=now)
    db.session.add(alert)
    before = {"status": report.status.value}
    report.status = FakeReportStatus.ALERT_PUBLISHED
    report.alert = alert
    report.handled_by = actor.email
    report.handled_at = now
    db.session.flush()
    audit_log.record(actor=actor.email, action="fake_report.publish_alert",
                     entity_type="fake_report", entity_id=str(report.id), before=before,
                     after={"status": report.status.value, "alert_id": alert.id,
                            "value": alert.value}, now=now, ip=ip)
    db.session.commit()
    return alert


def dismiss_fake_report(report: FakeReport, *, actor: User, note: str, now: datetime,
                        ip: str = "") -> None:
    """Mark a report triaged without an alert, with the reason kept internally."""
    if not note.strip():
        raise ComplaintError(_("Note why no alert is published."))
    before = {"status": report.status.value}
    report.status = FakeReportStatus.NO_ACTION
    report.triage_note = note.strip()
    report.handled_by = actor.email
    report.handled_at = now
    audit_log.record(actor=actor.email, action="fake_report.no_action",
                     entity_type="fake_report", entity_id=str(report.id), before=before,
                     after={"status": report.status.value, "note": report.triage_note},
                     now=now, ip=ip)
    db.session.commit()
