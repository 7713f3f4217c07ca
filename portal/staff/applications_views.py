"""Back office for applications for certification (role `sales`; admins too)."""

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from portal import clock
from portal.domain.applications import (
    ConflictRelation,
    DeclineReason,
    ReviewKind,
    ReviewOutcome,
)
from portal.extensions import db
from portal.models import Role, User
from portal.models.application import Application
from portal.services import applications as application_service
from portal.services import uploads
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.applications_forms import (
    AssignForm,
    ConflictForm,
    DeclineForm,
    FilterForm,
    MessageForm,
    NoteForm,
    QuoteForm,
    ReviewForm,
)

sales_role = roles_required(Role.SALES)
ID = "int(max=2147483647)"


def _application(reference: str) -> Application:
    application = application_service.get_by_reference(reference)
    if application is None:
        abort(404)
    return application


def _ip() -> str:
    return request.remote_addr or ""


def _forms(application: Application) -> dict[str, FlaskForm]:
    assign = AssignForm(prefix="assign")
    assign.reviewer.choices = [("", _("Choose…"))] + [
        (user.email, user.email + (" — " + _("conflict of interest") if reasons else ""))
        for user, reasons in application_service.reviewers(application)]
    return {"review_start": MessageForm(prefix="review_start"), "assign": assign,
            "review": ReviewForm(prefix="review"), "quote": QuoteForm(prefix="quote"),
            "accept": MessageForm(prefix="accept"), "decline": DeclineForm(prefix="decline"),
            "contract": MessageForm(prefix="contract"), "close": MessageForm(prefix="close"),
            "note": NoteForm(prefix="note"), "conflict": ConflictForm(prefix="conflict")}


def _detail_page(application: Application, *, forms: dict[str, FlaskForm] | None = None,
                 error: str = "", status: int = 200) -> Any:
    forms = {**_forms(application), **(forms or {})}
    return render_template(
        "staff/applications/detail.html", application=application, forms=forms, error=error,
        due=application_service.answer_due(application),
        overdue=application_service.is_overdue(application, clock.today()),
        steps=application_service.timeline(application),
        reviewers=application_service.reviewers(application),
        missing=application_service.missing_reviews(application),
        missing_text=", ".join(str(application_service.REVIEW_LABELS[k])
                               for k in application_service.missing_reviews(application)),
        my_conflicts=application_service.conflicts(application, current_user.email),
        review_kinds=[k.value for k in ReviewKind]), status


@bp.get("/applications")
@sales_role
def applications() -> Any:
    """The queue: open applications by default, overdue ones marked."""
    form = FilterForm(request.args)
    form.stage.choices = [("open", _("Open applications")), ("", _("All stages"))] + list(
        application_service.STAGE_LABELS.items())
    stage = request.args.get("stage", "open")
    form.stage.data = stage
    today = clock.today()
    rows = application_service.list_applications(
        stage=stage, text=form.q.data or "", overdue=bool(form.overdue.data),
        reviewer=current_user.email if form.mine.data else "", today=today)
    return render_template("staff/applications/list.html", form=form, rows=[
        (a, application_service.answer_due(a), application_service.is_overdue(a, today))
        for a in rows], answer_days=application_service.answer_working_days())


@bp.get("/applications/<reference>")
@sales_role
def application_detail(reference: str) -> Any:
    """One application: what was sent, the three reviews, the record and the next steps."""
    return _detail_page(_application(reference))


def _step(name: str, run: Callable[[Application, Any], bool | None], success: str) -> Any:
    application = _application(request.view_args["reference"])  # type: ignore[index]
    form = _forms(application)[name]
    if not form.validate_on_submit():
        return _detail_page(application, forms={name: form}, status=400,
                            error=_("The form has errors; see below."))
    try:
        mailed = run(application, form)
    except application_service.ApplicationError as exc:
        db.session.rollback()
        return _detail_page(_application(application.reference), forms={name: form},
                            error=str(exc.message), status=409)
    flash(success, "success")
    if mailed is False:
        flash(_("The change is saved, but the e-mail to the applicant could not be sent. "
                "Tell them another way."), "error")
    return redirect(url_for("staff.application_detail", reference=application.reference))


@bp.post("/applications/<reference>/review-start")
@sales_role
def application_review_start(reference: str) -> Any:
    """Start the three reviews and tell the applicant."""
    return _step("review_start", lambda a, f: application_service.start_review(
        a, actor=current_user, message=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The review has started and the applicant is informed."))


@bp.post("/applications/<reference>/assign")
@sales_role
def application_assign(reference: str) -> Any:
    """Assign a reviewer to one review (refused for anyone with a tie to the organisation)."""

    def run(application: Application, form: AssignForm) -> None:
        reviewer = db.session.scalar(select(User).where(
            func.lower(User.email) == (form.reviewer.data or "").lower()))
        if reviewer is None:
            raise application_service.ApplicationError(_("Choose a reviewer."))
        application_service.assign_reviewer(application, ReviewKind(form.kind.data), reviewer,
                                            actor=current_user, now=clock.utcnow(), ip=_ip())

    return _step("assign", run, _("The reviewer is assigned."))


@bp.post("/applications/<reference>/review")
@sales_role
def application_review(reference: str) -> Any:
    """Record one of the three reviews (who and when are recorded)."""
    return _step("review", lambda a, f: application_service.record_review(
        a, ReviewKind(f.kind.data), actor=current_user, outcome=ReviewOutcome(f.outcome.data),
        note=f.note.data or "", now=clock.utcnow(), ip=_ip()), _("The review is recorded."))


@bp.post("/applications/<reference>/quote")
@sales_role
def application_quote(reference: str) -> Any:
    """Send the written quotation."""
    return _step("quote", lambda a, f: application_service.quote(
        a, actor=current_user, text=f.text.data, now=clock.utcnow(), ip=_ip()),
        _("The quotation is sent to the applicant."))


@bp.post("/applications/<reference>/accept")
@sales_role
def application_accept(reference: str) -> Any:
    """Accept the application."""
    return _step("accept", lambda a, f: application_service.accept(
        a, actor=current_user, text=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The application is accepted and the applicant informed."))


@bp.post("/applications/<reference>/decline")
@sales_role
def application_decline(reference: str) -> Any:
    """Decline the application; the reason is e-mailed to the applicant."""
    return _step("decline", lambda a, f: application_service.decline(
        a, actor=current_user, reason_class=DeclineReason(f.reason_class.data),
        reason=f.text.data, now=clock.utcnow(), ip=_ip()),
        _("The application is declined and the reason sent to the applicant."))


@bp.post("/applications/<reference>/contract")
@sales_role
def application_contract(reference: str) -> Any:
    """Record the signed certification contract."""
    return _step("contract", lambda a, f: application_service.record_contract(
        a, actor=current_user, text=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The contract is recorded and the applicant informed."))


@bp.post("/applications/<reference>/close")
@sales_role
def application_close(reference: str) -> Any:
    """Close the application and tell the applicant."""
    return _step("close", lambda a, f: application_service.close(
        a, actor=current_user, text=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The application is closed and the applicant informed."))


@bp.post("/applications/<reference>/note")
@sales_role
def application_note(reference: str) -> Any:
    """Add an internal note."""
    return _step("note", lambda a, f: application_service.add_note(
        a, actor=current_user, text=f.text.data, now=clock.utcnow(), ip=_ip()),
        _("The note is saved."))


@bp.post("/applications/<reference>/conflict")
@sales_role
def application_conflict(reference: str) -> Any:
    """Record a staff member's tie to the organisation (they may then not review it)."""
    return _step("conflict", lambda a, f: application_service.declare_conflict(
        a, actor=current_user, email=f.email.data, relation=ConflictRelation(f.relation.data),
        note=f.note.data or "", now=clock.utcnow(), ip=_ip()) and None,
        _("The declaration is recorded."))


@bp.get(f"/applications/<reference>/attachments/<{ID}:attachment_id>")
@sales_role
def application_attachment(reference: str, attachment_id: int) -> Any:
    """Download one attachment (staff only; never served publicly)."""
    found = application_service.attachment(_application(reference), attachment_id)
    if found is None:
        abort(404)
    try:
        path = uploads.path_of(found.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename, max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response
