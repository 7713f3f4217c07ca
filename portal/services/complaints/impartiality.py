"""Who may handle or decide a case: nobody who audited the organisation or decided on it.

Participation is read in one query (the organisation's audits and certification decisions
together) and then matched against every candidate, so the staff page costs two queries
however many staff there are.
"""

import json
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import String, cast, literal, or_, select, union_all

from portal.domain.complaints import ComplaintKind
from portal.extensions import db
from portal.models import Audit, Certificate, CertificateEvent, User
from portal.models.complaint import Complaint
from portal.services.complaints.errors import ImpartialityError


@dataclass(frozen=True)
class Participation:
    """One audit or certification decision on the organisation, and who took part."""

    kind: str  # "audit" or "decision"
    people: frozenset[str]  # lower-case e-mail addresses
    number: str
    on: date


def _related_filter(complaint: Complaint):  # type: ignore[no-untyped-def]
    """Return the condition selecting the certificate concerned and the holder's others."""
    cert = complaint.certificate
    if cert is None:
        return None
    if not cert.credit_code:
        return Certificate.id == cert.id
    return or_(Certificate.id == cert.id, Certificate.credit_code == cert.credit_code)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def participation(complaint: Complaint) -> list[Participation]:
    """Return every audit and certification decision on the organisation, in one query."""
    related = _related_filter(complaint)
    if related is None:
        return []
    audits = (select(literal("audit").label("kind"), cast(Audit.auditors, String).label("who"),
                     Certificate.certificate_number.label("number"),
                     Audit.audit_date.label("on"))
              .join(Certificate, Certificate.id == Audit.certificate_id).where(related))
    decisions = (select(literal("decision").label("kind"), CertificateEvent.actor.label("who"),
                        Certificate.certificate_number.label("number"),
                        CertificateEvent.effective_date.label("on"))
                 .join(Certificate, Certificate.id == CertificateEvent.certificate_id)
                 .where(related))
    found: list[Participation] = []
    for kind, who, number, on in db.session.execute(union_all(audits, decisions)):
        if kind == "audit":
            try:
                names = json.loads(who) if who else []
            except ValueError:
                names = []
        else:
            names = [who or ""]
        people = frozenset(str(n).strip().lower() for n in names if str(n).strip())
        found.append(Participation(kind=kind, people=people, number=number, on=_as_date(on)))
    return found


def _reasons(email: str, found: list[Participation]) -> list[str]:
    who = email.strip().lower()
    reasons: list[str] = []
    # Audits first, then decisions, as staff read them on the case page.
    for item in sorted((p for p in found if who in p.people), key=lambda p: p.kind != "audit"):
        if item.kind == "audit":
            reasons.append(_("%(email)s took part in the audit of certificate %(number)s on "
                             "%(date)s.", email=email, number=item.number,
                             date=item.on.isoformat()))
        else:
            reasons.append(_("%(email)s took part in a certification decision on certificate "
                             "%(number)s (%(date)s).", email=email, number=item.number,
                             date=item.on.isoformat()))
    return reasons


def conflicts(complaint: Complaint, email: str) -> list[str]:
    """Return why `email` took part in the matter (audits, certification decisions), if so."""
    return _reasons(email, participation(complaint))


def ensure_impartial(complaint: Complaint, user: User, *, deciding: bool) -> None:
    """Raise ImpartialityError when `user` may not handle (or decide) the case."""
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


def eligible_handlers(complaint: Complaint,
                      found: list[Participation] | None = None) -> list[tuple[User, list[str]]]:
    """Return active complaints staff (and admins) with their conflicts, if any."""
    found = participation(complaint) if found is None else found
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [(u, _reasons(u.email, found)) for u in users if u.has_role("complaints")]


def conflicts_of(email: str, found: list[Participation]) -> list[str]:
    """Return `email`'s conflicts from an already read participation list."""
    return _reasons(email, found)
