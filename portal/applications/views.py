"""Public pages: apply for certification (or ask for a quote) and follow the application."""

from datetime import UTC, datetime
from typing import Any

from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError

from portal import clock
from portal.applications import bp
from portal.applications.forms import ApplicationForm, TrackForm
from portal.domain.applications import RequestKind
from portal.domain.complaints import clean_text
from portal.domain.schemes import BY_CODE
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.services import applications as application_service
from portal.services.uploads import max_bytes

FILE_LIMIT = "5 per hour; 20 per day"
TRACK_LIMIT = "10 per minute; 60 per hour"


def _private(body: str, status: int = 200) -> Any:
    """Answer with a page that must not be cached (it may show a tracking code)."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _arg(name: str, length: int) -> str:
    return str(clean_text(request.args.get(name, "")[:length]))


def _new_application(form: ApplicationForm) -> application_service.NewApplication:
    sites = tuple(application_service.NewSite(address=entry.form.address.data.strip(),
                                              headcount=int(entry.form.headcount.data),
                                              shifts=int(entry.form.shifts.data))
                  for entry in form.sites if entry.form.filled)
    transfer = form.request_kind.data == RequestKind.TRANSFER.value
    return application_service.NewApplication(
        request_kind=RequestKind(form.request_kind.data), schemes=tuple(form.schemes.data),
        organisation_name_zh=form.organisation_name_zh.data,
        organisation_name_en=form.organisation_name_en.data or "",
        credit_code=form.credit_code.data, address=form.address.data,
        headcount=int(form.headcount.data), shifts=int(form.shifts.data), sites=sites,
        scope=form.scope.data, standard=form.standard.data or "",
        transfer_body=(form.transfer_body.data or "") if transfer else "",
        transfer_certificate_number=(form.transfer_certificate_number.data or "")
        if transfer else "",
        transfer_expiry=form.expiry if transfer else None,
        contact_name=form.contact_name.data, email=form.email.data.lower(),
        phone=form.phone.data, notes=form.notes.data or "", lang=current_lang())


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(FILE_LIMIT, methods=["POST"])
def new() -> Any:
    """The application and quotation form; on success, the reference and tracking code."""
    form = ApplicationForm()
    if request.method == "GET":
        scheme = _arg("scheme", 24).upper()
        if scheme in BY_CODE:
            form.schemes.data = [scheme]
        if request.args.get("kind") in {k.value for k in RequestKind}:
            form.request_kind.data = request.args["kind"]
    if form.validate_on_submit():
        filed = application_service.file_application(_new_application(form),
                                                     form.checked_files, now=clock.utcnow())
        if filed.duplicate:
            return _private(render_template("applications/duplicate.html",
                                            application=filed.application))
        return _private(render_template(
            "applications/filed.html", application=filed.application, code=filed.tracking_code,
            mail_sent=filed.mail_sent, due=application_service.answer_due(filed.application),
            answer_days=application_service.answer_working_days()))
    return _new_page(form, 400 if form.errors else 200)


def _new_page(form: ApplicationForm, status: int, *, expired: bool = False) -> Any:
    return _private(render_template(
        "applications/new.html", form=form, expired=expired,
        max_mb=f"{max_bytes() / 1024 / 1024:g}",
        answer_days=application_service.answer_working_days()), status)


@bp.route("/apply/track", methods=["GET", "POST"])
@limiter.limit(TRACK_LIMIT, methods=["POST"])
def track() -> Any:
    """Follow an application with its reference and tracking code; nothing without both."""
    form = TrackForm()
    if request.method == "GET":
        form.reference.data = _arg("reference", 40)
    application = None
    not_found = False
    if form.validate_on_submit():
        application = application_service.track(form.reference.data, form.code.data)
        not_found = application is None
        form.code.data = ""  # never echo a code back into the page
    if application is not None:
        return _private(render_template(
            "applications/status.html", application=application,
            steps=application_service.timeline(application),
            due=application_service.answer_due(application)))
    return _track_page(form, 400 if form.errors else 200, not_found=not_found)


def _track_page(form: TrackForm, status: int, *, not_found: bool = False,
                expired: bool = False) -> Any:
    return _private(render_template("applications/track.html", form=form, not_found=not_found,
                                    expired=expired), status)


def _retry_at() -> datetime | None:
    try:
        current = limiter.current_limit
        return datetime.fromtimestamp(current.reset_at, UTC) if current else None
    except Exception:  # noqa: BLE001 - storage down: no time shown
        return None


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> Any:
    """Show the form again as typed, with a fresh token: nothing was sent or stored."""
    if request.endpoint == "applications.new":
        return _new_page(ApplicationForm(), 400, expired=True)
    form = TrackForm()
    form.code.data = ""
    return _track_page(form, 400, expired=True)


@bp.errorhandler(429)
def too_many_requests(error: Exception) -> Any:
    """Explain the limit on sending or tracking in the user's language, and when to retry."""
    return _private(render_template("applications/too_many.html", retry_at=_retry_at(),
                                    tracking=request.endpoint == "applications.track"), 429)
