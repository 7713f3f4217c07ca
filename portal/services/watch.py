"""Subscribe by e-mail to a certificate's changes: double opt-in, one-click unsubscribe.

Subscribing stores the address unconfirmed and mails a confirmation link; only a confirmed
subscription is ever notified. `portal send-notifications` (run from cron every few minutes)
mails each confirmed subscriber the public changes recorded since the last message.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.clock import CHINA
from portal.extensions import db
from portal.models import Certificate, CertificateEvent
from portal.models.subscription import Subscription
from portal.register.public import PublicCertificate, verify_url
from portal.services.feeds import changes_since
from portal.services.mail import MailError


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _links(token: str) -> tuple[str, str]:
    base = current_app.config["PUBLIC_BASE_URL"]
    return f"{base}/watch/confirm/{token}", f"{base}/watch/unsubscribe/{token}"


@dataclass(frozen=True)
class Outcome:
    sent_confirmation: bool


def subscribe(cert: Certificate, email: str, *, lang: str, now: datetime) -> Outcome:
    """Ask `email` to confirm a subscription to `cert` (answers the same for known addresses)."""
    email = email.strip().lower()
    existing = db.session.scalar(select(Subscription).where(
        Subscription.certificate_id == cert.id, Subscription.email == email))
    if existing is not None and existing.active:
        return Outcome(sent_confirmation=False)  # already subscribed; say nothing more
    token = secrets.token_urlsafe(24)
    if existing is None:
        existing = Subscription(certificate=cert, email=email, created_at=now)
        db.session.add(existing)
    existing.token_hash = _hash(token)
    existing.lang = "en" if lang == "en" else "zh"
    existing.unsubscribed_at = None
    existing.confirmed_at = None
    latest = max((e.id for e in cert.events), default=0)
    existing.last_event_id = latest
    db.session.commit()
    confirm, unsubscribe = _links(token)
    with force_locale("en" if lang == "en" else "zh_CN"):
        subject = _("Confirm: e-mail me when certificate %(number)s changes",
                    number=cert.certificate_number)
        body = render_template("emails/watch_confirm.txt",
                               cert=PublicCertificate.of(cert, now.astimezone(CHINA).date()),
                               confirm_url=confirm,
                               unsubscribe_url=unsubscribe)
    _send(to=email, subject=subject, body=body,
                   headers=_unsubscribe_headers(unsubscribe))
    return Outcome(sent_confirmation=True)


def _send(**message: object) -> None:
    from portal.services import mail

    mail.send_mail(**message)  # type: ignore[arg-type]


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to url.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def find(token: str) -> Subscription | None:
    """Return the subscription a link token belongs to."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Subscription).where(Subscription.token_hash == _hash(token)))


def confirm(token: str, *, now: datetime) -> Subscription | None:
    """Confirm the subscription of `token` (idempotent)."""
    sub = find(token)
    if sub is None or sub.unsubscribed_at is not None:
        return None
    if sub.confirmed_at is None:
        sub.confirmed_at = now
        db.session.commit()
    return sub


def unsubscribe(token: str, *, now: datetime) -> Subscription | None:
    """End the subscription of `token` (idempotent)."""
    sub = find(token)
    if sub is None:
        return None
    if sub.unsubscribed_at is None:
        sub.unsubscribed_at = now
        db.session.commit()
    return sub


def send_notifications(*, now: datetime) -> int:
    """Mail every confirmed subscriber the changes since their last message; return how many."""
    subs = db.session.scalars(select(Subscription).where(
        Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None))).all()
    sent = 0
    today = now.astimezone(CHINA).date()
    for sub in subs:
        # Only what the public may see: a restricted certificate's renames, scope changes and
        # renewals are not in its projection, so they are never mailed.
        public = PublicCertificate.of(sub.certificate, today)
        # One certificate's cursor needs no gap tracking (services/event_cursor.py): every
        # write that adds to its history updates the certificate row first, in the same
        # transaction, so a second writer waits for the first to commit before it takes an
        # id; one certificate's entries commit in id order.
        changes = changes_since(public, sub.last_event_id)
        newest = db.session.scalar(select(db.func.max(CertificateEvent.id)).where(
            CertificateEvent.certificate_id == sub.certificate_id)) or sub.last_event_id
        if changes:
            # A fresh token per message keeps the unsubscribe link valid and unguessable.
            token = secrets.token_urlsafe(24)
            sub.token_hash = _hash(token)
            unsubscribe_url = _links(token)[1]
            with force_locale("en" if sub.lang == "en" else "zh_CN"):
                subject = _("Certificate %(number)s has changed",
                            number=public.certificate_number)
                body = render_template("emails/watch_change.txt", cert=public,
                                       changes=changes, unsubscribe_url=unsubscribe_url,
                                       page_url=verify_url(public.certificate_number))
            try:
                _send(to=sub.email, subject=subject, body=body,
                      headers=_unsubscribe_headers(unsubscribe_url))
            except MailError:
                current_app.logger.warning("watch mail to subscription %s failed", sub.id)
                db.session.rollback()  # try again on the next run
                continue
            sent += 1
        sub.last_event_id = newest
        db.session.commit()
    return sent
