"""Changes of the register as Atom feeds and watch e-mails, read through the public projection."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import Certificate, CertificateEvent, EventKind
from portal.register.public import HistoryEntry, PublicCertificate

FEED_KINDS = (EventKind.STATUS, EventKind.REISSUED, EventKind.SCOPE_EXTENDED,
              EventKind.SCOPE_REDUCED, EventKind.SCOPE_CHANGED, EventKind.RENAMED,
              EventKind.RENEWED)
_CHANGE_KINDS = frozenset(kind.value for kind in FEED_KINDS)


@dataclass(frozen=True)
class FeedEntry:
    """One change of one certificate, both as the public may see them."""

    certificate: PublicCertificate
    change: HistoryEntry


def recent_changes(today: date, limit: int = 50) -> list[FeedEntry]:
    """Return the latest public changes of non-restricted certificates, newest first."""
    query = (select(CertificateEvent).join(CertificateEvent.certificate)
             .where(CertificateEvent.kind.in_(FEED_KINDS), Certificate.restricted.is_(False))
             .options(joinedload(CertificateEvent.certificate).options(
                 selectinload(Certificate.events), selectinload(Certificate.sites),
                 selectinload(Certificate.audits)))
             .order_by(CertificateEvent.recorded_at.desc(), CertificateEvent.id.desc())
             .limit(limit))
    projected: dict[int, PublicCertificate] = {}
    entries = []
    for event in db.session.scalars(query):
        public = projected.get(event.certificate_id)
        if public is None:
            public = projected[event.certificate_id] = PublicCertificate.of(event.certificate,
                                                                            today)
        change = next((e for e in public.history if e.event_id == event.id), None)
        if change is not None:  # the projection decides what of the history is public
            entries.append(FeedEntry(public, change))
    return entries


def certificate_changes(cert: PublicCertificate, limit: int = 50) -> list[FeedEntry]:
    """Return the public changes of one certificate (and its issue), newest first."""
    changes = [e for e in cert.history if e.event_id is not None
               and (e.kind in _CHANGE_KINDS or e.kind == EventKind.ISSUED.value)]
    changes.sort(key=lambda e: e.event_id or 0, reverse=True)
    return [FeedEntry(cert, change) for change in changes[:limit]]


def changes_since(cert: PublicCertificate, last_event_id: int) -> list[HistoryEntry]:
    """Return the public changes of `cert` recorded after event `last_event_id`, oldest first."""
    return [e for e in cert.history if e.event_id is not None and e.event_id > last_event_id
            and e.kind in _CHANGE_KINDS]
