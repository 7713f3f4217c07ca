"""Send e-mail: through SMTP when `SMTP_HOST` is set, else into the outbox folder and the log.

Without a mail server (development, the demo) every message is written as an `.eml` file to
`OUTBOX_DIR` (default `instance/outbox/`) and logged, so nothing is silently lost.
"""

import email.policy
import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

from portal import clock

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def outbox_dir() -> Path:
    """Return the folder mail is written to when no SMTP server is configured."""
    configured = current_app.config.get("OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def build_message(*, to: str, subject: str, body: str,
                  headers: Mapping[str, str] | None = None) -> EmailMessage:
    """Return a plain-text UTF-8 message from MAIL_FROM to `to`."""
    sender = current_app.config["MAIL_FROM"]
    # refold_source="none": the extra headers below are written as given. The default policy
    # would turn a long List-Unsubscribe URL into RFC 2047 encoded words, which no mail client
    # reads as a URL (one-click unsubscribe would silently break).
    message = EmailMessage(policy=email.policy.default.clone(refold_source="none"))
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if value.isascii() and "\n" not in value and "\r" not in value:
            message.set_raw(name, value)
        else:
            message[name] = value
    message.set_content(body, charset="utf-8")
    return message


def send_mail(*, to: str, subject: str, body: str,
              headers: Mapping[str, str] | None = None) -> EmailMessage:
    """Send one message; raise MailError when the SMTP server refuses it or cannot be reached."""
    message = build_message(to=to, subject=subject, body=body, headers=headers)
    config = current_app.config
    if config.get("SMTP_HOST"):
        _send_smtp(message, config)
        log.info("mail sent to %s via %s: %s", to, config["SMTP_HOST"], subject)
    else:
        path = _write_outbox(message)
        log.info("mail to %s written to %s (no SMTP_HOST): %s", to, path, subject)
    return message


def _send_smtp(message: EmailMessage, config: Mapping[str, object]) -> None:
    try:
        with smtplib.SMTP(str(config["SMTP_HOST"]), int(config.get("SMTP_PORT") or 25),
                          timeout=15) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(str(config["SMTP_USERNAME"]), str(config.get("SMTP_PASSWORD") or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail to {message['To']}: {exc}") from exc


def _write_outbox(message: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{clock.utcnow():%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:12]}.eml"
    path = folder / name
    path.write_bytes(message.as_bytes())
    return path


def read_outbox() -> list[EmailMessage]:
    """Return the messages in the outbox folder, oldest first (for tests and the demo)."""
    from email import policy
    from email.parser import BytesParser

    folder = outbox_dir()
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes())  # type: ignore[misc]
            for p in sorted(folder.glob("*.eml"))]
