"""Staff read the webhooks and their delivery logs (nothing to edit: organisations own them)."""

from typing import Any

from flask import abort, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role
from portal.models.webhook import Webhook, WebhookDelivery
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.inputs import MAX_ID

LOG_ROWS = 200


@bp.get("/webhooks")
@roles_required(Role.ADMIN)
def webhooks() -> Any:
    """Every registered webhook, newest first."""
    hooks = db.session.scalars(select(Webhook).order_by(Webhook.id.desc())).all()
    return render_template("staff/webhooks.html", hooks=hooks, hook=None, deliveries=[])


@bp.get("/webhooks/<int:hook_id>")
@roles_required(Role.ADMIN)
def webhook(hook_id: int) -> Any:
    """One webhook's delivery log, newest first."""
    hook = db.session.get(Webhook, hook_id) if hook_id <= MAX_ID else None
    if hook is None:
        abort(404)
    deliveries = db.session.scalars(select(WebhookDelivery)
                                    .where(WebhookDelivery.webhook_id == hook.id)
                                    .order_by(WebhookDelivery.id.desc()).limit(LOG_ROWS)).all()
    return render_template("staff/webhooks.html", hooks=[hook], hook=hook, deliveries=deliveries)
