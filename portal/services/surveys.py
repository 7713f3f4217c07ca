"""Customer-satisfaction surveys after audits, their follow-ups and phone spot checks (#16).

An invitation belongs to one audit. Its link carries the invitation id and a random nonce,
signed with SECRET_KEY (itsdangerous), so it cannot be guessed or altered; the answer is
accepted once (an `UPDATE … WHERE answered_at IS NULL` decides between two answers sent at the
same moment) and only until `expires_at`. A score of 2 or less on any aspect, in an answer or
a phone check, opens a follow-up item that staff close with a note of what was done.
"""

import logging
import secrets
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import select, update

from portal import clock
from portal.domain.surveys import ASPECTS, LOW_SCORE, InvitationState, low_aspects
from portal.extensions import db
from portal.models import Audit, AuditType, Certificate
from portal.models.survey import PhoneCheck, SurveyFollowUp, SurveyInvitation, SurveyResponse
from portal.services import audit_log, mail
from portal.services import qr as qr_service

log = logging.getLogger(__name__)
DEFAULT_VALID_DAYS = 60

ASPECT_LABELS = {
    "overall": _l("Overall satisfaction"),
    "competence": _l("Competence of the audit team"),
    "impartiality": _l("Impartiality"),
    "communication": _l("Communication"),
    "punctuality": _l("Punctuality"),
    "findings": _l("Value of the audit findings"),
}
SCORE_LABELS = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("Neutral"),
                4: _l("Satisfied"), 5: _l("Very satisfied")}
AUDIT_TYPE_LABELS = {
    "initial": _l("Initial audit"),
    "surveillance": _l("Surveillance audit"),
    "recertification": _l("Recertification audit"),
    "special": _l("Special audit"),
}


class SurveyError(ValueError):
    """A step that cannot be taken; `message` is shown to the person."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class AlreadyAnsweredError(SurveyError):
    """The invitation was answered already (links are single-use)."""


# --- invitations --------------------------------------------------------------------------


def valid_days() -> int:
    """Return how many days a survey link can be answered."""
    return int(current_app.config.get("SURVEY_VALID_DAYS") or DEFAULT_VALID_DAYS)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="survey-invitation")


def token(invitation: SurveyInvitation) -> str:
    """Return the signed token of the invitation's link."""
    return str(_serializer().dumps([invitation.id, invitation.nonce]))


def survey_url(invitation: SurveyInvitation) -> str:
    """Return the absolute address of the invitation's form."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/survey/{token(invitation)}"


def qr_svg(invitation: SurveyInvitation) -> Markup:
    """Return the QR code of the survey link as inline SVG (for the printed sheet)."""
    svg = qr_service.qr_svg(survey_url(invitation), title=str(_("Satisfaction survey")))
    return Markup(svg.decode())  # drawn from our own URL: no user text inside


def invitation_for(audit: Audit) -> SurveyInvitation | None:
    """Return the invitation already issued for `audit`, if any."""
    return db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.audit_id == audit.id)
                             .order_by(SurveyInvitation.id).limit(1))


def issue_invitation(audit: Audit, *, actor: str, now: datetime, contact_email: str = "",
                     lang: str = "zh", ip: str = "", is_demo: bool = False,
                     send: bool = True) -> SurveyInvitation:
    """Issue (once per audit) the invitation to rate `audit`; e-mail it when a contact is known.

    An audit that already has an invitation keeps it; a newly given contact address is used
    to e-mail it if it was never e-mailed.
    """
    invitation = invitation_for(audit)
    created = invitation is None
    if invitation is None:
        cert = audit.certificate
        invitation = SurveyInvitation(
            audit_id=audit.id, certificate_id=cert.id, certificate_number=cert.certificate_number,
            scheme=cert.scheme, audit_type=AuditType(audit.audit_type).value,
            audit_date=audit.audit_date, team=sorted(a.strip().lower()
                                                     for a in audit.auditors or []),
            nonce=secrets.token_hex(16), contact_email=contact_email.strip().lower(),
            lang="en" if lang == "en" else "zh", issued_at=now, issued_by=actor,
            expires_at=now + timedelta(days=valid_days()), is_demo=is_demo)
        db.session.add(invitation)
        db.session.flush()
        audit_log.record(actor=actor, action="survey.invite", entity_type="survey_invitation",
                         entity_id=str(invitation.id), before=None,
                         after={"audit_id": audit.id, "certificate": cert.certificate_number,
                                "emailed": bool(invitation.contact_email)}, now=now, ip=ip)
    elif contact_email.strip() and not invitation.contact_email:
        invitation.contact_email = contact_email.strip().lower()
        invitation.lang = "en" if lang == "en" else "zh"
    db.session.commit()
    due = (send and invitation.contact_email and invitation.emailed_at is None
           and invitation.answered_at is None and (created or contact_email))
    if due and _send_invitation(invitation):
        invitation.emailed_at = now
        db.session.commit()
    return invitation


def issue_for_audits(audits: Iterable[Audit], *, actor: str, now: datetime,
                     contacts: Mapping[str, str] | None = None) -> list[SurveyInvitation]:
    """Issue invitations for the audits that have none; return the new ones."""
    contacts = contacts or {}
    issued = []
    for audit in audits:
        if invitation_for(audit) is not None:
            continue
        number = audit.certificate.certificate_number
        issued.append(issue_invitation(audit, actor=actor, now=now,
                                       contact_email=contacts.get(number, "")))
    return issued


def issue_for_period(start: date, end: date, *, actor: str, now: datetime,
                     contacts: Mapping[str, str] | None = None) -> list[SurveyInvitation]:
    """Issue invitations for every audit dated from `start` to `end` that has none."""
    audits = db.session.scalars(select(Audit).where(Audit.audit_date.between(start, end))
                                .order_by(Audit.audit_date, Audit.id))
    return issue_for_audits(list(audits), actor=actor, now=now, contacts=contacts)


def issue_for_keys(keys: Iterable[tuple[int, str, date]], *, actor: str,
                   now: datetime) -> list[SurveyInvitation]:
    """Issue invitations for audits named by (certificate id, audit type, date) (an import)."""
    audits = []
    for certificate_id, audit_type, audit_date in keys:
        audit = db.session.scalar(select(Audit).where(
            Audit.certificate_id == certificate_id, Audit.audit_type == AuditType(audit_type),
            Audit.audit_date == audit_date))
        if audit is not None:
            audits.append(audit)
    return issue_for_audits(audits, actor=actor, now=now)


def record_audit(number: str, audit_type: AuditType, audit_date: date, team: list[str], *,
                 actor: str, now: datetime, ip: str = "") -> Audit:
    """Record an audit of a certificate from the back office (as `import-audits` would)."""
    from portal.services import certificates as certificate_service

    cert = certificate_service.get_by_number(number)
    if cert is None:
        raise SurveyError(_l("No certificate with this number is in our register."))
    audit = db.session.scalar(select(Audit).where(
        Audit.certificate_id == cert.id, Audit.audit_type == audit_type,
        Audit.audit_date == audit_date))
    if audit is None:
        audit = Audit(certificate_id=cert.id, audit_type=audit_type, audit_date=audit_date,
                      auditors=sorted({t.strip().lower() for t in team if t.strip()}))
        db.session.add(audit)
        db.session.flush()
        audit_log.record(actor=actor, action="audit.create", entity_type="certificate",
                         entity_id=cert.certificate_number, before=None,
                         after={"audit_type": audit_type.value,
                                "audit_date": audit_date.isoformat(),
                                "auditors": audit.auditors}, now=now, ip=ip)
        # The audit is on the public page, the API and the statistics: noted as a change in
        # the same transaction, so cached pages and the search index show it at once.
        certificate_service.note_changed(cert, now)
        db.session.commit()
    return audit


@dataclass(frozen=True)
class Opened:
    state: InvitationState | None  # None: not a valid link
    invitation: SurveyInvitation | None


def open_invitation(raw_token: str, now: datetime) -> Opened:
    """Return the invitation behind a link and whether it can still be answered."""
    try:
        invitation_id, nonce = _serializer().loads(raw_token or "")
        invitation = db.session.get(SurveyInvitation, int(invitation_id))
    except (BadSignature, ValueError, TypeError, OverflowError):
        return Opened(None, None)
    if invitation is None or not secrets.compare_digest(str(nonce), invitation.nonce):
        return Opened(None, None)
    if invitation.answered_at is not None:
        return Opened(InvitationState.ANSWERED, invitation)
    if now >= invitation.expires_at:
        return Opened(InvitationState.EXPIRED, invitation)
    return Opened(InvitationState.OPEN, invitation)


@dataclass(frozen=True)
class Answer:
    scores: dict[str, int]
    comments: str = ""
    may_contact: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    lang: str = "zh"


def submit_response(invitation: SurveyInvitation, answer: Answer, *,
                    now: datetime) -> SurveyResponse:
    """Store the one answer to `invitation`; open a follow-up for any score of 2 or less.

    Raises:
        AlreadyAnsweredError: the invitation was answered (also by a request at the same time).
        SurveyError: the link has expired, or a score is missing or out of range.
    """
    if any(answer.scores.get(a.value) not in (1, 2, 3, 4, 5) for a in ASPECTS):
        raise SurveyError(_l("Give every score from 1 to 5."))
    if now >= invitation.expires_at:
        raise SurveyError(_l("This survey link has expired."))
    claimed = db.session.execute(
        update(SurveyInvitation).where(SurveyInvitation.id == invitation.id,
                                       SurveyInvitation.answered_at.is_(None))
        .values(answered_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AlreadyAnsweredError(_l("This survey has already been answered."))
    response = SurveyResponse(invitation_id=invitation.id, comments=answer.comments.strip(),
                              may_contact=answer.may_contact,
                              contact_name=answer.contact_name.strip() if answer.may_contact
                              else "",
                              contact_phone=answer.contact_phone.strip() if answer.may_contact
                              else "",
                              lang="en" if answer.lang == "en" else "zh", submitted_at=now,
                              **{a.value: int(answer.scores[a.value]) for a in ASPECTS})
    db.session.add(response)
    low = low_aspects(answer.scores)
    if low:
        db.session.add(SurveyFollowUp(response=response, aspects=low, opened_at=now))
    db.session.commit()
    db.session.refresh(invitation)
    return response


# --- phone spot checks and follow-ups -----------------------------------------------------


def record_phone_check(audit: Audit, *, actor: str, called_on: date, person: str,
                       overall: int, notes: str, now: datetime, ip: str = "") -> PhoneCheck:
    """Record a phone spot check of an audited organisation (a low score opens a follow-up)."""
    if overall not in (1, 2, 3, 4, 5):
        raise SurveyError(_l("Give every score from 1 to 5."))
    cert = audit.certificate
    check = PhoneCheck(audit_id=audit.id, certificate_number=cert.certificate_number,
                       scheme=cert.scheme, audit_date=audit.audit_date, called_on=called_on,
                       person_reached=person.strip(), overall=overall, notes=notes.strip(),
                       called_by=actor, recorded_at=now)
    db.session.add(check)
    if overall <= LOW_SCORE:
        db.session.add(SurveyFollowUp(phone_check=check, aspects=["overall"], opened_at=now))
    db.session.flush()
    audit_log.record(actor=actor, action="survey.phone_check", entity_type="audit",
                     entity_id=str(audit.id), before=None,
                     after={"check_id": check.id, "overall": overall,
                            "called_on": called_on.isoformat()}, now=now, ip=ip)
    db.session.commit()
    return check


def open_follow_ups() -> list[SurveyFollowUp]:
    """Return the follow-up items not yet closed, oldest first."""
    return list(db.session.scalars(select(SurveyFollowUp).where(
        SurveyFollowUp.closed_at.is_(None)).order_by(SurveyFollowUp.opened_at)))


def list_follow_ups(*, closed: bool) -> list[SurveyFollowUp]:
    """Return open (or closed) follow-up items."""
    if not closed:
        return open_follow_ups()
    return list(db.session.scalars(select(SurveyFollowUp).where(
        SurveyFollowUp.closed_at.is_not(None)).order_by(SurveyFollowUp.closed_at.desc())
        .limit(500)))


def close_follow_up(item: SurveyFollowUp, *, actor: str, note: str, now: datetime,
                    ip: str = "") -> None:
    """Close a follow-up item with a note of what was done (the note is required)."""
    if item.closed_at is not None:
        raise SurveyError(_l("This follow-up is already closed."))
    if not note.strip():
        raise SurveyError(_l("Write what was done before closing the follow-up."))
    item.closed_at = now
    item.closed_by = actor
    item.note = note.strip()
    audit_log.record(actor=actor, action="survey.follow_up_close", entity_type="survey_follow_up",
                     entity_id=str(item.id), before={"closed": False},
                     after={"closed": True, "note_chars": len(item.note)}, now=now, ip=ip)
    db.session.commit()


def recent_audits(*, days: int, today: date) -> list[tuple[Audit, SurveyInvitation | None]]:
    """Return audits of the last `days` days, newest first, each with its invitation."""
    audits = list(db.session.scalars(select(Audit).where(
        Audit.audit_date.between(today - timedelta(days=days), today))
        .order_by(Audit.audit_date.desc(), Audit.id.desc()).limit(300)))
    invitations = {i.audit_id: i for i in db.session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.audit_id.in_([a.id for a in audits])))} if audits else {}
    return [(audit, invitations.get(audit.id)) for audit in audits]


# --- results ------------------------------------------------------------------------------


@dataclass
class Group:
    """Answers of one group (all, a scheme, an audit team): count and mean per aspect."""

    label: str
    count: int = 0
    sums: dict[str, int] = field(default_factory=lambda: {a.value: 0 for a in ASPECTS})

    def add(self, response: SurveyResponse) -> None:
        self.count += 1
        for aspect in ASPECTS:
            self.sums[aspect.value] += getattr(response, aspect.value)

    def mean(self, aspect: str) -> float | None:
        return round(self.sums[aspect] / self.count, 2) if self.count else None


@dataclass
class Results:
    invitations: int
    total: Group
    by_scheme: list[Group]
    by_team: list[Group]
    answers: list[tuple[SurveyInvitation, SurveyResponse]]

    @property
    def response_rate(self) -> float | None:
        return round(self.total.count / self.invitations * 100, 1) if self.invitations else None


def results(*, start: date, end: date, scheme: str = "", team: str = "") -> Results:
    """Return answers to invitations for audits dated from `start` to `end`, grouped."""
    query = select(SurveyInvitation).where(SurveyInvitation.audit_date.between(start, end))
    if scheme:
        query = query.where(SurveyInvitation.scheme == scheme)
    invitations = list(db.session.scalars(query.order_by(SurveyInvitation.audit_date.desc())))
    if team:
        invitations = [i for i in invitations if i.team_label == team]
    total = Group(label="")
    schemes: dict[str, Group] = {}
    teams: dict[str, Group] = {}
    answers = []
    for invitation in invitations:
        response = invitation.response
        if response is None:
            continue
        answers.append((invitation, response))
        total.add(response)
        schemes.setdefault(invitation.scheme, Group(invitation.scheme)).add(response)
        teams.setdefault(invitation.team_label, Group(invitation.team_label)).add(response)
    return Results(invitations=len(invitations), total=total,
                   by_scheme=sorted(schemes.values(), key=lambda g: g.label),
                   by_team=sorted(teams.values(), key=lambda g: g.label), answers=answers)


def teams() -> list[str]:
    """Return every audit team that has an invitation (for the filter)."""
    return sorted({i.team_label for i in db.session.scalars(select(SurveyInvitation))})


@dataclass(frozen=True)
class SurveyStatistics:
    year: int
    invitations: int
    responses: int
    response_rate: float | None
    means: dict[str, float | None]
    phone_checks: int

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "invitations": self.invitations,
                "responses": self.responses, "response_rate": self.response_rate,
                "mean_scores": dict(self.means), "phone_checks": self.phone_checks}


def survey_statistics(year: int) -> SurveyStatistics:
    """Return the invitations issued in `year`, how many were answered, and mean scores."""
    start = datetime(year, 1, 1, tzinfo=clock.CHINA)
    end = datetime(year + 1, 1, 1, tzinfo=clock.CHINA)
    invitations = db.session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.issued_at >= start, SurveyInvitation.issued_at < end)).all()
    answered = [i.response for i in invitations if i.response is not None]
    means = {a.value: (round(statistics.fmean(getattr(r, a.value) for r in answered), 2)
                       if answered else None) for a in ASPECTS}
    checks = db.session.scalar(select(db.func.count()).select_from(PhoneCheck).where(
        PhoneCheck.called_on.between(date(year, 1, 1), date(year, 12, 31)))) or 0
    rate = round(len(answered) / len(invitations) * 100, 1) if invitations else None
    return SurveyStatistics(year=year, invitations=len(invitations), responses=len(answered),
                            response_rate=rate, means=means, phone_checks=int(checks))


# --- retention ----------------------------------------------------------------------------


def purge_contacts(*, before: datetime, now: datetime, actor: str) -> int:
    """Forget contact names, phones and e-mails of answers, invitations and phone checks older
    than `before`.

    Scores and comments stay (the figures and the staff results need them). Each answer
    purged is audited as `survey.purge`. Returns how many answers lost contact details.
    """
    count = 0
    for response in db.session.scalars(select(SurveyResponse).where(
            SurveyResponse.submitted_at < before,
            (SurveyResponse.contact_name != "") | (SurveyResponse.contact_phone != ""))):
        response.contact_name = response.contact_phone = ""
        audit_log.record(actor=actor, action="survey.purge", entity_type="survey_response",
                         entity_id=str(response.id), before=None, after={"purged": True},
                         now=now)
        count += 1
    for invitation in db.session.scalars(select(SurveyInvitation).where(
            SurveyInvitation.issued_at < before, SurveyInvitation.contact_email != "")):
        invitation.contact_email = ""
    for check in db.session.scalars(select(PhoneCheck).where(
            PhoneCheck.recorded_at < before, PhoneCheck.person_reached != "")):
        check.person_reached = ""  # a name, often with a phone number
        audit_log.record(actor=actor, action="survey.purge", entity_type="phone_check",
                         entity_id=str(check.id), before=None, after={"purged": True}, now=now)
    db.session.commit()
    return count


# --- mail ---------------------------------------------------------------------------------


def _send_invitation(invitation: SurveyInvitation) -> bool:
    cert = db.session.get(Certificate, invitation.certificate_id) \
        if invitation.certificate_id else None
    with force_locale("en" if invitation.lang == "en" else "zh_CN"):
        subject = str(_("Satisfaction survey: your %(audit)s of %(date)s",
                        audit=str(AUDIT_TYPE_LABELS[invitation.audit_type]).lower()
                        if invitation.lang == "en" else AUDIT_TYPE_LABELS[invitation.audit_type],
                        date=invitation.audit_date.isoformat()))
        body = render_template("emails/survey_invitation.txt", invitation=invitation,
                               certificate=cert, url=survey_url(invitation),
                               AUDIT_TYPE_LABELS=AUDIT_TYPE_LABELS)
    try:
        mail.send_mail(to=invitation.contact_email, subject=subject, body=body)
    except mail.MailError:
        log.exception("survey invitation mail to %s failed", invitation.contact_email)
        return False
    return True
