"""Applications for certification and quote requests, from filing to closing (issue #16).

Built like the complaints workflow: a reference `SQ-YYYY-NNNNNN` from a per-year counter row
locked in the same transaction as the insert (sequential and gap-free under concurrent
filing), a tracking code kept only as an HMAC, an e-mail to the applicant at every stage, an
audit-log entry for every staff write and a retention purge. The report's rule: every
application is reviewed by market, technical and project-management staff before it is
quoted or accepted, no reviewer may have consulted for, worked for, audited or certified the
organisation, and a refusal always states its reason to the applicant.
"""

import hashlib
import hmac
import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from portal.domain.applications import (
    FIRST_ANSWERS,
    ApplicationStage,
    ConflictRelation,
    DeclineReason,
    RequestKind,
    ReviewKind,
    ReviewOutcome,
    ensure_can_move,
    format_reference,
    normalise_reference,
)
from portal.domain.codes import normalise_credit_code
from portal.domain.complaints import add_working_days
from portal.extensions import db
from portal.models import Audit, Certificate, CertificateEvent, User
from portal.models.application import (
    Application,
    ApplicationAttachment,
    ApplicationCounter,
    ApplicationEvent,
    ApplicationEventKind,
    ApplicationReview,
    ApplicationSite,
    ConflictDeclaration,
)
from portal.services import audit_log, mail, uploads
from portal.services.complaints import holidays, new_tracking_code

log = logging.getLogger(__name__)
Stage = ApplicationStage
EventKind = ApplicationEventKind

DEFAULT_ANSWER_WORKING_DAYS = 10
DEFAULT_RETENTION_DAYS = 3 * 365
DUPLICATE_WINDOW = timedelta(hours=1)

STAGE_LABELS = {
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "quoted": _l("Quoted"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "contract": _l("Contract signed"),
    "closed": _l("Closed"),
}
STAGE_EXPLANATIONS = {
    "received": _l("Your application has been registered."),
    "under_review": _l("Our market, technical and project-management staff are reviewing "
                       "your application."),
    "quoted": _l("We have sent you a written quotation."),
    "accepted": _l("We can certify you for what you asked: the contract comes next."),
    "declined": _l("We cannot accept the application; the reason is given below."),
    "contract": _l("The certification contract is signed; we agree the audit dates with you."),
    "closed": _l("Handling of the application is finished."),
}
KIND_LABELS = {
    "quote": _l("A quotation only"),
    "application": _l("Initial certification"),
    "transfer": _l("Transfer from another certification body"),
}
REVIEW_LABELS = {
    "market": _l("Market review"),
    "technical": _l("Technical review"),
    "project_management": _l("Project-management review"),
}
OUTCOME_LABELS = {"positive": _l("Positive"), "negative": _l("Negative")}
DECLINE_LABELS = {
    "out_of_scope": _l("Outside our approved scope"),
    "conditions_not_met": _l("Conditions for applying not met"),
    "impartiality": _l("Risk to impartiality"),
    "competence": _l("No competent auditors for the sector"),
    "incomplete": _l("Information incomplete"),
    "other": _l("Other reason"),
}
RELATION_LABELS = {
    "consulted": _l("Gave consultancy to the organisation"),
    "employed": _l("Worked for the organisation"),
    "other": _l("Other tie to the organisation"),
}


class ApplicationError(ValueError):
    """A workflow step that cannot be taken; `message` is shown to staff."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class ImpartialityError(ApplicationError):
    """The chosen person has a tie to the organisation and may not review the application."""


# --- filing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSite:
    address: str
    headcount: int
    shifts: int


@dataclass(frozen=True)
class NewApplication:
    """What the applicant filled in on the form."""

    request_kind: RequestKind
    schemes: tuple[str, ...]
    organisation_name_zh: str
    credit_code: str
    address: str
    headcount: int
    shifts: int
    scope: str
    contact_name: str
    email: str
    phone: str
    organisation_name_en: str = ""
    standard: str = ""
    sites: tuple[NewSite, ...] = ()
    transfer_body: str = ""
    transfer_certificate_number: str = ""
    transfer_expiry: date | None = None
    notes: str = ""
    lang: str = "zh"
    is_demo: bool = False


@dataclass(frozen=True)
class Filed:
    """A filed application and its tracking code (shown once, stored only as a hash)."""

    application: Application
    tracking_code: str
    mail_sent: bool
    duplicate: bool = False


def hash_tracking_code(code: str) -> str:
    """Return the HMAC-SHA256 of a tracking code, keyed from SECRET_KEY."""
    key = hashlib.sha256(b"application-tracking-code:" +
                         str(current_app.config["SECRET_KEY"]).encode()).digest()
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def _next_sequence(year: int) -> int:
    """Increment and return the counter of `year`, locking its row until commit."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ApplicationCounter).values(year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ApplicationCounter.year],
        set_={"last_value": ApplicationCounter.last_value + 1},
    ).returning(ApplicationCounter.last_value)
    return int(db.session.execute(stmt).scalar_one())


def _same_application_filed(data: NewApplication, now: datetime) -> Application | None:
    """Return an application filed within DUPLICATE_WINDOW with the same content, if any."""
    return db.session.scalar(select(Application).where(
        Application.email == data.email, Application.credit_code == data.credit_code,
        Application.request_kind == data.request_kind, Application.scope == data.scope,
        Application.purged_at.is_(None), Application.received_at > now - DUPLICATE_WINDOW,
        Application.received_at <= now,
    ).order_by(Application.received_at.desc()).limit(1))


def file_application(data: NewApplication, files: Sequence[uploads.CheckedFile] = (), *,
                     now: datetime, send: bool = True) -> Filed:
    """Register an application with its sites and files and send the acknowledgement e-mail.

    The same form sent again within DUPLICATE_WINDOW returns the first application, unchanged.
    """
    year = now.astimezone(clock.CHINA).year
    code = new_tracking_code()
    stored: list[str] = []
    try:
        sequence = _next_sequence(year)
        # Checked after taking the counter: a twin sent at the same moment waits for this
        # transaction, then finds the application (and its number goes back to the counter).
        earlier = _same_application_filed(data, now)
        if earlier is not None:
            db.session.rollback()
            return Filed(application=earlier, tracking_code="", mail_sent=False,
                         duplicate=True)
        application = Application(
            reference=format_reference(year, sequence), year=year, sequence=sequence,
            tracking_code_hash=hash_tracking_code(code), request_kind=data.request_kind,
            schemes=list(data.schemes), organisation_name_zh=data.organisation_name_zh,
            organisation_name_en=data.organisation_name_en,
            credit_code=normalise_credit_code(data.credit_code), address=data.address,
            headcount=data.headcount, shifts=data.shifts, scope=data.scope,
            standard=data.standard, transfer_body=data.transfer_body,
            transfer_certificate_number=data.transfer_certificate_number,
            transfer_expiry=data.transfer_expiry, contact_name=data.contact_name,
            email=data.email, phone=data.phone, notes=data.notes,
            lang="en" if data.lang == "en" else "zh", stage=Stage.RECEIVED, received_at=now,
            updated_at=now, is_demo=data.is_demo)
        db.session.add(application)
        for position, site in enumerate(data.sites, start=1):
            application.sites.append(ApplicationSite(position=position, address=site.address,
                                                     headcount=site.headcount,
                                                     shifts=site.shifts))
        application.events.append(ApplicationEvent(kind=EventKind.STAGE, stage=Stage.RECEIVED,
                                                   public=True, actor="public", at=now))
        for file in files:
            name = uploads.store(file, folder="applications")
            stored.append(name)
            application.attachments.append(ApplicationAttachment(
                filename=file.filename, content_type=file.content_type, size=file.size,
                sha256=file.sha256, stored_name=name, created_at=now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in stored:
            uploads.delete(name)
        raise
    sent = send and _mail_applicant(application, "emails/application_received.txt",
                                    subject=_l("We received your application %(reference)s"),
                                    tracking_code=code)
    return Filed(application=application, tracking_code=code, mail_sent=bool(sent))


# --- the public tracker -------------------------------------------------------------------

_NO_MATCH = "0" * 64


def track(reference: str, code: str) -> Application | None:
    """Return the application only when both reference and tracking code match; else None.

    Unknown references and wrong codes take the same path (one lookup, one HMAC, one
    constant-time comparison).
    """
    ref = normalise_reference(reference)
    application = (db.session.scalar(select(Application).where(Application.reference == ref))
                   if ref else None)
    expected = application.tracking_code_hash if application is not None else _NO_MATCH
    matches = hmac.compare_digest(expected, hash_tracking_code(code))
    if application is None or not matches or application.purged_at is not None:
        return None
    return application


@dataclass(frozen=True)
class TimelineStep:
    stage: str
    at: datetime | None
    reached: bool
    current: bool


def timeline(application: Application) -> list[TimelineStep]:
    """Return the stages on the applicant's path, each with the date it was reached.

    Quoted, accepted and declined are alternatives: those not taken are left out once the
    first answer is given.
    """
    reached = {e.stage: e.at for e in application.events
               if e.kind == EventKind.STAGE and e.stage}
    answered = any(stage in reached for stage in FIRST_ANSWERS)
    steps = []
    for stage in Stage:
        if answered and stage in FIRST_ANSWERS and stage not in reached:
            continue
        if stage == Stage.DECLINED and not answered:
            continue  # not shown as a step still to come
        if Stage.DECLINED in reached and stage == Stage.CONTRACT:
            continue
        steps.append(TimelineStep(stage=stage.value, at=reached.get(stage),
                                  reached=stage in reached, current=stage == application.stage))
    return steps


# --- deadlines ----------------------------------------------------------------------------


def answer_working_days() -> int:
    """Return the target number of working days from receipt to the first answer."""
    return int(current_app.config.get("APPLICATION_ANSWER_WORKING_DAYS")
               or DEFAULT_ANSWER_WORKING_DAYS)


def answer_due(application: Application) -> date:
    """Return the last day for the first answer (quote, acceptance or refusal)."""
    received = application.received_at.astimezone(clock.CHINA).date()
    return add_working_days(received, answer_working_days(), holidays())


def is_overdue(application: Application, today: date) -> bool:
    """Tell whether the first answer is late (not given and its day has passed)."""
    return (application.answered_at is None and application.stage != Stage.CLOSED
            and today > answer_due(application))


# --- staff: finding applications ----------------------------------------------------------


def get_by_reference(reference: str) -> Application | None:
    """Return the application with `reference` (for staff)."""
    ref = normalise_reference(reference)
    return (db.session.scalar(select(Application).where(Application.reference == ref))
            if ref else None)


def list_applications(*, stage: str = "", text: str = "", overdue: bool = False,
                      reviewer: str = "", today: date) -> list[Application]:
    """Return applications matching the filters, newest first."""
    query = select(Application).order_by(Application.received_at.desc())
    if stage == "open":
        query = query.where(Application.stage.not_in([Stage.CLOSED, Stage.DECLINED]))
    elif stage in {s.value for s in Stage}:
        query = query.where(Application.stage == Stage(stage))
    if reviewer:
        query = query.where(Application.id.in_(select(ApplicationReview.application_id).where(
            func.lower(ApplicationReview.reviewer_email) == reviewer.strip().lower())))
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(or_(Application.reference.ilike(like),
                                Application.organisation_name_zh.ilike(like),
                                Application.organisation_name_en.ilike(like),
                                Application.credit_code.ilike(like),
                                Application.email.ilike(like)))
    rows = list(db.session.scalars(query.limit(1000)))
    if overdue:
        rows = [a for a in rows if is_overdue(a, today)]
    return rows


# --- impartiality -------------------------------------------------------------------------


def conflicts(application: Application, email: str) -> list[str]:
    """Return why `email` may not review: a declared tie, or a part in audits or decisions.

    The organisation is found by its credit code: its certificates' audits (`auditors`) and
    certification decisions (history `actor`), and declarations in `conflict_declarations`.
    """
    who = email.strip().lower()
    code = application.credit_code
    reasons: list[str] = []
    for declared in db.session.scalars(select(ConflictDeclaration).where(
            ConflictDeclaration.credit_code == code,
            func.lower(ConflictDeclaration.email) == who)):
        reasons.append(_("%(email)s declared: %(relation)s.", email=email,
                         relation=RELATION_LABELS[declared.relation.value]))
    certs = list(db.session.scalars(select(Certificate).where(Certificate.credit_code == code)))
    if not certs or not code:
        return reasons
    ids = [c.id for c in certs]
    for audit in db.session.scalars(select(Audit).where(Audit.certificate_id.in_(ids))):
        if who in {a.strip().lower() for a in audit.auditors or []}:
            reasons.append(_("%(email)s took part in the audit of certificate %(number)s on "
                             "%(date)s.", email=email, number=audit.certificate.certificate_number,
                             date=audit.audit_date.isoformat()))
    for event in db.session.scalars(select(CertificateEvent).where(
            CertificateEvent.certificate_id.in_(ids), func.lower(CertificateEvent.actor) == who)):
        reasons.append(_("%(email)s took part in a certification decision on certificate "
                         "%(number)s (%(date)s).", email=email,
                         number=event.certificate.certificate_number,
                         date=event.effective_date.isoformat()))
    return reasons


def _ensure_impartial(application: Application, email: str) -> None:
    reasons = conflicts(application, email)
    if reasons:
        lead = _("%(email)s may not review this application: reviewers must have no tie to "
                 "the organisation (no consultancy, employment, audit or certification "
                 "decision).", email=email)
        raise ImpartialityError(" ".join([lead, *reasons]))


def reviewers(application: Application) -> list[tuple[User, list[str]]]:
    """Return active sales staff (and admins) with their conflicts, if any."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [(u, conflicts(application, u.email)) for u in users if u.has_role("sales")]


# --- staff: workflow steps ----------------------------------------------------------------


# The audit log is append-only and kept for good: it never copies what people wrote.
def _snapshot(application: Application) -> dict[str, Any]:
    return {"stage": application.stage.value,
            "decline_reason": application.decline_reason.value
            if application.decline_reason else None,
            "answer_chars": len(application.answer),
            "reviews": {r.kind.value: {"reviewer": r.reviewer_email, "outcome":
                                       r.outcome.value if r.outcome else None,
                                       "by": r.reviewed_by}
                        for r in application.reviews}}


def _move(application: Application, target: ApplicationStage, *, actor: User, text: str,
          now: datetime) -> None:
    try:
        ensure_can_move(application.stage, target)
    except ValueError as exc:
        raise ApplicationError(_("The application is %(stage)s; it cannot move to %(target)s.",
                                 stage=STAGE_LABELS[application.stage.value],
                                 target=STAGE_LABELS[target.value])) from exc
    application.stage = target
    application.updated_at = now
    application.events.append(ApplicationEvent(kind=EventKind.STAGE, stage=target, public=True,
                                               text=text, actor=actor.email, at=now))


def _commit(application: Application, action: str, before: dict[str, Any] | None, *,
            actor: User, now: datetime, ip: str, after: dict[str, Any] | None = None) -> None:
    audit_log.record(actor=actor.email, action=f"application.{action}",
                     entity_type="application", entity_id=application.reference, before=before,
                     after=after if after is not None else _snapshot(application), now=now,
                     ip=ip)
    db.session.commit()


def _stage_mail(application: Application, message: str) -> bool:
    return _mail_applicant(application, "emails/application_stage.txt",
                           subject=_l("%(reference)s: %(stage)s"), message=message)


def start_review(application: Application, *, actor: User, message: str, now: datetime,
                 ip: str = "") -> bool:
    """Start the three reviews and tell the applicant."""
    before = _snapshot(application)
    _move(application, Stage.UNDER_REVIEW, actor=actor, text=message.strip(), now=now)
    application.review_started_at = now
    _commit(application, "review_start", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, message.strip())


def _review_row(application: Application, kind: ReviewKind) -> ApplicationReview:
    row = application.review(kind)
    if row is None:
        row = ApplicationReview(kind=kind)
        application.reviews.append(row)
    return row


def assign_reviewer(application: Application, kind: ReviewKind, reviewer: User, *,
                    actor: User, now: datetime, ip: str = "") -> None:
    """Make `reviewer` responsible for one review unless they have a tie to the organisation."""
    if application.stage in (Stage.CLOSED, Stage.DECLINED):
        raise ApplicationError(_("The application is closed."))
    if not reviewer.active or not reviewer.has_role("sales"):
        raise ApplicationError(_("%(email)s does not review applications.",
                                 email=reviewer.email))
    _ensure_impartial(application, reviewer.email)
    before = _snapshot(application)
    row = _review_row(application, kind)
    if row.reviewed_at is not None:
        raise ApplicationError(_("This review is already recorded."))
    row.reviewer_email = reviewer.email
    row.assigned_by = actor.email
    row.assigned_at = now
    application.updated_at = now
    application.events.append(ApplicationEvent(kind=EventKind.ASSIGNED, public=False,
                                               text=f"{kind.value}: {reviewer.email}",
                                               actor=actor.email, at=now))
    _commit(application, "assign", before, actor=actor, now=now, ip=ip)


def record_review(application: Application, kind: ReviewKind, *, actor: User,
                  outcome: ReviewOutcome, note: str, now: datetime, ip: str = "") -> None:
    """Record one review by the assigned reviewer (or, when none is, by an impartial actor)."""
    if application.stage != Stage.UNDER_REVIEW:
        raise ApplicationError(_("Reviews are recorded while the application is under review."))
    row = application.review(kind)
    assigned = row.reviewer_email if row else ""
    if assigned and assigned.lower() != actor.email.lower():
        raise ApplicationError(_("This review is assigned to %(email)s.", email=assigned))
    if row is not None and row.reviewed_at is not None:
        raise ApplicationError(_("This review is already recorded."))
    if outcome == ReviewOutcome.NEGATIVE and not note.strip():
        raise ApplicationError(_("Say why the review is negative."))
    _ensure_impartial(application, actor.email)
    before = _snapshot(application)
    row = _review_row(application, kind)
    row.reviewer_email = row.reviewer_email or actor.email
    row.outcome = outcome
    row.note = note.strip()
    row.reviewed_by = actor.email
    row.reviewed_at = now
    application.updated_at = now
    event = ApplicationEvent(kind=EventKind.REVIEW, public=False,
                             text=f"{kind.value}: {outcome.value}", actor=actor.email, at=now)
    application.events.append(event)
    _commit(application, "review", before, actor=actor, now=now, ip=ip)


def missing_reviews(application: Application) -> list[str]:
    """Return the review kinds not yet recorded as positive."""
    return [k.value for k in ReviewKind
            if (row := application.review(k)) is None or row.outcome != ReviewOutcome.POSITIVE]


def _ensure_reviewed(application: Application) -> None:
    missing = missing_reviews(application)
    if missing:
        raise ApplicationError(_(
            "Before a quotation or an acceptance, the market, technical and project-management "
            "reviews must all be recorded as positive. Missing: %(missing)s.",
            missing=", ".join(str(REVIEW_LABELS[k]) for k in missing)))


def _answer(application: Application, target: ApplicationStage, text: str, *, actor: User,
            now: datetime) -> None:
    _move(application, target, actor=actor, text=text, now=now)
    application.answer = text
    if application.answered_at is None:
        application.answered_at = now


def quote(application: Application, *, actor: User, text: str, now: datetime,
          ip: str = "") -> bool:
    """Send a written quotation (after three positive reviews)."""
    if not text.strip():
        raise ApplicationError(_("Write the quotation the applicant will receive."))
    _ensure_reviewed(application)
    before = _snapshot(application)
    _answer(application, Stage.QUOTED, text.strip(), actor=actor, now=now)
    _commit(application, "quote", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, text.strip())


def accept(application: Application, *, actor: User, text: str, now: datetime,
           ip: str = "") -> bool:
    """Accept the application (after three positive reviews) and tell the applicant."""
    _ensure_reviewed(application)
    before = _snapshot(application)
    _answer(application, Stage.ACCEPTED, text.strip(), actor=actor, now=now)
    _commit(application, "accept", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, text.strip())


def decline(application: Application, *, actor: User, reason_class: DeclineReason,
            reason: str, now: datetime, ip: str = "") -> bool:
    """Refuse the application; the stated reason is e-mailed and shown on the tracker."""
    if not reason.strip():
        raise ApplicationError(_("Explain to the applicant why the application is declined."))
    before = _snapshot(application)
    _answer(application, Stage.DECLINED, reason.strip(), actor=actor, now=now)
    application.decline_reason = reason_class
    _commit(application, "decline", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, reason.strip())


def record_contract(application: Application, *, actor: User, text: str, now: datetime,
                    ip: str = "") -> bool:
    """Record the signed certification contract."""
    before = _snapshot(application)
    _move(application, Stage.CONTRACT, actor=actor, text=text.strip(), now=now)
    application.contract_at = now
    _commit(application, "contract", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, text.strip())


def close(application: Application, *, actor: User, text: str, now: datetime,
          ip: str = "") -> bool:
    """Close the application (contract handed over to audit planning, quote not taken…)."""
    before = _snapshot(application)
    _move(application, Stage.CLOSED, actor=actor, text=text.strip(), now=now)
    application.closed_at = now
    _commit(application, "close", before, actor=actor, now=now, ip=ip)
    return _stage_mail(application, text.strip())


def add_note(application: Application, *, actor: User, text: str, now: datetime,
             ip: str = "") -> None:
    """Add an internal note (never shown to the applicant)."""
    if not text.strip():
        raise ApplicationError(_("Write the note."))
    event = ApplicationEvent(kind=EventKind.NOTE, public=False, text=text.strip(),
                             actor=actor.email, at=now)
    application.events.append(event)
    application.updated_at = now
    db.session.flush()
    _commit(application, "note", None, actor=actor, now=now, ip=ip,
            after={"event_id": event.id, "chars": len(event.text)})


def declare_conflict(application: Application, *, actor: User, email: str,
                     relation: ConflictRelation, note: str, now: datetime,
                     ip: str = "") -> ConflictDeclaration:
    """Record that `email` has a tie to the applicant (they may then not review it)."""
    if not email.strip():
        raise ApplicationError(_("Give the e-mail of the staff member."))
    declaration = ConflictDeclaration(email=email.strip().lower(),
                                      credit_code=application.credit_code, relation=relation,
                                      note=note.strip(), declared_by=actor.email,
                                      declared_at=now)
    db.session.add(declaration)
    application.events.append(ApplicationEvent(kind=EventKind.CONFLICT, public=False,
                                               text=f"{declaration.email}: {relation.value}",
                                               actor=actor.email, at=now))
    _commit(application, "conflict", None, actor=actor, now=now, ip=ip,
            after={"email": declaration.email, "relation": relation.value})
    return declaration


def attachment(application: Application, attachment_id: int) -> ApplicationAttachment | None:
    """Return one attachment of the application."""
    return next((a for a in application.attachments if a.id == attachment_id), None)


# --- retention ----------------------------------------------------------------------------


def retention_days() -> int:
    """Return how long personal data of closed applications is kept."""
    return int(current_app.config.get("APPLICATION_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def purge_expired(*, now: datetime, actor: str) -> int:
    """Remove contact details, texts and files of applications closed before the cutoff.

    Reference, kind, schemes, stages, dates and the decline class stay (statistics).
    """
    cutoff = now - timedelta(days=retention_days())
    rows = list(db.session.scalars(select(Application).where(
        Application.closed_at.is_not(None), Application.closed_at < cutoff,
        Application.purged_at.is_(None))))
    files: list[str] = []
    for application in rows:
        files.extend(a.stored_name for a in application.attachments)
        application.attachments.clear()
        application.contact_name = application.email = application.phone = ""
        application.notes = application.answer = ""
        for event in application.events:
            event.text = ""
        for review in application.reviews:
            review.note = ""
        application.purged_at = now
        application.updated_at = now
        application.events.append(ApplicationEvent(kind=EventKind.PURGED, public=False,
                                                   actor=actor, at=now))
        audit_log.record(actor=actor, action="application.purge", entity_type="application",
                         entity_id=application.reference, before=None, after={"purged": True},
                         now=now)
    db.session.commit()
    for name in files:
        uploads.delete(name)
    return len(rows)


# --- statistics for /transparency ---------------------------------------------------------


@dataclass(frozen=True)
class ApplicationStatistics:
    year: int
    received: int
    accepted: int
    declined: int
    declined_by_reason: dict[str, int] = field(default_factory=dict)
    quoted: int = 0
    median_days_to_first_answer: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "received": self.received, "quoted": self.quoted,
                "accepted": self.accepted, "declined": self.declined,
                "declined_by_reason": dict(self.declined_by_reason),
                "median_days_to_first_answer": self.median_days_to_first_answer}


def application_statistics(year: int) -> ApplicationStatistics:
    """Return applications received in `year` and how they were answered (no names)."""
    start = datetime(year, 1, 1, tzinfo=clock.CHINA)
    end = datetime(year + 1, 1, 1, tzinfo=clock.CHINA)
    rows = db.session.execute(select(
        Application.id, Application.received_at, Application.answered_at,
        Application.decline_reason,
        select(func.count()).select_from(ApplicationEvent).where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.kind == EventKind.STAGE,
            ApplicationEvent.stage == Stage.ACCEPTED).scalar_subquery(),
        select(func.count()).select_from(ApplicationEvent).where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.kind == EventKind.STAGE,
            ApplicationEvent.stage == Stage.QUOTED).scalar_subquery(),
    ).where(Application.received_at >= start, Application.received_at < end)).all()
    by_reason = {reason.value: 0 for reason in DeclineReason}
    days: list[float] = []
    accepted = quoted = 0
    for _id, received_at, answered_at, reason, accepted_n, quoted_n in rows:
        if reason is not None:
            by_reason[DeclineReason(reason).value] += 1
        accepted += bool(accepted_n)
        quoted += bool(quoted_n)
        if answered_at is not None:
            days.append((answered_at - received_at).total_seconds() / 86400)
    median = round(statistics.median(days), 1) if days else None
    return ApplicationStatistics(year=year, received=len(rows), accepted=accepted,
                                 declined=sum(by_reason.values()), declined_by_reason=by_reason,
                                 quoted=quoted, median_days_to_first_answer=median)


# --- mail ---------------------------------------------------------------------------------


def _mail_applicant(application: Application, template: str, *, subject: Any,
                    **context: Any) -> bool:
    if not application.email or application.is_demo:
        return False  # demo applications are never e-mailed
    base = current_app.config["PUBLIC_BASE_URL"]
    with force_locale("en" if application.lang == "en" else "zh_CN"):
        values = {"reference": application.reference,
                  "stage": str(STAGE_LABELS[application.stage.value])}
        text_subject = str(subject) % values
        body = render_template(template, application=application,
                               track_url=f"{base}/apply/track", STAGE_LABELS=STAGE_LABELS,
                               answer_days=answer_working_days(), **context)
    try:
        mail.send_mail(to=application.email, subject=text_subject, body=body)
    except mail.MailError:
        log.exception("application mail to %s failed", application.email)
        return False
    return True
