"""Mail to complainants and reporters, rendered in the language they wrote in."""

import logging
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from portal.models.complaint import Complaint
from portal.services import mail
from portal.services.complaints.deadlines import target_days
from portal.services.complaints.labels import KIND_NOUNS, STAGE_LABELS

log = logging.getLogger(__name__)


def mail_complainant(complaint: Complaint, template: str, *, subject: Any,
                      **context: Any) -> bool:
    if not complaint.email:
        return False
    return send(complaint.email, complaint.lang, template, subject, complaint=complaint,
                 **context)


def send(to: str, lang: str, template: str, subject: Any, **context: Any) -> bool:
    """Render and send one message in the recipient's language; log and report failures."""
    base = current_app.config["PUBLIC_BASE_URL"]
    with force_locale("en" if lang == "en" else "zh_CN"):
        complaint = context.get("complaint")
        values = {"reference": complaint.reference if complaint else "",
                  "kind": KIND_NOUNS[complaint.kind.value] if complaint else "",
                  "stage": STAGE_LABELS[complaint.stage.value] if complaint else ""}
        text_subject = str(subject) % {k: str(v) for k, v in values.items()}
        body = render_template(template, track_url=f"{base}/complaints/track",
                               target_days=target_days(), STAGE_LABELS=STAGE_LABELS,
                               KIND_NOUNS=KIND_NOUNS, **context)
    try:
        mail.send_mail(to=to, subject=text_subject, body=body)
    except mail.MailError:
        log.exception("complaint mail to %s failed", to)
        return False
    return True
