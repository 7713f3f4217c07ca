"""Webhook registration (double opt-in) and the organisation's manage page with its log."""

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, StringField, TextAreaField, URLField
from wtforms.validators import Email, InputRequired, Length

from portal import clock
from portal.extensions import db, limiter
from portal.i18n import current_lang
from portal.models.webhook import WebhookDelivery
from portal.opendata import bp
from portal.services import outbound
from portal.services import webhooks as webhook_service
from portal.services.mail import MailError

LOG_ROWS = 50


class WebhookForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[
        InputRequired(_l("Enter the name of your organisation.")), Length(max=200)])
    email = EmailField(_l("Contact e-mail address"), validators=[
        InputRequired(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("The e-mail address is too long.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False)])
    url = URLField(_l("Receiver URL (https)"), validators=[
        InputRequired(_l("Enter the https address that should receive the calls.")),
        Length(max=outbound.MAX_URL_LENGTH)])
    numbers = TextAreaField(_l("Certificate numbers (optional, one per line)"),
                            validators=[Length(max=40000)])


@bp.route("/webhooks/new", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def webhook_new() -> Any:
    """Register a webhook: a signed call to your system whenever a certificate changes."""
    form = WebhookForm()
    error = None
    if form.validate_on_submit():
        numbers = webhook_service.parse_numbers(form.numbers.data or "")
        if len(numbers) > webhook_service.MAX_NUMBERS:
            error = _("At most %(n)s certificate numbers per webhook.",
                      n=webhook_service.MAX_NUMBERS)
        else:
            try:
                webhook_service.register(organisation=form.organisation.data,
                                         email=form.email.data, url=form.url.data,
                                         numbers=numbers, lang=current_lang(),
                                         now=clock.utcnow())
                return render_template("webhooks/check_mail.html")
            except outbound.UnsafeAddressError as exc:
                error = _("This address cannot receive webhooks: %(why)s. Use a public "
                          "https:// address.", why=str(exc))
            except MailError:
                error = _("The confirmation e-mail could not be sent just now. "
                          "Please try again later.")
    status = 400 if request.method == "POST" else 200
    return render_template("webhooks/new.html", form=form, error=error,
                           window=int(webhook_service.REPLAY_WINDOW.total_seconds() // 60)), status


def _log(hook_id: int) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery)
                                   .where(WebhookDelivery.webhook_id == hook_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(LOG_ROWS)))


@bp.get("/webhooks/<token>/confirm")
def webhook_confirm(token: str) -> Any:
    """Confirm a webhook from the e-mail link; show its secret."""
    hook = webhook_service.confirm(token, now=clock.utcnow())
    if hook is None:
        return render_template("watch/link_invalid.html"), 404
    return _manage_page(hook, token, confirmed=True)


@bp.route("/webhooks/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def webhook_manage(token: str) -> Any:
    """The webhook's secret and delivery log; POST disables it."""
    hook = webhook_service.find(token)
    if hook is None or hook.confirmed_at is None:
        return render_template("watch/link_invalid.html"), 404
    if request.method == "POST":
        webhook_service.disable(hook, now=clock.utcnow())
    return _manage_page(hook, token)


def _manage_page(hook: Any, token: str, *, confirmed: bool = False) -> Any:
    response = render_template(
        "webhooks/manage.html", hook=hook, token=token, confirmed=confirmed,
        secret=webhook_service.secret_for(hook), deliveries=_log(hook.id),
        header=webhook_service.SIGNATURE_HEADER, event_header=webhook_service.EVENT_HEADER)
    return response, 200, {"Cache-Control": "private, no-store"}
