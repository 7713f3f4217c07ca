"""Public pages: file a complaint or appeal, track it, report a suspected fake."""

from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError

from portal import clock, errors
from portal.complaints import bp
from portal.complaints.forms import ComplaintForm, FakeReportForm, TrackForm
from portal.domain.complaints import ComplaintAbout, ComplaintKind, FakeReportKind, clean_text
from portal.extensions import limiter, login_manager
from portal.i18n import current_lang
from portal.services import complaints as complaint_service

FILE_LIMIT = "5 per hour; 20 per day"
TRACK_LIMIT = "10 per minute; 60 per hour"


def _private(body: str, status: int = 200) -> Any:
    """Answer with a page that must not be cached (it may show a tracking code or a case)."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(FILE_LIMIT, methods=["POST"])
def new() -> Any:
    """The complaint and appeal form (docs/contract.md §5); on success, the reference and tracking code."""
    form = ComplaintForm()
    if request.method == "GET":
        form.certificate_number.data = _arg("certificate_number", 64)
        if request.args.get("kind") in {k.value for k in ComplaintKind}:
            form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        data = complaint_service.NewComplaint(
            kind=ComplaintKind(form.kind.data), about=ComplaintAbout(form.about.data),
            certificate_number=form.certificate_number.data or "", name=form.name.data,
            email=form.email.data.lower(), phone=form.phone.data or "",
            subject=form.subject.data, description=form.description.data, lang=current_lang())
        filed = complaint_service.file_complaint(data, form.checked_files, now=clock.utcnow())
        if filed.duplicate:
            return _private(render_template("complaints/duplicate.html",
                                            complaint=filed.complaint))
        return _private(render_template(
            "complaints/filed.html", complaint=filed.complaint, code=filed.tracking_code,
            mail_sent=filed.mail_sent, mail_held=filed.mail_held, deadlines=complaint_service.deadlines(
                filed.complaint, clock.today()),
            target_days=complaint_service.target_days()))
    return _new_page(form, 400 if form.errors else 200)


def _new_page(form: ComplaintForm, status: int, *, expired: bool = False,
              unsaved: bool = False) -> Any:
    return _private(render_template("complaints/new.html", form=form, expired=expired,
                                    unsaved=unsaved,
                                    max_mb=_max_mb(), target_days=complaint_service.target_days()),
                    status)


def _arg(name: str, length: int) -> str:
    """Return a query-string value to prefill a field with, cleaned and cut to `length`."""
    return str(clean_text(request.args.get(name, "")[:length]))


def _max_mb() -> str:
    from portal.services.uploads import max_bytes

    return f"{max_bytes() / 1024 / 1024:g}"


@bp.route("/complaints/track", methods=["GET", "POST"])
@limiter.limit(TRACK_LIMIT, methods=["POST"])
def track() -> Any:
    """Follow a case with its reference and tracking code; reveals nothing without both."""
    form = TrackForm()
    if request.method == "GET":
        form.reference.data = _arg("reference", 40)
    complaint = None
    not_found = False
    if form.validate_on_submit():
        complaint = complaint_service.track(form.reference.data, form.code.data)
        not_found = complaint is None
        form.code.data = ""  # never echo a code back into the page
    if complaint is not None:
        return _private(render_template(
            "complaints/status.html", complaint=complaint,
            steps=complaint_service.timeline(complaint),
            deadlines=complaint_service.deadlines(complaint, clock.today())))
    return _track_page(form, 400 if form.errors else 200, not_found=not_found)


def _track_page(form: TrackForm, status: int, *, not_found: bool = False,
                expired: bool = False) -> Any:
    return _private(render_template("complaints/track.html", form=form, not_found=not_found,
                                    expired=expired), status)


@bp.route("/report-fake", methods=["GET", "POST"])
@limiter.limit(FILE_LIMIT, methods=["POST"])
def report_fake() -> Any:
    """Report a suspected counterfeit certificate or look-alike verification site."""
    form = FakeReportForm()
    if request.method == "GET":
        number = _arg("certificate_number", 64)
        form.certificate_number.data = number
        url = _arg("url", 500)
        form.url.data = url
        if url and not number:
            form.kind.data = FakeReportKind.LOOKALIKE_SITE.value
    if form.validate_on_submit():
        data = complaint_service.NewFakeReport(
            kind=FakeReportKind(form.kind.data), description=form.description.data,
            certificate_number=form.certificate_number.data or "", url=form.url.data or "",
            name=form.name.data or "", email=(form.email.data or "").lower(),
            lang=current_lang())
        report = complaint_service.file_fake_report(data, form.checked_photo, now=clock.utcnow())
        return _private(render_template("complaints/fake_reported.html", report=report))
    return _report_page(form, 400 if form.errors else 200)


def _report_page(form: FakeReportForm, status: int, *, expired: bool = False,
                 unsaved: bool = False) -> Any:
    return _private(render_template("complaints/report_fake.html", form=form, max_mb=_max_mb(),
                                    body_email=current_app.config["BODY_EMAIL"],
                                    expired=expired, unsaved=unsaved), status)


def _retry_at() -> datetime | None:
    """Return when the limit that was hit lets the client in again, if the limiter knows."""
    try:
        current = limiter.current_limit
        return datetime.fromtimestamp(current.reset_at, UTC) if current else None
    except Exception:  # noqa: BLE001 - storage down (any client library's error): no time shown
        return None


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> Any:
    """Show the form again as typed, with a fresh token: nothing was sent or stored."""
    if request.endpoint == "complaints.new":
        return _new_page(ComplaintForm(), 400, expired=True)
    if request.endpoint == "complaints.report_fake":
        return _report_page(FakeReportForm(), 400, expired=True)
    form = TrackForm()
    form.code.data = ""  # never echo a code back into the page
    return _track_page(form, 400, expired=True)


def _database_down(error: Exception) -> Any:
    """Show a form sent while the database is down again, as typed: nothing is lost."""
    errors.forget_failed_transaction()
    current_app.logger.warning("database unavailable on %s: %s", request.path,
                               type(error).__name__)
    if request.method != "POST" or request.endpoint not in ("complaints.new",
                                                            "complaints.report_fake"):
        return errors.database_unavailable()
    g._login_user = login_manager.anonymous_user()
    if request.endpoint == "complaints.new":
        response = _new_page(ComplaintForm(), 503, unsaved=True)
    else:
        response = _report_page(FakeReportForm(), 503, unsaved=True)
    response.headers["Retry-After"] = str(errors.DATABASE_RETRY_AFTER)
    return response


for _error in errors.DATABASE_DOWN:
    bp.register_error_handler(_error, _database_down)


@bp.errorhandler(429)
def too_many_requests(error: Exception) -> Any:
    """Explain the limit on filing or tracking in the user's language, and when to retry."""
    return _private(render_template("complaints/too_many.html", retry_at=_retry_at(),
                                    tracking=request.endpoint == "complaints.track"), 429)
