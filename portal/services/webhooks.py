"""Webhooks: organisations receive signed JSON calls when watched certificates change (#15).

Registration is double opt-in: the contact address gets a confirmation link; once confirmed,
the manage page shows the signing secret and the delivery log. `portal deliver-webhooks`
(cron or a loop) does two things, each in its own transactions:

1. enqueue: for every active webhook, the certificate history entries past its cursor (the same
   public changes that drive the e-mail watches) become delivery rows, and the cursor moves in
   the same transaction. The cursor also remembers ids below it not committed yet when read
   (services/event_cursor.py), so a change committed late with a lower id is not skipped. A worker that dies before the commit leaves nothing; the next run
   produces the same rows. (webhook, event) is unique, so nothing is doubled either.
2. deliver: every due delivery is POSTed (SSRF-guarded, see services/outbound.py) and marked
   delivered on a 2xx answer, else retried with exponential backoff until MAX_ATTEMPTS.

Delivery is at least once: a worker killed after the receiver answered but before the commit
sends the same event again, with the same `id` / `X-Portal-Event-Id`; receivers de-duplicate
by it. Every call is signed: `X-Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the secret>`; receivers refuse a timestamp older than REPLAY_WINDOW.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.domain.codes import number_key
from portal.extensions import db
from portal.models import Certificate, CertificateEvent
from portal.models.webhook import DeliveryStatus, Webhook, WebhookDelivery
from portal.register.public import PublicCertificate, history_entry, verify_url
from portal.services import event_cursor, outbound
from portal.services.feeds import FEED_KINDS

SIGNATURE_HEADER: Final = "X-Portal-Signature"
EVENT_HEADER: Final = "X-Portal-Event-Id"
REPLAY_WINDOW: Final = timedelta(minutes=5)
MAX_ATTEMPTS: Final = 8  # 1 + 2 + 4 + … + 64 minutes of backoff: about 2 hours in all
BACKOFF_BASE: Final = timedelta(minutes=1)
BACKOFF_CAP: Final = timedelta(hours=6)
MAX_NUMBERS: Final = 1000
DELIVERY_BATCH: Final = 200

Poster = Callable[..., outbound.Answer]


def _hmac(nonce: str, purpose: str) -> bytes:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"webhook-{purpose}|{nonce}".encode(), hashlib.sha256).digest()


def secret_for(hook: Webhook) -> str:
    """Return the webhook's signing secret."""
    return "whsec_" + base64.urlsafe_b64encode(_hmac(hook.nonce, "secret")).decode().rstrip("=")


def token_for(hook: Webhook) -> str:
    """Return the secret token of the webhook's confirm and manage links."""
    return base64.urlsafe_b64encode(_hmac(hook.nonce, "link")[:24]).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def links(hook: Webhook) -> dict[str, str]:
    base = f"{current_app.config['PUBLIC_BASE_URL']}/webhooks/{token_for(hook)}"
    return {"confirm": f"{base}/confirm", "manage": base}


def allow_private() -> bool:
    """Return True only when tests allowed loopback receivers (never outside TESTING)."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_FOR_TESTS")
                and current_app.testing)


def parse_numbers(text: str) -> list[str]:
    """Return the certificate numbers of a textarea (one per line or comma-separated)."""
    raw = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return list(dict.fromkeys(n for n in raw if n))


def _send(**message: object) -> None:
    from portal.services import mail

    mail.send_mail(**message)  # type: ignore[arg-type]


def register(*, organisation: str, email: str, url: str, numbers: Sequence[str], lang: str,
             now: datetime) -> Webhook:
    """Store an unconfirmed webhook and mail its confirmation link.

    Raises outbound.UnsafeAddressError when the URL may not be called, MailError when the
    confirmation cannot be sent (nothing is kept then).
    """
    outbound.check_url(url, allow_private=allow_private())
    hook = Webhook(organisation=organisation.strip(), email=email.strip().lower(),
                   url=url.strip(), certificate_numbers=list(numbers)[:MAX_NUMBERS],
                   nonce=secrets.token_hex(16), created_at=now)
    hook.token_hash = _hash(token_for(hook))
    db.session.add(hook)
    db.session.flush()
    with force_locale("en" if lang == "en" else "zh_CN"):
        subject = _("Confirm the webhook for %(organisation)s", organisation=hook.organisation)
        body = render_template("emails/webhook_confirm.txt", hook=hook, urls=links(hook))
    try:
        _send(to=hook.email, subject=subject, body=body)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return hook


def find(token: str) -> Webhook | None:
    """Return the webhook a link token belongs to."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Webhook).where(Webhook.token_hash == _hash(token)))


def confirm(token: str, *, now: datetime) -> Webhook | None:
    """Confirm the webhook of `token` (idempotent): changes from now on are delivered."""
    hook = find(token)
    if hook is None or hook.disabled_at is not None:
        return None
    if hook.confirmed_at is None:
        hook.confirmed_at = now
        hook.last_event_id = db.session.scalar(select(func.max(CertificateEvent.id))) or 0
        db.session.commit()
    return hook


def disable(hook: Webhook, *, now: datetime) -> None:
    """Stop deliveries to the webhook (idempotent); its log is kept."""
    if hook.disabled_at is None:
        hook.disabled_at = now
        db.session.commit()


# -- signing --------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value of `body` sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, now: int,
                     window: timedelta = REPLAY_WINDOW) -> bool:
    """Check a signature header as a receiver should (README has the same as a snippet)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > window.total_seconds():
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# -- producing deliveries from the change log -------------------------------------------------


def payload_for(event: CertificateEvent, today: date) -> dict[str, Any] | None:
    """Return the JSON body for one certificate history entry, or None when the public may
    not know of it: built from the public projection, so a restricted certificate announces
    status changes only, by day, without its holder or reasons (as its page and feed)."""
    entry = history_entry(event)
    if entry is None:
        return None
    public = PublicCertificate.of(event.certificate, today)
    certificate: dict[str, Any] = {
        "certificate_number": public.certificate_number, "scheme": public.scheme,
        "standard": public.standard, "status": public.status.value,
        "expiry_date": public.expiry_date.isoformat(), "restricted": public.restricted,
        "verify_url": verify_url(public.certificate_number)}
    change: dict[str, Any] = {"kind": entry.kind, "status": entry.status,
                              "effective_date": entry.date.isoformat()}
    if public.holder is not None:
        certificate.update(holder_name_zh=public.holder.name_zh,
                           holder_name_en=public.holder.name_en or "")
        change["reason"] = entry.reason
    return {"id": f"evt_{event.id}", "type": "certificate.changed",
            "occurred_at": entry.moment.isoformat(), "certificate": certificate,
            "change": change}


def _unseen_events(hook: Webhook) -> tuple[list[int], list[int]]:
    """Return the ids of every history entry past the webhook's cursor, and of those it reports.

    One statement reads both, so an entry committed meanwhile is either in both or in neither
    (then it is a gap of the cursor, read on the next run).
    """
    rows = db.session.execute(
        select(CertificateEvent.id, CertificateEvent.kind, Certificate.number_key,
               Certificate.restricted)
        .join(CertificateEvent.certificate).where(event_cursor.unseen(hook))
        .order_by(CertificateEvent.id)).all()
    keys = {number_key(n) for n in hook.certificate_numbers or ()}

    def reported(row: Any) -> bool:
        if row.kind not in FEED_KINDS:
            return False
        return row.number_key in keys if keys else not row.restricted

    return [row.id for row in rows], [row.id for row in rows if reported(row)]


def _events(ids: Sequence[int], hook: Webhook) -> list[CertificateEvent]:
    """Load the entries `ids` that have no delivery for `hook` yet, oldest first."""
    found: list[CertificateEvent] = []
    for start in range(0, len(ids), 500):  # stay under every database's bound-parameter cap
        chunk = list(ids[start : start + 500])
        done = set(db.session.scalars(select(WebhookDelivery.event_id).where(
            WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id.in_(chunk))))
        found += db.session.scalars(select(CertificateEvent).where(
            CertificateEvent.id.in_([i for i in chunk if i not in done]))
            .order_by(CertificateEvent.id))
    return found


def enqueue(*, now: datetime, today: date) -> int:
    """Turn new change-log entries into deliveries for every active webhook; return how many.

    The cursor keeps the ids below its newest that were not committed yet when read (gaps,
    see services/event_cursor.py): a change that commits late with a lower id is delivered
    on a later run, once.
    """
    hooks = db.session.scalars(select(Webhook).where(
        Webhook.confirmed_at.is_not(None), Webhook.disabled_at.is_(None))).all()
    added = 0
    for hook in hooks:
        seen, reported = _unseen_events(hook)
        for event in _events(reported, hook):
            payload = payload_for(event, today)
            if payload is None:
                continue
            db.session.add(WebhookDelivery(
                webhook=hook, event_id=event.id, payload=payload,
                status=DeliveryStatus.PENDING, created_at=now, next_attempt_at=now))
            added += 1
        event_cursor.move(hook, seen, now)
        db.session.commit()  # the deliveries and the cursor together, or neither
    return added


# -- delivering -------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failed ones."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def attempt(delivery: WebhookDelivery, *, now: datetime, post: Poster) -> bool:
    """POST one delivery and record the outcome (not committed); return True when delivered."""
    hook = delivery.webhook
    body = body_of(delivery)
    headers = {SIGNATURE_HEADER: sign(secret_for(hook), int(now.timestamp()), body),
               EVENT_HEADER: delivery.payload["id"],
               "X-Portal-Delivery-Attempt": str(delivery.attempts + 1)}
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        answer = post(hook.url, body, headers, allow_private=allow_private())
        delivery.last_status_code = answer.status
        ok = 200 <= answer.status < 300
        delivery.last_error = "" if ok else f"HTTP {answer.status}: {answer.body[:200]}"
    except outbound.UnsafeAddressError as exc:
        ok, delivery.last_status_code, delivery.last_error = False, None, f"refused: {exc}"
    except (OSError, ValueError) as exc:  # network errors, TLS errors, bad answers
        ok, delivery.last_status_code = False, None
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GIVEN_UP
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return ok


@dataclass(frozen=True)
class RunSummary:
    queued: int
    delivered: int
    failed: int


def deliver_due(*, now: datetime, post: Poster | None = None,
                progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Attempt every due delivery once; return (delivered, failed)."""
    post = post or outbound.post_json
    query = (select(WebhookDelivery)
             .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now)
             .order_by(WebhookDelivery.id).limit(DELIVERY_BATCH)
             .with_for_update(skip_locked=True))  # two workers never take the same row
    delivered = failed = 0
    while True:
        due = list(db.session.scalars(query))
        if not due:
            return delivered, failed
        for delivery in due:
            if attempt(delivery, now=now, post=post):
                delivered += 1
            else:
                failed += 1
            db.session.commit()  # each outcome is kept at once
            if progress is not None:
                progress(delivered, failed)
        if len(due) < DELIVERY_BATCH:
            return delivered, failed


def run(*, now: datetime, today: date, post: Poster | None = None) -> RunSummary:
    """Enqueue new changes, then deliver everything due: one `portal deliver-webhooks` run."""
    queued = enqueue(now=now, today=today)
    delivered, failed = deliver_due(now=now, post=post)
    return RunSummary(queued, delivered, failed)
