"""Watch every certificate of a checked supplier list by e-mail (#15).

From a `/verify-list` result, one address asks to follow all matched certificates: one
confirmation mail for the whole list (double opt-in), then at most one digest per
`portal send-notifications` run listing every public change of the list's certificates since
the last digest. Every mail links to a page where the list can be trimmed or dropped, and
carries RFC 8058 one-click unsubscribe headers.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Certificate, CertificateEvent
from portal.models.list_watch import ListWatch, ListWatchItem
from portal.register.public import HistoryEntry, PublicCertificate, verify_url
from portal.services import event_cursor
from portal.services.feeds import FEED_KINDS
from portal.services.mail import MailError

MAX_CERTIFICATES = 1000  # a checked list has at most 1,000 rows


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(nonce: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"list-watch|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def links(token: str) -> dict[str, str]:
    """Return the absolute confirm, manage and unsubscribe addresses of a list's token."""
    base = f"{current_app.config['PUBLIC_BASE_URL']}/lists/{token}"
    return {"confirm": f"{base}/confirm", "manage": base, "unsubscribe": f"{base}/unsubscribe"}


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send(**message: object) -> None:
    from portal.services import mail

    mail.send_mail(**message)  # type: ignore[arg-type]


def _locale(lang: str) -> str:
    return "en" if lang == "en" else "zh_CN"


def subscribe(numbers: Sequence[str], email: str, *, lang: str, now: datetime) -> ListWatch:
    """Store an unconfirmed watch of the certificates `numbers` and mail one confirmation.

    Raises MailError when the confirmation cannot be sent (nothing is kept then).
    """
    email = email.strip().lower()
    certs = {c.certificate_number: c for c in db.session.scalars(
        select(Certificate).where(
            Certificate.certificate_number.in_(list(numbers)[:MAX_CERTIFICATES])))}
    nonce = secrets.token_hex(16)
    token = _token(nonce)
    watch = ListWatch(email=email, lang="en" if lang == "en" else "zh", nonce=nonce,
                      token_hash=_hash(token), created_at=now,
                      last_event_id=db.session.scalar(select(func.max(CertificateEvent.id))) or 0)
    watch.items = [ListWatchItem(certificate=certs[n], position=i)
                   for i, n in enumerate(dict.fromkeys(numbers)) if n in certs]
    db.session.add(watch)
    db.session.flush()
    urls = links(token)
    with force_locale(_locale(watch.lang)):
        subject = ngettext("Confirm: e-mail me when the %(num)s certificate of your list changes",
                           "Confirm: e-mail me when any of %(num)s certificates changes",
                           len(watch.items))
        body = render_template("emails/list_watch_confirm.txt", watch=watch, urls=urls)
    try:
        _send(to=email, subject=subject, body=body,
              headers=_unsubscribe_headers(urls["unsubscribe"]))
    except MailError:
        db.session.rollback()
        raise
    db.session.commit()
    return watch


def find(token: str) -> ListWatch | None:
    """Return the list watch a link token belongs to."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ListWatch).where(ListWatch.token_hash == _hash(token)))


def confirm(token: str, *, now: datetime) -> ListWatch | None:
    """Confirm the list watch of `token` (idempotent); None when unknown or unsubscribed."""
    watch = find(token)
    if watch is None or watch.unsubscribed_at is not None:
        return None
    if watch.confirmed_at is None:
        watch.confirmed_at = now
        db.session.commit()
    return watch


def remove_certificates(watch: ListWatch, certificate_ids: Sequence[int]) -> int:
    """Stop watching some certificates of the list; return how many were removed."""
    chosen = set(certificate_ids)
    gone = [item for item in watch.items if item.certificate_id in chosen]
    for item in gone:
        watch.items.remove(item)
    db.session.commit()
    return len(gone)


def unsubscribe(watch: ListWatch, *, now: datetime) -> None:
    """End the list watch (idempotent)."""
    if watch.unsubscribed_at is None:
        watch.unsubscribed_at = now
        db.session.commit()


@dataclass(frozen=True)
class CertificateChanges:
    certificate: PublicCertificate
    events: list[HistoryEntry]


def _public_changes(events: list[CertificateEvent], today: date) -> CertificateChanges:
    """Project one certificate's new events as its public history shows them."""
    public = PublicCertificate.of(events[0].certificate, today)
    ids = {e.id for e in events}
    return CertificateChanges(public, [h for h in public.history if h.event_id in ids])


def send_digests(*, now: datetime, today: date) -> int:
    """Mail every confirmed list watch one digest of its changes since the last; return how many."""
    watches = db.session.scalars(select(ListWatch).where(
        ListWatch.confirmed_at.is_not(None), ListWatch.unsubscribed_at.is_(None))).all()
    sent = 0
    for watch in watches:
        # Every entry past the cursor (and its gaps: entries committed late with a lower id,
        # services/event_cursor.py) in one statement, then the ones of this list.
        rows = db.session.execute(select(CertificateEvent.id, CertificateEvent.certificate_id,
                                         CertificateEvent.kind)
                                  .where(event_cursor.unseen(watch))).all()
        watched = {item.certificate_id for item in watch.items}
        wanted = [r.id for r in rows if r.certificate_id in watched and r.kind in FEED_KINDS]
        events = sorted((e for start in range(0, len(wanted), 500) for e in db.session.scalars(
            select(CertificateEvent).where(CertificateEvent.id.in_(wanted[start : start + 500])))),
            key=lambda e: (e.certificate_id, e.id))
        # As on its public page: a restricted certificate shows status changes only; a rename,
        # re-issue, scope change or renewal would describe the holder (ISO/IEC 17021-1 §8.1.2).
        events = [e for e in events if e.status is not None or not e.certificate.restricted]
        if events:
            grouped: dict[int, list[CertificateEvent]] = {}
            for event in events:
                grouped.setdefault(event.certificate_id, []).append(event)
            order = {item.certificate_id: item.position for item in watch.items}
            changes = [_public_changes(events, today)
                       for _, events in sorted(grouped.items(), key=lambda kv: order[kv[0]])]
            urls = links(_token(watch.nonce))  # the same links as in every earlier mail
            with force_locale(_locale(watch.lang)):
                subject = ngettext("%(num)s certificate of your supplier list has changed",
                                   "%(num)s certificates of your supplier list have changed",
                                   len(changes))
                body = render_template("emails/list_watch_digest.txt", watch=watch,
                                       changes=changes, urls=urls, today=today,
                                       certificate_url=lambda c: verify_url(c.certificate_number))
            try:
                _send(to=watch.email, subject=subject, body=body,
                      headers=_unsubscribe_headers(urls["unsubscribe"]))
            except MailError:
                current_app.logger.warning("list digest to list watch %s failed", watch.id)
                db.session.rollback()  # try again on the next run
                continue
            sent += 1
        event_cursor.move(watch, [r.id for r in rows], now)
        db.session.commit()
    return sent
