"""Back-office sign-in, sign-out, password change and the start page.

Every route of the blueprint goes through `roles_required` (deny by default) except the
sign-in page; tests/integration/test_permissions.py walks them all.
"""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal import clock
from portal.extensions import db, limiter, login_manager
from portal.models import AuditLogEntry, Role, User
from portal.services import reminders
from portal.services import staff as staff_service
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.forms import LoginForm, PasswordForm
from portal.staff.inputs import has_nul_byte
from portal.templating import fmt_datetime

ANY_STAFF = (Role.ADMIN, Role.REGISTRAR, Role.COMPLAINTS, Role.SALES)
LOGIN_AT = "staff_login_at"
DEVICE_COOKIE = "staff_device"  # signed: which accounts signed in on this browser
# Pages a user who must change an admin-set password may still open.
_OPEN_WHILE_PASSWORD_RESET = frozenset({"staff.password", "staff.logout", "staff.login"})


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load a staff user from the session; a stale session version logs out."""
    try:
        raw_id, version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version:
        return None
    return user


@bp.record_once
def _configure_login(state: Any) -> None:
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"


def password_problem_text(code: str) -> str:
    """Explain a staff-service refusal in the user's language."""
    return {
        "too_short": _("The password must have at least %(n)s characters.",
                       n=staff_service.MIN_PASSWORD_LENGTH),
        "too_long": _("The password must have at most %(n)s characters.",
                      n=staff_service.MAX_PASSWORD_LENGTH),
        "is_email": _("The password must not be your e-mail address."),
        "weak_common": _("This password is too easy to guess: it is a common password, word "
                         "or date, or one with small changes. Choose a few unrelated words."),
        "weak_repetitive": _("This password is too easy to guess: it repeats characters or "
                             "follows a sequence or a keyboard row (aaaa, abcd, 1234, qwerty). "
                             "Choose a few unrelated words."),
        "weak_personal": _("This password is too easy to guess: it is built from the e-mail "
                           "address, the person's name or the body's name. Choose a few "
                           "unrelated words."),
        "wrong_password": _("The current password is not correct."),
        "same_password": _("The new password must differ from the current one."),
        "bad_email": _("That is not an e-mail address."),
        "exists": _("A staff account with that e-mail already exists."),
        "last_admin": _("This is the last active administrator: appoint another one first."),
    }.get(code, code)


def sign_in_alert_text(entry: AuditLogEntry) -> str:
    """Say what a sign-in block in the audit log means, for the admins' start page."""
    after = entry.after or {}

    def until(key: str) -> str:
        try:
            return fmt_datetime(datetime.fromisoformat(str(after.get(key))))
        except ValueError:
            return "—"

    if entry.action == "staff.login_burst":
        return _("%(email)s: %(n)s wrong passwords from many addresses within %(minutes)s "
                 "minutes. Browsers that have not signed in to this account before are "
                 "refused until %(until)s; its owner's own browser still gets in.",
                 email=entry.entity_id, n=after.get("failures", "?"),
                 minutes=after.get("window_minutes", "?"),
                 until=until("untrusted_clients_refused_until"))
    if entry.action == "staff.login_address_blocked":
        return _("%(client)s: %(n)s wrong passwords on several accounts. This address is "
                 "blocked until %(until)s.", client=entry.entity_id,
                 n=after.get("failures", "?"), until=until("blocked_until"))
    return _("%(email)s: %(n)s wrong passwords from %(client)s. That client is blocked from "
             "this account until %(until)s; other clients are not.", email=entry.entity_id,
             n=after.get("failures", "?"), client=after.get("client", "?"),
             until=until("locked_until"))


def _session_age_limit() -> timedelta:
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=int(lifetime))


# The only back-office page open to everyone.
PUBLIC_ENDPOINTS = frozenset({"staff.login"})


@bp.before_request
def _deny_undeclared() -> None:
    """Refuse any back-office view that does not declare its roles (deny by default)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint not in PUBLIC_ENDPOINTS and not getattr(view, "required_roles", None):
        abort(403)


@bp.before_request
def _refuse_nul_bytes() -> None:
    """Answer 400 to input holding NUL bytes: no form takes them, PostgreSQL cannot store them."""
    if has_nul_byte():
        abort(400)


@bp.before_request
def _session_rules() -> Response | None:
    """End sessions older than PERMANENT_SESSION_LIFETIME; make reset passwords be replaced."""
    if not current_user.is_authenticated:
        return None
    started = session.get(LOGIN_AT)
    try:
        started_at = datetime.fromisoformat(started) if started else None
    except ValueError:
        started_at = None
    if started_at is None or clock.utcnow() - started_at > _session_age_limit():
        logout_user()
        session.pop(LOGIN_AT, None)
        flash(_("Your session has expired. Please sign in again."), "info")
        return redirect(url_for("staff.login", next=request.full_path
                                if request.method == "GET" else None))
    if (staff_service.must_change_password(current_user)
            and request.endpoint not in _OPEN_WHILE_PASSWORD_RESET):
        flash(_("Please choose your own password before you continue."), "info")
        return redirect(url_for("staff.password"))
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    """Back-office pages hold non-public data: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    """Return `target` when it is a back-office path on this site, else the start page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/") \
                and "\\" not in target and target.isprintable():
            return target
    return url_for("staff.home")


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _remember_device(response: Response, value: str | None) -> None:
    """Mark this browser as a trusted device of the account (sign-in throttling spares it)."""
    if value:
        response.set_cookie(DEVICE_COOKIE, value, path=url_for("staff.login").rsplit("/", 1)[0],
                            max_age=int(staff_service.DEVICE_TRUST.total_seconds()),
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login() -> Any:
    """Sign in with e-mail and password; failures are counted and lock out for a while."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = staff_service.authenticate(form.email.data, form.password.data,
                                            ip=_client_ip(), now=clock.utcnow(),
                                            device=request.cookies.get(DEVICE_COOKIE))
        if result.outcome is staff_service.LoginOutcome.OK and result.user is not None:
            session.clear()  # no data from before the sign-in survives it
            session.permanent = True
            login_user(result.user)
            session[LOGIN_AT] = clock.utcnow().isoformat()
            response = redirect(_safe_next(request.args.get("next")))
            _remember_device(response, result.device_cookie)
            return response
        if result.outcome is staff_service.LoginOutcome.LOCKED:
            error = _("Too many failed sign-in attempts. Sign-in from here is blocked for "
                      "%(minutes)s minutes; try again later, from the browser you usually "
                      "sign in with, or ask an administrator.",
                      minutes=int(staff_service.LOCK_DURATION.total_seconds() // 60))
        else:
            error = _("The e-mail or password is not correct.")
    elif request.method == "POST":
        error = _("Enter your e-mail and password.")
    return render_template("staff/login.html", form=form, error=error)


@bp.post("/logout")
@roles_required(*ANY_STAFF)
def logout() -> Response:
    """Sign out: the account's sessions end on the server too, so a copied cookie is useless."""
    staff_service.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out on every device."), "success")
    return redirect(url_for("staff.login"))


@bp.get("/")
@roles_required(*ANY_STAFF)
def home() -> str:
    """The back office start page: what this role can do and what needs doing soon."""
    today = clock.today()
    registrar = current_user.has_role(Role.REGISTRAR)
    admin = current_user.has_role(Role.ADMIN)
    alerts = staff_service.recent_sign_in_alerts(clock.utcnow()) if admin else []
    return render_template(
        "staff/home.html", sign_in_alerts=[(e.at, sign_in_alert_text(e)) for e in alerts],
        long_suspensions=reminders.long_suspensions(today) if registrar else [],
        expiring=reminders.expiring_soon(today) if registrar else [],
        deadline=reminders.suspension_deadline, expiry_days=reminders.EXPIRY_WARNING_DAYS)


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*ANY_STAFF)
def password() -> Any:
    """Change one's own password; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            staff_service.change_password(current_user, form.current.data, form.new.data,
                                          now=clock.utcnow())
        except staff_service.StaffError as exc:
            target = form.current if exc.code == "wrong_password" else form.new
            target.errors = [*target.errors, password_problem_text(exc.code)]
        else:
            login_user(current_user)  # the session id carries the new session version
            session[LOGIN_AT] = clock.utcnow().isoformat()
            flash(_("Your password has been changed. Your other sessions have ended."),
                  "success")
            return redirect(url_for("staff.home"))
    return render_template("staff/password.html", form=form,
                           min_length=staff_service.MIN_PASSWORD_LENGTH)
