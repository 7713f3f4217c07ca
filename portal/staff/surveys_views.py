"""Back office for satisfaction surveys: audits and invitations, results, follow-ups, phone
spot checks (role `sales`; admins too)."""

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.domain.schemes import BY_CODE, SCHEME_CODES
from portal.extensions import db
from portal.models import Audit, AuditType, Role
from portal.models.survey import SurveyFollowUp, SurveyInvitation
from portal.services import surveys as survey_service
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.surveys_forms import (
    AuditForm,
    CloseFollowUpForm,
    InviteForm,
    PhoneCheckForm,
    ResultsForm,
)

sales_role = roles_required(Role.SALES)
ID = "int(max=2147483647)"


def _ip() -> str:
    return request.remote_addr or ""


def _audit(audit_id: int) -> Audit:
    audit = db.session.get(Audit, audit_id)
    if audit is None:
        abort(404)
    return audit


def _day(raw: str | None, default: date) -> date:
    try:
        value = date.fromisoformat((raw or "").strip())
    except ValueError:
        return default
    return value if date(1990, 1, 1) <= value <= date(2099, 12, 31) else default


@bp.get("/surveys")
@sales_role
def surveys() -> Any:
    """Results per period, per scheme and per audit team, with the free comments."""
    today = clock.today()
    start = _day(request.args.get("start"), today - timedelta(days=365))
    end = _day(request.args.get("end"), today)
    scheme = request.args.get("scheme", "")
    scheme = scheme if scheme in BY_CODE else ""
    team = request.args.get("team", "")[:500]
    form = ResultsForm(formdata=None, start=start.isoformat(), end=end.isoformat(),
                       scheme=scheme, team=team)
    form.scheme.choices = [("", _("All schemes"))] + [(c, c) for c in SCHEME_CODES]
    form.team.choices = [("", _("All audit teams"))] + [(t, t) for t in survey_service.teams()]
    found = survey_service.results(start=start, end=end, scheme=scheme, team=team)
    return render_template("staff/surveys/results.html", form=form, results=found,
                           aspects=list(survey_service.ASPECT_LABELS),
                           open_follow_ups=len(survey_service.open_follow_ups()))


@bp.get("/surveys/audits")
@roles_required(Role.SALES, Role.REGISTRAR)
def survey_audits() -> Any:
    """Recent audits with their survey invitations; registrars record an audit here."""
    return render_template("staff/surveys/audits.html",
                           rows=survey_service.recent_audits(days=120, today=clock.today()),
                           form=AuditForm(prefix="audit"))


@bp.post("/surveys/audits")
@roles_required(Role.REGISTRAR)  # an audit is public register data (API, statistics)
def survey_audit_new() -> Any:
    """Record an audit (and issue its invitation at once, e-mailed when a contact is given)."""
    form = AuditForm(prefix="audit")
    if form.validate_on_submit():
        try:
            audit = survey_service.record_audit(
                form.certificate_number.data, AuditType(form.audit_type.data),
                date.fromisoformat(form.audit_date.data), form.team_list(),
                actor=current_user.email, now=clock.utcnow(), ip=_ip())
        except survey_service.SurveyError as exc:
            form.certificate_number.errors = [str(exc.message)]
        else:
            if form.invite.data:
                survey_service.issue_invitation(audit, actor=current_user.email,
                                                now=clock.utcnow(),
                                                contact_email=form.contact_email.data or "",
                                                lang=form.lang.data, ip=_ip())
            flash(_("The audit is recorded."), "success")
            return redirect(url_for("staff.survey_audit", audit_id=audit.id))
    return render_template("staff/surveys/audits.html", form=form, status=400,
                           rows=survey_service.recent_audits(days=120, today=clock.today())), 400


def _audit_page(audit: Audit, *, invite: InviteForm | None = None,
                phone: PhoneCheckForm | None = None, status: int = 200) -> Any:
    from sqlalchemy import select

    from portal.models.survey import PhoneCheck

    checks = list(db.session.scalars(select(PhoneCheck).where(PhoneCheck.audit_id == audit.id)
                                     .order_by(PhoneCheck.called_on)))
    phone_form = phone or PhoneCheckForm(prefix="phone")
    if phone is None:
        phone_form.called_on.data = clock.today().isoformat()
    return render_template("staff/surveys/audit.html", audit=audit,
                           invitation=survey_service.invitation_for(audit),
                           invite_form=invite or InviteForm(prefix="invite"),
                           phone_form=phone_form, checks=checks), status


@bp.get(f"/surveys/audits/<{ID}:audit_id>")
@sales_role
def survey_audit(audit_id: int) -> Any:
    """One audit: its invitation (link, QR sheet, answer) and phone spot checks."""
    return _audit_page(_audit(audit_id))


@bp.post(f"/surveys/audits/<{ID}:audit_id>/invite")
@sales_role
def survey_invite(audit_id: int) -> Any:
    """Issue the audit's invitation; e-mail it when the contact's address is given."""
    audit = _audit(audit_id)
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        return _audit_page(audit, invite=form, status=400)
    survey_service.issue_invitation(audit, actor=current_user.email, now=clock.utcnow(),
                                    contact_email=form.contact_email.data or "",
                                    lang=form.lang.data, ip=_ip())
    flash(_("The invitation is ready: print the sheet for the closing meeting."), "success")
    return redirect(url_for("staff.survey_audit", audit_id=audit.id))


@bp.post(f"/surveys/audits/<{ID}:audit_id>/phone-check")
@sales_role
def survey_phone_check(audit_id: int) -> Any:
    """Record a phone spot check of the audited organisation."""
    audit = _audit(audit_id)
    form = PhoneCheckForm(prefix="phone")
    if not form.validate_on_submit():
        return _audit_page(audit, phone=form, status=400)
    survey_service.record_phone_check(
        audit, actor=current_user.email, called_on=date.fromisoformat(form.called_on.data),
        person=form.person.data or "", overall=int(form.overall.data),
        notes=form.notes.data or "", now=clock.utcnow(), ip=_ip())
    flash(_("The phone check is recorded."), "success")
    return redirect(url_for("staff.survey_audit", audit_id=audit.id))


@bp.get(f"/surveys/invitations/<{ID}:invitation_id>/sheet")
@sales_role
def survey_sheet(invitation_id: int) -> Any:
    """A printable sheet with the survey's QR code, for the closing meeting."""
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None:
        abort(404)
    return render_template("staff/surveys/sheet.html", invitation=invitation,
                           url=survey_service.survey_url(invitation),
                           qr=survey_service.qr_svg(invitation))


@bp.get("/surveys/follow-ups")
@sales_role
def survey_follow_ups() -> Any:
    """Low scores (2 or less) to follow up; each is closed with a note."""
    closed = request.args.get("closed") == "1"
    return render_template("staff/surveys/follow_ups.html", closed=closed,
                           items=survey_service.list_follow_ups(closed=closed),
                           form=CloseFollowUpForm(prefix="close"))


@bp.post(f"/surveys/follow-ups/<{ID}:item_id>/close")
@sales_role
def survey_follow_up_close(item_id: int) -> Any:
    """Close a follow-up item with a note of what was done (required)."""
    item = db.session.get(SurveyFollowUp, item_id)
    if item is None:
        abort(404)
    form = CloseFollowUpForm(prefix="close")
    if not form.validate_on_submit():
        flash(_("Write what was done before closing the follow-up."), "error")
        return redirect(url_for("staff.survey_follow_ups")), 303
    try:
        survey_service.close_follow_up(item, actor=current_user.email, note=form.note.data,
                                       now=clock.utcnow(), ip=_ip())
    except survey_service.SurveyError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("staff.survey_follow_ups"))
    flash(_("The follow-up is closed."), "success")
    return redirect(url_for("staff.survey_follow_ups"))


