"""Which certificates owe a surveillance audit soon, and the registrars' daily mail (#24).

The rule lives in `portal.domain.surveillance`; this module reads what it needs of every live
certificate in one grouped query (the latest audit, the latest surveillance and
recertification audit after the current decision) rather than loading every audit row.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from portal.domain.schemes import SCHEMES
from portal.domain.status import CertificateStatus
from portal.domain.surveillance import (
    RECERTIFICATION,
    SURVEILLANCE,
    AuditDate,
    Surveillance,
    has_surveillance,
    surveillance_of,
)
from portal.extensions import db
from portal.models import Audit, AuditType, Certificate, Role, User
from portal.services import mail


@dataclass(frozen=True)
class DueCertificate:
    """A live certificate whose next audit is overdue or due soon."""

    certificate_number: str
    number_key: str
    holder_name_zh: str
    scheme: str
    status: CertificateStatus
    expiry_date: date
    surveillance: Surveillance

    def days_left(self, today: date) -> int:
        """Return the days from `today` to the due date (negative when overdue)."""
        assert self.surveillance.next_due_date is not None
        return (self.surveillance.next_due_date - today).days


def warning_days() -> int:
    """Return the default look-ahead of the dashboard, the command and the mail."""
    return int(current_app.config.get("SURVEILLANCE_WARNING_DAYS", 30))


def due_certificates(today: date, *, days: int | None) -> list[DueCertificate]:
    """Return live certificates overdue on `today`, or due within `days` (None: overdue only).

    Overdue ones first, then by due date and number.
    """
    in_cycle = Audit.audit_date > Certificate.issue_date
    latest_of = {
        kind: func.max(case((and_(Audit.audit_type == AuditType(kind), in_cycle),
                             Audit.audit_date)))
        for kind in (SURVEILLANCE, RECERTIFICATION)}
    codes = [s.code for s in SCHEMES if has_surveillance(s.code)]
    query = (
        select(Certificate.certificate_number, Certificate.number_key, Certificate.holder_name_zh,
               Certificate.scheme, Certificate.status, Certificate.issue_date,
               Certificate.expiry_date, func.max(Audit.audit_date),
               latest_of[SURVEILLANCE], latest_of[RECERTIFICATION])
        .outerjoin(Audit, and_(Audit.certificate_id == Certificate.id, Audit.audit_date <= today))
        .where(Certificate.status.in_([CertificateStatus.VALID, CertificateStatus.SUSPENDED]),
               Certificate.expiry_date >= today, Certificate.scheme.in_(codes))
        .group_by(Certificate.id))
    found: list[DueCertificate] = []
    for (number, key, holder, scheme, status, issue, expiry, last, surv,
         recert) in db.session.execute(query):
        audits = [AuditDate(kind, day) for kind, day in
                  (("special", last), (SURVEILLANCE, surv), (RECERTIFICATION, recert)) if day]
        currency = surveillance_of(scheme, status=CertificateStatus(status).value,
                                   issue_date=issue, expiry_date=expiry, audits=audits,
                                   today=today)
        if currency is None or currency.next_due_date is None:
            continue
        if currency.overdue or (days is not None and currency.due_within(days, today)):
            found.append(DueCertificate(number, key, holder, scheme, CertificateStatus(status),
                                        expiry, currency))
    found.sort(key=lambda d: (not d.surveillance.overdue, d.surveillance.next_due_date,
                              d.certificate_number))
    return found


def registrar_addresses() -> list[str]:
    """Return the e-mail addresses of active registrars (the daily mail's readers)."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [u.email for u in users if u.has_role(Role.REGISTRAR)]


def mail_registrars(today: date, *, days: int) -> tuple[int, int]:
    """Mail every registrar the list of overdue and soon-due certificates.

    Returns (certificates listed, messages sent); nothing is sent when nothing is due.
    """
    due = due_certificates(today, days=days)
    if not due:
        return 0, 0
    readers = registrar_addresses()
    base = str(current_app.config["PUBLIC_BASE_URL"])
    with force_locale("zh_CN"):
        overdue = sum(1 for d in due if d.surveillance.overdue)
        subject = _("Surveillance audits: %(overdue)s overdue, %(soon)s due within %(days)s days",
                    overdue=overdue, soon=len(due) - overdue, days=days)
        body = render_template("emails/surveillance_due.txt", due=due, today=today, days=days,
                               dashboard=base + "/staff/surveillance")
    for address in readers:
        mail.send_mail(to=address, subject=subject, body=body)
    return len(due), len(readers)
