"""Complaints and appeals from filing to closing, and reports of suspected fakes (SPEC §5).

Every function takes the acting staff member and `now` explicitly, commits its own
transaction (with an audit log entry for staff writes) and e-mails the complainant after the
commit. Rules: a reference `TS-YYYY-NNNNNN` is handed out from a per-year counter row locked in
the same transaction as the insert, so references stay sequential and gap-free under
concurrent filing; the tracking code is kept only as an HMAC; a handler or decider must have
had no part in the organisation's audits or certification decisions, and an appeal is decided
by someone other than who made the decision it contests.
"""

import hashlib
import hmac
import json
import logging
import secrets
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import clock
from portal.domain.complaints import (
    ComplaintAbout,
    ComplaintKind,
    ComplaintStage,
    FakeReportKind,
    FakeReportStatus,
    acknowledge_due,
    ensure_can_move,
    format_reference,
    normalise_reference,
    parse_holidays,
    resolution_due,
)
from portal.extensions import db
from portal.models import Alert, AlertKind, Audit, Certificate, CertificateEvent, User
from portal.models.complaint import (
    Complaint,
    ComplaintAttachment,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintEventKind,
    FakeReport,
)
from portal.services import audit_log, mail, uploads
from portal.services import certificates as certificate_service

log = logging.getLogger(__name__)
Stage = ComplaintStage
EventKind = ComplaintEventKind

DEFAULT_TARGET_DAYS = 60
DEFAULT_RETENTION_DAYS = 3 * 365

STAGE_LABELS = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "under_investigation": _l("Under investigation"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
}
STAGE_EXPLANATIONS = {
    "received": _l("Your case has been registered."),
    "acknowledged": _l("We have checked that your case concerns certification activities and "
                       "accepted it for handling."),
    "under_investigation": _l("A handler with no involvement in the matter is gathering and "
                              "verifying the information."),
    "decided": _l("A decision has been made and is given below."),
    "closed": _l("Handling of the case is finished."),
}
KIND_LABELS = {"complaint": _l("Complaint"), "appeal": _l("Appeal")}
KIND_NOUNS = {"complaint": _l("complaint"), "appeal": _l("appeal")}  # inside a sentence
ABOUT_LABELS = {
    "certified_organization": _l("An organisation certified by us"),
    "certification_body": _l("Our certification body or its staff"),
}
FAKE_KIND_LABELS = {
    "counterfeit_certificate": _l("Suspected counterfeit certificate"),
    "lookalike_site": _l("Look-alike verification website"),
    "other": _l("Other misuse of certificates or marks"),
}
FAKE_STATUS_LABELS = {
    "new": _l("New"),
    "alert_published": _l("Alert published"),
    "no_action": _l("Triaged, no alert"),
}


class ComplaintError(ValueError):
    """A workflow step that cannot be taken; `message` is shown to staff."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)  # translated when shown, not when raised


class ImpartialityError(ComplaintError):
    """The chosen person took part in the matter and may not handle or decide it."""


# --- filing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewComplaint:
    """What the complainant filled in on the form."""

    kind: ComplaintKind
    about: ComplaintAbout
    name: str
    email: str
    subject: str
    description: str
    certificate_number: str = ""
    phone: str = ""
    lang: str = "zh"


@dataclass(frozen=True)
class Filed:
    """A filed complaint and its tracking code (shown once, stored only as a hash).

    `duplicate` means the same form had just been filed: `complaint` is that case, and there
    is no new code (the first answer showed it and the acknowledgement e-mailed it).
    """

    complaint: Complaint
    tracking_code: str
    mail_sent: bool
    duplicate: bool = False


# A form sent again this soon with the same content (a double click, a reload of the answer
# page) is the same case, not a new one.
DUPLICATE_WINDOW = timedelta(hours=1)


def _same_case_filed(data: NewComplaint, now: datetime) -> Complaint | None:
    """Return a case filed within DUPLICATE_WINDOW with exactly the same content, if any."""
    return db.session.scalar(select(Complaint).where(
        Complaint.email == data.email, Complaint.kind == data.kind,
        Complaint.about == data.about, Complaint.subject == data.subject,
        Complaint.description == data.description, Complaint.purged_at.is_(None),
        Complaint.received_at > now - DUPLICATE_WINDOW, Complaint.received_at <= now,
    ).order_by(Complaint.received_at.desc()).limit(1))


_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed by hand


def new_tracking_code() -> str:
    """Return a random code like `K7QM-3WXA-PZ9E` (about 59 bits)."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(chars[i:i + 4] for i in range(0, 12, 4))


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def hash_tracking_code(code: str) -> str:
    """Return the HMAC-SHA256 of a tracking code, keyed from SECRET_KEY (a pepper)."""
    key = hashlib.sha256(b"complaint-tracking-code:" +
                         str(current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, _normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _next_sequence(year: int) -> int:
    """Increment and return the counter of `year`, locking its row until commit."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ComplaintCounter).values(year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ComplaintCounter.year],
        set_={"last_value": ComplaintCounter.last_value + 1},
    ).returning(ComplaintCounter.last_value)
    return int(db.session.execute(stmt).scalar_one())


def file_complaint(data: NewComplaint, files: Sequence[uploads.CheckedFile] = (), *,
                   now: datetime) -> Filed:
    """Register a complaint or appeal with its files and send the acknowledgement e-mail.

    The same form filed again within DUPLICATE_WINDOW returns the first case, unchanged.
    """
    cert = (certificate_service.get_by_number(data.certificate_number)
            if data.certificate_number else None)
    year = now.astimezone(clock.CHINA).year
    code = new_tracking_code()
    stored: list[str] = []
    try:
        sequence = _next_sequence(year)
        # Checked after taking the year's counter: a twin sent at the same moment waits for
        # this transaction, then finds its case (and its number goes back to the counter).
        earlier = _same_case_filed(data, now)
        if earlier is not None:
            db.session.rollback()
            return Filed(complaint=earlier, tracking_code="", mail_sent=False, duplicate=True)
        complaint = Complaint(
            reference=format_reference(year, sequence), year=year, sequence=sequence,
            tracking_code_hash=hash_tracking_code(code), kind=data.kind, about=data.about,
            certificate_number=cert.certificate_number if cert else data.certificate_number,
            certificate_id=cert.id if cert else None, name=data.name, email=data.email,
            phone=data.phone, subject=data.subject, description=data.description,
            lang="en" if data.lang == "en" else "zh", stage=Stage.RECEIVED, received_at=now,
            updated_at=now)
        db.session.add(complaint)
        complaint.events.append(ComplaintEvent(kind=EventKind.STAGE, stage=Stage.RECEIVED,
                                               public=True, actor="public", at=now))
        for file in files:
            name = uploads.store(file, folder="complaints")
            stored.append(name)
            complaint.attachments.append(ComplaintAttachment(
                filename=file.filename, content_type=file.content_type, size=file.size,
                sha256=file.sha256, stored_name=name, created_at=now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in stored:
            uploads.delete(name)
        raise
    sent = _mail_complainant(complaint, "emails/complaint_received.txt",
                             subject=_l("We received your %(kind)s %(reference)s"),
                             tracking_code=code)
    return Filed(complaint=complaint, tracking_code=code, mail_sent=sent)


# --- the public tracker -------------------------------------------------------------------

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


# --- deadlines ----------------------------------------------------------------------------


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


# --- staff: finding cases -----------------------------------------------------------------


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


# --- staff: impartiality ------------------------------------------------------------------


def _related_certificates(complaint: Complaint) -> list[Certificate]:
    """Return the certificate concerned and the organisation's other certificates."""
    cert = complaint.certificate
    if cert is None:
        return []
    if not cert.credit_code:
        return [cert]
    return list(db.session.scalars(select(Certificate).where(
        or_(Certificate.id == cert.id, Certificate.credit_code == cert.credit_code))))


def conflicts(complaint: Complaint, email: str) -> list[str]:
    """Return why `email` took part in the matter (audits, certification decisions), if so."""
    who = email.strip().lower()
    reasons: list[str] = []
    certs = _related_certificates(complaint)
    if not certs:
        return reasons
    ids = [c.id for c in certs]
    for audit in db.session.scalars(select(Audit).where(Audit.certificate_id.in_(ids))):
        if who in {a.strip().lower() for a in audit.auditors or []}:
            reasons.append(_("%(email)s took part in the audit of certificate %(number)s on "
                             "%(date)s.", email=email, number=audit.certificate.certificate_number,
                             date=audit.audit_date.isoformat()))
    events = db.session.scalars(select(CertificateEvent).where(
        CertificateEvent.certificate_id.in_(ids), func.lower(CertificateEvent.actor) == who))
    for event in events:
        reasons.append(_("%(email)s took part in a certification decision on certificate "
                         "%(number)s (%(date)s).", email=email,
                         number=event.certificate.certificate_number,
                         date=event.effective_date.isoformat()))
    return reasons


def _ensure_impartial(complaint: Complaint, user: User, *, deciding: bool) -> None:
    reasons = conflicts(complaint, user.email)
    if reasons:
        lead = (_("%(email)s may not decide this case: the decision must be made by someone "
                  "with no part in the matter.", email=user.email) if deciding else
                _("%(email)s may not handle this case: the handler must have had no part in "
                  "the organisation's audits or certification decisions.", email=user.email))
        raise ImpartialityError(" ".join([lead, *reasons]))
    if deciding and complaint.kind == ComplaintKind.APPEAL and complaint.appeal_of is not None:
        original = complaint.appeal_of.decided_by.strip().lower()
        if original and original == user.email.strip().lower():
            raise ImpartialityError(_(
                "%(email)s decided %(reference)s, which this appeal contests; the appeal must be "
                "decided by someone else.", email=user.email,
                reference=complaint.appeal_of.reference))


def eligible_handlers(complaint: Complaint) -> list[tuple[User, list[str]]]:
    """Return active complaints staff (and admins) with their conflicts, if any."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [(u, conflicts(complaint, u.email)) for u in users if u.has_role("complaints")]


# --- staff: workflow steps ----------------------------------------------------------------


# The audit log is append-only and kept for good, so it never copies what people wrote (it may
# name people): it points at the case-record entry, whose text the retention purge removes.
def _snapshot(complaint: Complaint) -> dict[str, Any]:
    return {"stage": complaint.stage.value, "handler": complaint.handler_email,
            "decided_by": complaint.decided_by, "outcome_chars": len(complaint.outcome)}


def _entry_ref(event: ComplaintEvent) -> dict[str, Any]:
    db.session.flush()  # gives the entry its id
    return {"event_id": event.id, "public": event.public, "chars": len(event.text)}


def _move(complaint: Complaint, target: ComplaintStage, *, actor: User, text: str,
          now: datetime) -> None:
    try:
        ensure_can_move(complaint.stage, target)
    except ValueError as exc:
        raise ComplaintError(_("The case is %(stage)s; it cannot move to %(target)s.",
                               stage=STAGE_LABELS[complaint.stage.value],
                               target=STAGE_LABELS[target.value])) from exc
    complaint.stage = target
    complaint.updated_at = now
    complaint.events.append(ComplaintEvent(kind=EventKind.STAGE, stage=target, public=True,
                                           text=text, actor=actor.email, at=now))


def _commit(complaint: Complaint, action: str, before: dict[str, Any] | None, *, actor: User,
            now: datetime, ip: str, after: dict[str, Any] | None = None) -> None:
    audit_log.record(actor=actor.email, action=f"complaint.{action}", entity_type="complaint",
                     entity_id=complaint.reference, before=before,
                     after=after if after is not None else _snapshot(complaint), now=now, ip=ip)
    db.session.commit()


def _stage_mail(complaint: Complaint, message: str) -> bool:
    return _mail_complainant(complaint, "emails/complaint_stage.txt",
                             subject=_l("%(reference)s: %(stage)s"), message=message)


def acknowledge(complaint: Complaint, *, actor: User, message: str, now: datetime,
                ip: str = "") -> bool:
    """Accept a received case as a complaint about certification activities; mail the sender."""
    before = _snapshot(complaint)
    _move(complaint, Stage.ACKNOWLEDGED, actor=actor, text=message.strip(), now=now)
    complaint.acknowledged_at = now
    _commit(complaint, "acknowledge", before, actor=actor, now=now, ip=ip)
    return _stage_mail(complaint, message.strip())


def reject(complaint: Complaint, *, actor: User, reason: str, now: datetime,
           ip: str = "") -> bool:
    """Close a received case that is not accepted, telling the complainant why."""
    if complaint.stage != Stage.RECEIVED:
        raise ComplaintError(_("Only a case that was just received can be closed as not "
                               "accepted."))
    if not reason.strip():
        raise ComplaintError(_("Explain to the complainant why the case is not accepted."))
    before = _snapshot(complaint)
    _move(complaint, Stage.CLOSED, actor=actor, text=reason.strip(), now=now)
    complaint.outcome = reason.strip()
    complaint.closed_at = now
    _commit(complaint, "reject", before, actor=actor, now=now, ip=ip)
    return _stage_mail(complaint, reason.strip())


def assign_handler(complaint: Complaint, handler: User, *, actor: User, now: datetime,
                   ip: str = "") -> None:
    """Make `handler` responsible for the case unless they took part in the matter."""
    if complaint.stage == Stage.CLOSED:
        raise ComplaintError(_("The case is closed."))
    if not handler.active or not handler.has_role("complaints"):
        raise ComplaintError(_("%(email)s does not handle complaints.", email=handler.email))
    _ensure_impartial(complaint, handler, deciding=False)
    before = _snapshot(complaint)
    complaint.handler_email = handler.email
    complaint.updated_at = now
    complaint.events.append(ComplaintEvent(kind=EventKind.ASSIGNED, public=False,
                                           text=handler.email, actor=actor.email, at=now))
    _commit(complaint, "assign", before, actor=actor, now=now, ip=ip)


def start_investigation(complaint: Complaint, *, actor: User, message: str, now: datetime,
                        ip: str = "") -> bool:
    """Start gathering and verifying information; needs an impartial handler first."""
    if not complaint.handler_email:
        raise ComplaintError(_("Assign a handler before the investigation starts."))
    before = _snapshot(complaint)
    _move(complaint, Stage.UNDER_INVESTIGATION, actor=actor, text=message.strip(), now=now)
    complaint.investigation_started_at = now
    _commit(complaint, "investigate", before, actor=actor, now=now, ip=ip)
    return _stage_mail(complaint, message.strip())


def record_action(complaint: Complaint, *, actor: User, text: str, tell_complainant: bool,
                  now: datetime, ip: str = "") -> bool:
    """Record an investigation step; when told to the complainant it is mailed and tracked."""
    if not text.strip():
        raise ComplaintError(_("Describe the action."))
    if complaint.stage == Stage.CLOSED:
        raise ComplaintError(_("The case is closed."))
    event = ComplaintEvent(kind=EventKind.ACTION, public=tell_complainant, text=text.strip(),
                           actor=actor.email, at=now)
    complaint.events.append(event)
    complaint.updated_at = now
    _commit(complaint, "action", None, actor=actor, now=now, ip=ip, after=_entry_ref(event))
    if tell_complainant:
        return _mail_complainant(complaint, "emails/complaint_message.txt",
                                 subject=_l("%(reference)s: a message about your case"),
                                 message=text.strip())
    return True


def add_note(complaint: Complaint, *, actor: User, text: str, now: datetime,
             ip: str = "") -> None:
    """Add an internal note (never shown to the complainant or the public)."""
    if not text.strip():
        raise ComplaintError(_("Write the note."))
    event = ComplaintEvent(kind=EventKind.NOTE, public=False, text=text.strip(),
                           actor=actor.email, at=now)
    complaint.events.append(event)
    complaint.updated_at = now
    _commit(complaint, "note", None, actor=actor, now=now, ip=ip, after=_entry_ref(event))


def link_appeal(complaint: Complaint, original_reference: str, *, actor: User, now: datetime,
                ip: str = "") -> None:
    """Record which earlier case an appeal contests (its decider may not decide the appeal)."""
    if complaint.kind != ComplaintKind.APPEAL:
        raise ComplaintError(_("Only an appeal can be linked to the case it contests."))
    original = get_by_reference(original_reference)
    if original is None or original.id == complaint.id:
        raise ComplaintError(_("There is no other case with reference %(reference)s.",
                               reference=original_reference.strip()))
    before = _snapshot(complaint)
    complaint.appeal_of = original
    complaint.updated_at = now
    complaint.events.append(ComplaintEvent(kind=EventKind.LINKED, public=False,
                                           text=original.reference, actor=actor.email, at=now))
    _commit(complaint, "link", before, actor=actor, now=now, ip=ip,
            after={**_snapshot(complaint), "appeal_of": original.reference})


def decide(complaint: Complaint, *, actor: User, outcome: str, note: str, now: datetime,
           ip: str = "") -> bool:
    """Decide the case and publish `outcome` to the complainant (by an impartial decider)."""
    if not outcome.strip():
        raise ComplaintError(_("Write the outcome the complainant will receive."))
    _ensure_impartial(complaint, actor, deciding=True)
    before = _snapshot(complaint)
    _move(complaint, Stage.DECIDED, actor=actor, text=outcome.strip(), now=now)
    complaint.outcome = outcome.strip()
    complaint.decided_by = actor.email
    complaint.decided_at = now
    if note.strip():
        complaint.events.append(ComplaintEvent(kind=EventKind.NOTE, public=False,
                                               text=note.strip(), actor=actor.email, at=now))
    _commit(complaint, "decide", before, actor=actor, now=now, ip=ip)
    return _stage_mail(complaint, outcome.strip())


def close(complaint: Complaint, *, actor: User, message: str, now: datetime,
          ip: str = "") -> bool:
    """Close a decided case (the outcome stays published on the tracker)."""
    if complaint.stage != Stage.DECIDED:
        raise ComplaintError(_("Only a decided case can be closed; a received case that is not "
                               "accepted is closed with a reason instead."))
    before = _snapshot(complaint)
    _move(complaint, Stage.CLOSED, actor=actor, text=message.strip(), now=now)
    complaint.closed_at = now
    _commit(complaint, "close", before, actor=actor, now=now, ip=ip)
    return _stage_mail(complaint, message.strip())


def export_complaint(complaint: Complaint, *, actor: User, now: datetime,
                     ip: str = "") -> dict[str, Any]:
    """Return what the complainant sent and was told, as JSON-ready data (records the export)."""
    data = {
        "reference": complaint.reference,
        "kind": complaint.kind.value,
        "about": complaint.about.value,
        "certificate_number": complaint.certificate_number,
        "name": complaint.name,
        "email": complaint.email,
        "phone": complaint.phone,
        "subject": complaint.subject,
        "description": complaint.description,
        "received_at": complaint.received_at.isoformat(),
        "stage": complaint.stage.value,
        "timeline": [{"stage": e.stage.value if e.stage else None, "kind": e.kind.value,
                      "at": e.at.isoformat(), "text": e.text}
                     for e in complaint.public_events],
        "outcome": complaint.outcome,
        "attachments": [{"filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "sha256": a.sha256} for a in complaint.attachments],
        "exported_at": now.isoformat(),
    }
    complaint.events.append(ComplaintEvent(kind=EventKind.EXPORTED, public=False,
                                           actor=actor.email, at=now))
    _commit(complaint, "export", None, actor=actor, now=now, ip=ip, after={"exported": True})
    return data


def export_json(data: dict[str, Any]) -> str:
    """Serialise an export readably (UTF-8, Chinese kept as is)."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def attachment(complaint: Complaint, attachment_id: int) -> ComplaintAttachment | None:
    """Return one attachment of the case."""
    return next((a for a in complaint.attachments if a.id == attachment_id), None)


# --- retention ----------------------------------------------------------------------------


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


# --- statistics for /transparency ---------------------------------------------------------


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


# --- reports of suspected fakes -----------------------------------------------------------


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
    if report.email:
        _send(report.email, report.lang, "emails/fake_report_received.txt",
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


# --- mail ---------------------------------------------------------------------------------


def _mail_complainant(complaint: Complaint, template: str, *, subject: Any,
                      **context: Any) -> bool:
    if not complaint.email:
        return False
    return _send(complaint.email, complaint.lang, template, subject, complaint=complaint,
                 **context)


def _send(to: str, lang: str, template: str, subject: Any, **context: Any) -> bool:
    """Render and send one message in the recipient's language; log and report failures."""
    base = current_app.config["PUBLIC_BASE_URL"]
    with force_locale("en" if lang == "en" else "zh_CN"):
        complaint = context.get("complaint")
        values = {"reference": complaint.reference if complaint else "",
                  "kind": KIND_NOUNS[complaint.kind.value] if complaint else "",
                  "stage": STAGE_LABELS[complaint.stage.value] if complaint else ""}
        text_subject = str(subject) % {k: str(v) for k, v in values.items()}
        body = render_template(template, track_url=f"{base}/complaints/track",
                               target_days=target_days(), STAGE_LABELS=STAGE_LABELS,
                               KIND_NOUNS=KIND_NOUNS, **context)
    try:
        mail.send_mail(to=to, subject=text_subject, body=body)
    except mail.MailError:
        log.exception("complaint mail to %s failed", to)
        return False
    return True
