"""Registrars' surveillance dashboard: certificates overdue or due soon, suspended in one step.

The one-step suspension is a form posting to the status page (`staff.certificate_status`)
with the pick-list reason 未按期接受监督审核 pre-filled: the same checks, history, audit log
and change-noting write as any other status change.
"""

from typing import Any

from flask import render_template, request

from portal import clock
from portal.models import Role
from portal.services import surveillance as surveillance_service
from portal.staff import bp
from portal.staff.access import roles_required

MAX_DAYS = 365


@bp.get("/surveillance")
@roles_required(Role.REGISTRAR)
def surveillance() -> Any:
    """Certificates whose surveillance audit is overdue or due within `days` (default 30)."""
    default = surveillance_service.warning_days()
    days = min(max(request.args.get("days", default, type=int), 0), MAX_DAYS)
    today = clock.today()
    due = surveillance_service.due_certificates(today, days=days)
    return render_template("staff/surveillance.html", due=due, days=days, today=today,
                           overdue=sum(1 for d in due if d.surveillance.overdue))
