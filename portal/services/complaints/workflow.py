"""Staff steps on a case, from acknowledgement to closing; each commits with an audit entry.

Every function takes the acting staff member and `now` explicitly, commits its own transaction
(with an audit log entry) and e-mails the complainant after the commit.
"""

import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.domain.complaints import ComplaintKind, ComplaintStage, ensure_can_move
from portal.extensions import db
from portal.models import User
from portal.models.complaint import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintEventKind,
)
from portal.services import audit_log
from portal.services.complaints.errors import ComplaintError
from portal.services.complaints.impartiality import ensure_impartial
from portal.services.complaints.labels import STAGE_LABELS
from portal.services.complaints.notify import mail_complainant
from portal.services.complaints.queue import get_by_reference

Stage = ComplaintStage
EventKind = ComplaintEventKind


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
    return mail_complainant(complaint, "emails/complaint_stage.txt",
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
    ensure_impartial(complaint, handler, deciding=False)
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
        return mail_complainant(complaint, "emails/complaint_message.txt",
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
    ensure_impartial(complaint, actor, deciding=True)
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
    data = export_data(complaint, now=now)
    record_export(complaint, actor=actor, now=now, ip=ip)
    return data


def export_data(complaint: Complaint, *, now: datetime) -> dict[str, Any]:
    """Return what the complainant sent and was told, as JSON-ready data (records nothing)."""
    return {
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


def record_export(complaint: Complaint, *, actor: User, now: datetime, ip: str = "") -> None:
    """Record in the case and the audit log that `actor` exported it (once it was produced)."""
    complaint.events.append(ComplaintEvent(kind=EventKind.EXPORTED, public=False,
                                           actor=actor.email, at=now))
    _commit(complaint, "export", None, actor=actor, now=now, ip=ip, after={"exported": True})


def export_json(data: dict[str, Any]) -> str:
    """Serialise an export readably (UTF-8, Chinese kept as is)."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def attachment(complaint: Complaint, attachment_id: int) -> ComplaintAttachment | None:
    """Return one attachment of the case."""
    return next((a for a in complaint.attachments if a.id == attachment_id), None)
