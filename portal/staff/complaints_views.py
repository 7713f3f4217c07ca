"""Back office for complaints, appeals and reports of fakes (role `complaints`; admins too)."""

from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Role, User
from portal.models.complaint import Complaint, FakeReport
from portal.services import complaints as complaint_service
from portal.services import uploads
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.complaints_forms import (
    ActionForm,
    AlertForm,
    AssignForm,
    DecideForm,
    DismissForm,
    FilterForm,
    LinkForm,
    MessageForm,
    NoteForm,
    RejectForm,
)

complaints_role = roles_required(Role.COMPLAINTS)
ID = "int(max=2147483647)"  # a larger id names nothing: 404, not a database error


def _case(reference: str) -> Complaint:
    complaint = complaint_service.get_by_reference(reference)
    if complaint is None:
        abort(404)
    return complaint


def _ip() -> str:
    return request.remote_addr or ""


def _forms(complaint: Complaint,
           handlers: list[tuple[User, list[str]]]) -> dict[str, FlaskForm]:
    assign = AssignForm(prefix="assign")
    assign.handler.choices = [("", _("Choose…"))] + [
        (user.email, user.email + (" — " + _("conflict of interest") if reasons else ""))
        for user, reasons in handlers]
    return {"acknowledge": MessageForm(prefix="acknowledge"), "reject": RejectForm(prefix="reject"),
            "assign": assign, "investigate": MessageForm(prefix="investigate"),
            "action": ActionForm(prefix="action"), "note": NoteForm(prefix="note"),
            "link": LinkForm(prefix="link"), "decide": DecideForm(prefix="decide"),
            "close": MessageForm(prefix="close")}


def _detail_page(complaint: Complaint, *, forms: dict[str, FlaskForm] | None = None,
                 error: str = "", status: int = 200) -> Any:
    found = complaint_service.participation(complaint)  # one query for every candidate
    handlers = complaint_service.eligible_handlers(complaint, found)
    forms = {**_forms(complaint, handlers), **(forms or {})}
    today = clock.today()
    return render_template(
        "staff/complaints/detail.html", complaint=complaint, forms=forms, error=error,
        deadlines=complaint_service.deadlines(complaint, today),
        steps=complaint_service.timeline(complaint), handlers=handlers,
        my_conflicts=complaint_service.conflicts_of(current_user.email, found),
    ), status


@bp.get("/complaints")
@complaints_role
def complaints() -> Any:
    """List cases with filters; overdue ones are marked."""
    form = FilterForm(request.args)
    form.stage.choices = [("open", _("Open cases")), ("", _("All stages"))] + [
        (key, label) for key, label in complaint_service.STAGE_LABELS.items()]
    form.kind.choices = [("", _("All kinds"))] + list(complaint_service.KIND_LABELS.items())
    stage = request.args.get("stage", "open")
    form.stage.data = stage
    today = clock.today()
    rows = complaint_service.list_complaints(
        stage=stage, kind=form.kind.data or "", text=form.q.data or "",
        overdue=bool(form.overdue.data),
        handler=current_user.email if form.mine.data else "", today=today)
    return render_template("staff/complaints/list.html", form=form, rows=[
        (c, complaint_service.deadlines(c, today)) for c in rows])


@bp.get("/complaints/<reference>")
@complaints_role
def complaint_detail(reference: str) -> Any:
    """One case: what was sent, deadlines, the full record, and the next steps."""
    return _detail_page(_case(reference))


def _step(name: str, run: Callable[[Complaint, Any], bool | None], success: str) -> Any:
    complaint = _case(request.view_args["reference"])  # type: ignore[index]
    handlers = complaint_service.eligible_handlers(complaint) if name == "assign" else []
    form = _forms(complaint, handlers)[name]
    if not form.validate_on_submit():
        return _detail_page(complaint, forms={name: form}, status=400,
                            error=_("The form has errors; see below."))
    try:
        mailed = run(complaint, form)
    except complaint_service.ComplaintError as exc:
        db.session.rollback()
        return _detail_page(_case(complaint.reference), forms={name: form},
                            error=str(exc.message), status=409)
    flash(success, "success")
    if mailed is False:
        flash(_("The change is saved, but the e-mail to the complainant could not be sent. "
                "Tell them another way."), "error")
    return redirect(url_for("staff.complaint_detail", reference=complaint.reference))


@bp.post("/complaints/<reference>/acknowledge")
@complaints_role
def complaint_acknowledge(reference: str) -> Any:
    """Accept the case for handling and tell the complainant."""
    return _step("acknowledge", lambda c, f: complaint_service.acknowledge(
        c, actor=current_user, message=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The case is acknowledged and the complainant informed."))


@bp.post("/complaints/<reference>/reject")
@complaints_role
def complaint_reject(reference: str) -> Any:
    """Close a case that is not accepted, with the reason sent to the complainant."""
    return _step("reject", lambda c, f: complaint_service.reject(
        c, actor=current_user, reason=f.text.data, now=clock.utcnow(), ip=_ip()),
        _("The case is closed as not accepted and the complainant informed."))


@bp.post("/complaints/<reference>/assign")
@complaints_role
def complaint_assign(reference: str) -> Any:
    """Assign an impartial handler (refused for anyone involved in the matter)."""

    def run(complaint: Complaint, form: AssignForm) -> None:
        handler = db.session.scalar(select(User).where(
            func.lower(User.email) == (form.handler.data or "").lower()))
        if handler is None:
            raise complaint_service.ComplaintError(_("Choose a handler."))
        complaint_service.assign_handler(complaint, handler, actor=current_user,
                                         now=clock.utcnow(), ip=_ip())

    return _step("assign", run, _("The handler is assigned."))


@bp.post("/complaints/<reference>/investigate")
@complaints_role
def complaint_investigate(reference: str) -> Any:
    """Start the investigation and tell the complainant."""
    return _step("investigate", lambda c, f: complaint_service.start_investigation(
        c, actor=current_user, message=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The investigation has started and the complainant is informed."))


@bp.post("/complaints/<reference>/action")
@complaints_role
def complaint_action(reference: str) -> Any:
    """Record an investigation step."""
    return _step("action", lambda c, f: complaint_service.record_action(
        c, actor=current_user, text=f.text.data, tell_complainant=bool(f.tell_complainant.data),
        now=clock.utcnow(), ip=_ip()), _("The action is recorded."))


@bp.post("/complaints/<reference>/note")
@complaints_role
def complaint_note(reference: str) -> Any:
    """Add an internal note."""
    return _step("note", lambda c, f: complaint_service.add_note(
        c, actor=current_user, text=f.text.data, now=clock.utcnow(), ip=_ip()),
        _("The note is saved."))


@bp.post("/complaints/<reference>/link")
@complaints_role
def complaint_link(reference: str) -> Any:
    """Link an appeal to the case whose decision it contests."""
    return _step("link", lambda c, f: complaint_service.link_appeal(
        c, f.reference.data, actor=current_user, now=clock.utcnow(), ip=_ip()),
        _("The appeal is linked."))


@bp.post("/complaints/<reference>/decide")
@complaints_role
def complaint_decide(reference: str) -> Any:
    """Decide and publish the outcome to the complainant (impartial decider only)."""
    return _step("decide", lambda c, f: complaint_service.decide(
        c, actor=current_user, outcome=f.outcome.data, note=f.note.data or "",
        now=clock.utcnow(), ip=_ip()),
        _("The decision is recorded and the outcome sent to the complainant."))


@bp.post("/complaints/<reference>/close")
@complaints_role
def complaint_close(reference: str) -> Any:
    """Close a decided case and tell the complainant."""
    return _step("close", lambda c, f: complaint_service.close(
        c, actor=current_user, message=f.text.data or "", now=clock.utcnow(), ip=_ip()),
        _("The case is closed and the complainant informed."))


@bp.post("/complaints/<reference>/export")
@complaints_role
def complaint_export(reference: str) -> Any:
    """Download what the complainant sent and was told, as JSON (a data access request)."""
    complaint = _case(reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    now = clock.utcnow()
    body = complaint_service.export_json(complaint_service.export_data(complaint, now=now))
    response = Response(body, content_type="application/json; charset=utf-8")
    # The stored reference (ASCII), never the address as typed: "TS—2026—000123" finds the
    # case too, but an em dash cannot travel in a header.
    response.headers["Content-Disposition"] = f'attachment; filename="{complaint.reference}.json"'
    response.headers["Cache-Control"] = "no-store"
    complaint_service.record_export(complaint, actor=current_user, now=now, ip=_ip())
    return response


def _private_file(stored_name: str, content_type: str, download_name: str) -> Any:
    try:
        path = uploads.path_of(stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=download_name, max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get(f"/complaints/<reference>/attachments/<{ID}:attachment_id>")
@complaints_role
def complaint_attachment(reference: str, attachment_id: int) -> Any:
    """Download one attachment (staff only; never served publicly)."""
    found = complaint_service.attachment(_case(reference), attachment_id)
    if found is None:
        abort(404)
    return _private_file(found.stored_name, found.content_type, found.filename)


# --- reports of suspected fakes -----------------------------------------------------------


def _report(report_id: int) -> FakeReport:
    report = db.session.get(FakeReport, report_id)
    if report is None:
        abort(404)
    return report


@bp.get("/fake-reports")
@complaints_role
def fake_reports() -> Any:
    """Reports of suspected counterfeit certificates and look-alike sites, newest first."""
    status = request.args.get("status", "new")
    return render_template("staff/complaints/fake_reports.html", status=status,
                           reports=complaint_service.list_fake_reports(status=status))


def _fake_report_page(report: FakeReport, *, alert_form: AlertForm | None = None,
                      dismiss_form: DismissForm | None = None, error: str = "",
                      status: int = 200) -> Any:
    if alert_form is None:
        alert_form = AlertForm(prefix="alert")
        alert_form.value.data = report.certificate_number or report.url
    return render_template("staff/complaints/fake_report.html", report=report,
                           alert_form=alert_form, error=error,
                           dismiss_form=dismiss_form or DismissForm(prefix="dismiss")), status


@bp.get(f"/fake-reports/<{ID}:report_id>")
@complaints_role
def fake_report_detail(report_id: int) -> Any:
    """One report, with the triage choices."""
    return _fake_report_page(_report(report_id))


@bp.post(f"/fake-reports/<{ID}:report_id>/alert")
@complaints_role
def fake_report_alert(report_id: int) -> Any:
    """Publish a public warning on /alerts from this report."""
    report = _report(report_id)
    form = AlertForm(prefix="alert")
    if not form.validate_on_submit():
        return _fake_report_page(report, alert_form=form, status=400,
                                 error=_("The form has errors; see below."))
    complaint_service.publish_alert(report, actor=current_user, value=form.value.data,
                                    description_zh=form.description_zh.data,
                                    description_en=form.description_en.data or "",
                                    now=clock.utcnow(), ip=_ip())
    flash(_("The alert is published on the alerts page."), "success")
    return redirect(url_for("staff.fake_report_detail", report_id=report.id))


@bp.post(f"/fake-reports/<{ID}:report_id>/dismiss")
@complaints_role
def fake_report_dismiss(report_id: int) -> Any:
    """Close the report without an alert, noting why."""
    report = _report(report_id)
    form = DismissForm(prefix="dismiss")
    if not form.validate_on_submit():
        return _fake_report_page(report, dismiss_form=form, status=400,
                                 error=_("The form has errors; see below."))
    complaint_service.dismiss_fake_report(report, actor=current_user, note=form.note.data,
                                          now=clock.utcnow(), ip=_ip())
    flash(_("The report is triaged without an alert."), "success")
    return redirect(url_for("staff.fake_report_detail", report_id=report.id))


@bp.get(f"/fake-reports/<{ID}:report_id>/photo")
@complaints_role
def fake_report_photo(report_id: int) -> Any:
    """Download the photo sent with a report (staff only)."""
    report = _report(report_id)
    if not report.photo_stored_name:
        abort(404)
    return _private_file(report.photo_stored_name, report.photo_content_type,
                         report.photo_filename)

