"""Status changes of the register as Atom feeds."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Certificate, CertificateEvent, EventKind

FEED_KINDS = (EventKind.STATUS, EventKind.REISSUED, EventKind.SCOPE_EXTENDED,
              EventKind.SCOPE_REDUCED, EventKind.SCOPE_CHANGED, EventKind.RENAMED,
              EventKind.RENEWED)


def recent_changes(limit: int = 50) -> list[CertificateEvent]:
    """Return the latest public changes of non-restricted certificates, newest first."""
    query = (select(CertificateEvent).join(CertificateEvent.certificate)
             .where(CertificateEvent.kind.in_(FEED_KINDS), Certificate.restricted.is_(False))
             .options(joinedload(CertificateEvent.certificate))
             .order_by(CertificateEvent.recorded_at.desc(), CertificateEvent.id.desc())
             .limit(limit))
    return list(db.session.scalars(query))


def certificate_changes(cert: Certificate, limit: int = 50) -> list[CertificateEvent]:
    """Return the public changes of one certificate, newest first."""
    events = [e for e in cert.events if e.kind in FEED_KINDS or e.kind == EventKind.ISSUED]
    events.sort(key=lambda e: (e.recorded_at, e.id), reverse=True)
    return events[:limit]
