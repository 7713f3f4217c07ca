"""Administration: staff accounts, the audit log, public alerts and public pages' review dates."""

from datetime import date
from typing import Any

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.extensions import db
from portal.models import Alert, Role, User
from portal.services import alerts as alert_service
from portal.services import audit_log_reader, content_reviews
from portal.services import staff as staff_service
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.forms import (
    ALERT_KIND_LABELS,
    ROLE_LABELS,
    ActionForm,
    AlertForm,
    AuditFilterForm,
    UserCreateForm,
    UserRoleForm,
)
from portal.staff.inputs import MAX_ID, page_number
from portal.staff.views import password_problem_text

AUDIT_PER_PAGE = 50
EARLIEST_ALERT = date(1990, 1, 1)  # before the body existed: surely a typing error
REVIEW_INTERVAL_DAYS = 365  # a public page not reviewed for longer is flagged
ID = f"int(max={MAX_ID})"  # a larger id names nothing: 404, not a database error


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


# --- users -------------------------------------------------------------------------------

@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    """Every staff account with its role, state and last sign-in."""
    now = clock.utcnow()
    accounts = staff_service.list_users()
    locked = {u.id for u in accounts if staff_service.is_locked(u, now)}
    return render_template("staff/users.html", accounts=accounts, locked=locked,
                           role_labels=ROLE_LABELS)


def _one_time_password_page(user: User, password: str, created: bool) -> Response:
    """Show a one-time password once; it is never stored, flashed or cached."""
    response = make_response(render_template("staff/user_password.html", account=user,
                                             password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new() -> Any:
    """Create an account with a one-time password the person replaces at first sign-in."""
    form = UserCreateForm()
    if form.validate_on_submit():
        password = staff_service.one_time_password()
        try:
            user = staff_service.create_user(form.email.data, form.role.data, password,
                                             name=form.name.data or "", actor=current_user.email,
                                             now=clock.utcnow(), must_change_password=True)
        except staff_service.StaffError as exc:
            form.email.errors = [password_problem_text(exc.code)]
        else:
            return _one_time_password_page(user, password, created=True)
    return render_template("staff/user_new.html", form=form)


@bp.get(f"/users/<{ID}:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int) -> str:
    """One account: change its role, deactivate it, reset its password, lift a lock-out."""
    account = _user(user_id)
    role_form = UserRoleForm(formdata=None, role=account.role.value)
    return render_template("staff/user.html", account=account, role_form=role_form,
                           action_form=ActionForm(formdata=None), role_labels=ROLE_LABELS,
                           locked=staff_service.lock_state(account, clock.utcnow()))


def _apply(change: Any, success: str) -> None:
    try:
        change()
    except staff_service.StaffError as exc:
        flash(password_problem_text(exc.code), "error")
    else:
        flash(success, "success")


@bp.post(f"/users/<{ID}:user_id>/role")
@roles_required(Role.ADMIN)
def user_role(user_id: int) -> Response:
    """Give the account another role; its sessions end."""
    account = _user(user_id)
    form = UserRoleForm()
    if form.validate_on_submit():
        _apply(lambda: staff_service.set_role(account, form.role.data, actor=current_user.email,
                                              now=clock.utcnow()),
               _("The role of %(email)s is now: %(role)s.", email=account.email,
                 role=ROLE_LABELS[form.role.data]))
    return redirect(url_for("staff.user", user_id=user_id))


@bp.post(f"/users/<{ID}:user_id>/deactivate")
@roles_required(Role.ADMIN)
def user_deactivate(user_id: int) -> Response:
    """Stop the account from signing in; its sessions end at once."""
    account = _user(user_id)
    _apply(lambda: staff_service.set_active(account, False, actor=current_user.email,
                                            now=clock.utcnow()),
           _("%(email)s can no longer sign in.", email=account.email))
    return redirect(url_for("staff.user", user_id=user_id))


@bp.post(f"/users/<{ID}:user_id>/activate")
@roles_required(Role.ADMIN)
def user_activate(user_id: int) -> Response:
    """Let a deactivated account sign in again."""
    account = _user(user_id)
    _apply(lambda: staff_service.set_active(account, True, actor=current_user.email,
                                            now=clock.utcnow()),
           _("%(email)s can sign in again.", email=account.email))
    return redirect(url_for("staff.user", user_id=user_id))


@bp.post(f"/users/<{ID}:user_id>/unlock")
@roles_required(Role.ADMIN)
def user_unlock(user_id: int) -> Response:
    """Lift a sign-in lock-out before it runs out."""
    account = _user(user_id)
    staff_service.unlock(account, actor=current_user.email, now=clock.utcnow())
    flash(_("%(email)s can try to sign in again.", email=account.email), "success")
    return redirect(url_for("staff.user", user_id=user_id))


@bp.post(f"/users/<{ID}:user_id>/reset-password")
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int) -> Response:
    """Replace the account's password with a one-time one (shown once)."""
    account = _user(user_id)
    password = staff_service.reset_password(account, actor=current_user.email,
                                            now=clock.utcnow())
    return _one_time_password_page(account, password, created=False)


# --- audit log ---------------------------------------------------------------------------

def _audit_filter(form: AuditFilterForm) -> audit_log_reader.AuditFilter:
    def day(value: str | None) -> date | None:
        try:
            return date.fromisoformat((value or "").strip())
        except ValueError:
            return None

    return audit_log_reader.AuditFilter(actor=(form.actor.data or "")[:254],
                                   action=form.action.data or "",
                                   entity=(form.entity.data or "")[:64],
                                   date_from=day(form.date_from.data),
                                   date_to=day(form.date_to.data))


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + [(a, a) for a in audit_log_reader.actions()]
    return form


@bp.get("/audit-log")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    """Who did what, when, before and after: newest first, filterable."""
    form = _audit_form()
    filters = _audit_filter(form)
    page = db.paginate(audit_log_reader.entries_query(filters),
                       page=page_number(), per_page=AUDIT_PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("staff/audit_log.html", form=form, page=page, args=args,
                           changes=audit_log_reader.changes)


@bp.get("/audit-log.csv")
@roles_required(Role.ADMIN)
def audit_log_csv() -> Response:
    """The filtered audit log as a CSV file."""
    body = audit_log_reader.export_csv(_audit_filter(_audit_form()))
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%SZ")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


# --- alerts ------------------------------------------------------------------------------

@bp.route("/alerts", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR)
def alerts() -> Any:
    """Publish a public warning at /alerts, and see every warning published."""
    form = AlertForm()
    if request.method == "GET":
        form.published_on.data = clock.today().isoformat()
    if form.validate_on_submit():
        try:
            published = date.fromisoformat(form.published_on.data.strip())
        except ValueError:
            published = None
        if published is None or not EARLIEST_ALERT <= published <= clock.today():
            form.published_on.errors = [_("Enter a date from %(first)s to today as YYYY-MM-DD.",
                                          first=EARLIEST_ALERT.isoformat())]
        else:
            alert_service.create_alert(form.kind.data, form.value.data,
                                       description_zh=form.description_zh.data,
                                       description_en=form.description_en.data or "",
                                       published_on=published, actor=current_user.email,
                                       now=clock.utcnow())
            flash(_("The alert is published at /alerts."), "success")
            return redirect(url_for("staff.alerts"))
    return render_template("staff/alerts.html", form=form, items=alert_service.list_alerts(),
                           kind_labels=ALERT_KIND_LABELS, action_form=ActionForm(formdata=None))


@bp.post(f"/alerts/<{ID}:alert_id>/<any(deactivate, activate):change>")
@roles_required(Role.REGISTRAR)
def alert_toggle(alert_id: int, change: str) -> Response:
    """Withdraw an alert from the public page, or show it again."""
    alert = db.session.get(Alert, alert_id) or abort(404)
    alert_service.set_alert_active(alert, change == "activate", actor=current_user.email,
                                   now=clock.utcnow())
    flash(_("The alert is shown again.") if change == "activate"
          else _("The alert is no longer shown."), "success")
    return redirect(url_for("staff.alerts"))


# --- public pages ------------------------------------------------------------------------

@bp.get("/content")
@roles_required(Role.ADMIN)
def content_pages() -> str:
    """The public information pages and the date each was last reviewed."""
    return render_template("staff/content_pages.html", pages=content_reviews.review_list(),
                           today=clock.today(), review_days=REVIEW_INTERVAL_DAYS)


@bp.post("/content/<slug>/<any(zh, en):lang>/reviewed")
@roles_required(Role.ADMIN)
def content_reviewed(slug: str, lang: str) -> Response:
    """Confirm that a public page was reviewed today and is still right."""
    if slug not in content_reviews.PAGES:
        abort(404)
    try:
        content_reviews.confirm_review(slug, lang, actor=current_user.email,
                                       now=clock.utcnow(), today=clock.today())
    except content_reviews.ContentError:
        flash(_("This page's file is missing or malformed: fix the file before confirming a "
                "review."), "error")
    else:
        flash(_("Review of %(page)s (%(lang)s) recorded for today.", page=slug, lang=lang),
              "success")
    return redirect(url_for("staff.content_pages"))
