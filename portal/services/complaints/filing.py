"""Filing a complaint or appeal: the reference, the private tracking code, the first mail.

A reference `TS-YYYY-NNNNNN` is handed out from a per-year counter row locked in the same
transaction as the insert, so references stay sequential and gap-free under concurrent filing;
the tracking code is kept only as an HMAC.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import clock
from portal.domain.complaints import ComplaintAbout, ComplaintKind, ComplaintStage, format_reference
from portal.extensions import db
from portal.models.complaint import (
    Complaint,
    ComplaintAttachment,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintEventKind,
)
from portal.services import certificates as certificate_service
from portal.services import uploads
from portal.services.complaints.notify import mail_complainant
from portal.services.complaints.recipients import ACK_MAILS_PER_ADDRESS, acknowledgement_allowed

Stage = ComplaintStage
EventKind = ComplaintEventKind
log = logging.getLogger(__name__)

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
    mail_held: bool = False  # not mailed: the address had its day's acknowledgements


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
    if not acknowledgement_allowed(Complaint.email, Complaint.received_at, complaint.email,
                                   now=now):
        log.warning("acknowledgement of %s not mailed: address had %d today",
                    complaint.reference, ACK_MAILS_PER_ADDRESS)
        return Filed(complaint=complaint, tracking_code=code, mail_sent=False, mail_held=True)
    # The subject carries no text from the form: only the kind and the reference.
    sent = mail_complainant(complaint, "emails/complaint_received.txt",
                             subject=_l("We received your %(kind)s %(reference)s"),
                             tracking_code=code)
    return Filed(complaint=complaint, tracking_code=code, mail_sent=sent)
