"""What registrars must act on soon: long suspensions and certificates about to expire."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.domain.status import MAX_SUSPENSION_DAYS, CertificateStatus
from portal.extensions import db
from portal.models import Certificate

SUSPENSION_WARNING_DAYS = 30  # warn this long before a suspension reaches its 6-month limit
EXPIRY_WARNING_DAYS = 60
LIMIT = 50


def long_suspensions(today: date) -> list[Certificate]:
    """Suspended certificates near or past the 6-month limit (restore or withdraw them)."""
    since = today - timedelta(days=MAX_SUSPENSION_DAYS - SUSPENSION_WARNING_DAYS)
    return list(db.session.scalars(
        select(Certificate).where(Certificate.status == CertificateStatus.SUSPENDED,
                                  Certificate.status_date <= since,
                                  Certificate.expiry_date >= today)
        .order_by(Certificate.status_date, Certificate.id).limit(LIMIT)))


def expiring_soon(today: date) -> list[Certificate]:
    """Certificates in force whose validity ends within EXPIRY_WARNING_DAYS."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.status == CertificateStatus.VALID,
                                  Certificate.expiry_date >= today,
                                  Certificate.expiry_date <= today + timedelta(
                                      days=EXPIRY_WARNING_DAYS))
        .order_by(Certificate.expiry_date, Certificate.id).limit(LIMIT)))


def suspension_deadline(cert: Certificate) -> date | None:
    """Return the last day a suspension may last (6 months after it started)."""
    if cert.status is not CertificateStatus.SUSPENDED or cert.status_date is None:
        return None
    return cert.status_date + timedelta(days=MAX_SUSPENSION_DAYS)
