"""Watch every certificate of a checked list: subscribe from the result, confirm, manage."""

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from portal import clock
from portal.extensions import csrf, limiter
from portal.i18n import current_lang
from portal.register.public import PublicCertificate
from portal.services import checked_lists
from portal.services import list_watch as list_watch_service
from portal.services.mail import MailError
from portal.suppliers import bp


class ListWatchForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"), validators=[
        InputRequired(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("The e-mail address is too long.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False)])


@bp.route("/verify-list/results/<token>/watch", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def list_watch_new(token: str) -> Any:
    """Ask to be e-mailed when any certificate of a checked list changes."""
    checked = checked_lists.load(token, now=clock.utcnow())
    if checked is None:
        return render_template("suppliers/results_gone.html"), 404
    numbers = checked_lists.certificate_numbers(checked)
    form = ListWatchForm()
    if numbers and form.validate_on_submit():
        try:
            list_watch_service.subscribe(numbers, form.email.data, lang=current_lang(),
                                         now=clock.utcnow())
        except MailError:
            error = _("The confirmation e-mail could not be sent just now. Please try again later.")
            return render_template("lists/watch_form.html", form=form, token=token,
                                   count=len(numbers), error=error), 503
        return render_template("lists/check_mail.html", count=len(numbers))
    status = 400 if form.errors or (request.method == "POST" and not numbers) else 200
    return render_template("lists/watch_form.html", form=form, token=token,
                           count=len(numbers)), status


def _projected(watch: Any) -> dict[int, PublicCertificate]:
    """Return what the public may see of each watched certificate, by certificate id."""
    today = clock.today()
    return {item.certificate_id: PublicCertificate.of(item.certificate, today)
            for item in watch.items}


@bp.get("/lists/<token>/confirm")
def list_watch_confirm(token: str) -> Any:
    """Confirm a list watch from the link in its e-mail."""
    watch = list_watch_service.confirm(token, now=clock.utcnow())
    if watch is None:
        return render_template("watch/link_invalid.html"), 404
    return render_template("lists/manage.html", watch=watch, token=token, confirmed=True,
                           public=_projected(watch))


@bp.route("/lists/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def list_watch_manage(token: str) -> Any:
    """See the watched certificates of a list, and stop watching some of them."""
    watch = list_watch_service.find(token)
    if watch is None or watch.unsubscribed_at is not None:
        return render_template("watch/link_invalid.html"), 404
    removed = None
    if request.method == "POST":
        ids = [int(v) for v in request.form.getlist("certificate_id") if v.isdigit()]
        removed = list_watch_service.remove_certificates(watch, ids)
    return render_template("lists/manage.html", watch=watch, token=token, removed=removed,
                           public=_projected(watch))


@bp.route("/lists/<token>/unsubscribe", methods=["GET", "POST"])
@csrf.exempt  # the secret token is the credential; mail clients POST here (RFC 8058)
def list_watch_unsubscribe(token: str) -> Any:
    """One-click unsubscribe of a whole list: GET shows a button, POST unsubscribes."""
    watch = list_watch_service.find(token)
    if watch is None:
        return render_template("watch/link_invalid.html"), 404
    if request.method == "POST":
        list_watch_service.unsubscribe(watch, now=clock.utcnow())
        return render_template("lists/unsubscribed.html")
    return render_template("lists/unsubscribe.html", watch=watch, token=token)
