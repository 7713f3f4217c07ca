"""Error pages in the user's language, and the JSON error shape of docs/contract.md §4 under /api/."""

import re
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, login_manager

API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "too_large",
             415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
             500: "internal_error", 503: "unavailable"}

MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def wants_json() -> bool:
    """Tell whether the error belongs to the JSON API."""
    return request.path.startswith("/api/")


def api_error(status: int, message: str, code: str | None = None, **details: Any) -> Any:
    """Return the docs/contract.md §4 error body with `status`; `details` are added beside
    `code` and `message` (e.g. `did_you_mean`)."""
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message,
                      **details}}
    return jsonify(body), status


def unusable_text(text: str) -> bool:
    """Tell whether `text` holds characters no database column can store.

    NUL and unpaired UTF-16 surrogates (JSON "\\ud800") are refused by PostgreSQL and by
    UTF-8; nothing a person types contains them.
    """
    return "\x00" in text or _SURROGATE.search(text) is not None


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Return what makes a parsed JSON body unusable (too deep, bad characters), or None."""
    if isinstance(value, str):
        return "the body holds NUL or unpaired surrogate characters" \
            if unusable_text(value) else None
    if depth > MAX_JSON_DEPTH:
        return f"the body is nested more than {MAX_JSON_DEPTH} levels deep"
    items: list[Any] = []
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    for item in items:
        problem = json_problem(item, depth + 1)
        if problem:
            return problem
    return None


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you "
                                  "entered and try again.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("There is no page at this address. Check the address, or "
                                     "use the search.")),
        405: (_("Method not allowed"), _("This page cannot be used that way.")),
        413: (_("Too large"), _("What you sent is larger than this site accepts.")),
        429: (_("Too many requests"), _("You have made too many requests in a short time. "
                                        "Please wait a minute and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It has been logged. "
                                           "Please try again later.")),
    }


def handle_http_error(error: HTTPException) -> Any:
    """Render an HTTP error as JSON under /api/ and as a page elsewhere."""
    status = error.code or 500
    if wants_json():
        message = error.description if status != 500 else "internal error"
        return api_error(status, str(message))
    title, text = _messages().get(status, (error.name, error.description or ""))
    if request_ctx.url_adapter is None:
        # The Host header names no host (a DNS label of 64+ characters, an empty label):
        # Werkzeug could not bind the URL map, so no page that builds a link can be drawn.
        return _plain_answer(status, title, text)
    return render_template("errors/error.html", status=status, title=title, text=text), status


def _plain_answer(status: int, title: str, text: str) -> Any:
    """Return a short text answer that needs no link (no URL map is bound to the request)."""
    response = make_response(f"{title}\n\n{text}\n", status)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_csrf_error(error: CSRFError) -> Any:
    """Explain a missing or stale form token instead of a bare 400."""
    if wants_json():
        return api_error(400, "CSRF token missing or invalid", "csrf_failed")
    text = _("The form expired or was not sent from this site. Please go back, reload the page "
             "and submit it again.")
    return render_template("errors/error.html", status=400, title=_("Form expired"),
                           text=text), 400


# Errors that mean "the database cannot be reached or is overloaded right now", not a bug:
# refused or dropped connections, a restart, a full connection pool.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
DATABASE_RETRY_AFTER = 30  # seconds; a PostgreSQL restart or failover takes about this long
SEARCH_RETRY_AFTER = 60  # seconds; a search index folder that cannot be read needs a person


def forget_failed_transaction() -> None:
    """Roll the session back after a database error so the next request starts clean."""
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: the pool replaces it on next use
        db.session.remove()


def database_unavailable() -> Any:
    """Return the 503 answer for a database outage: a page or the JSON error, Retry-After."""
    if wants_json():
        response, status = api_error(503, "the certificate register cannot be reached just "
                                     "now; try again shortly", "unavailable")
    else:
        # Never touch the database while rendering (no staff user is loaded for the page).
        g._login_user = login_manager.anonymous_user()
        title = _("Temporarily unavailable")
        text = _("The certificate register cannot be reached just now. Nothing has been "
                 "changed. Please try again in a minute.")
        response = make_response(render_template("errors/error.html", status=503, title=title,
                                                 text=text))
        status = 503
    response.status_code = status
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_database_down(error: SQLAlchemyError) -> Any:
    """Answer 503 (not 500) while the database is down; the next request tries it again."""
    forget_failed_transaction()
    current_app.logger.warning("database unavailable on %s: %s", request.path,
                               str(error).splitlines()[0] if str(error) else type(error).__name__)
    return database_unavailable()


def handle_unexpected(error: Exception) -> Any:
    """Never show a traceback: log it and answer 500 in the right shape."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("unhandled error on %s", request.path)
    return handle_http_error(InternalServerError())


def release_session(error: BaseException | None = None) -> None:
    """End the request's database session, even when its connection died with the database.

    Runs before Flask-SQLAlchemy's own teardown (registered later, so called first), whose
    rollback on a connection the server has closed would raise after the answer was made,
    turning a finished 200 or 503 into a 500.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as exc:
        current_app.logger.warning("database session ended uncleanly: %s",
                                   str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        db.session.registry.clear()


# Views that answer any address themselves, in their own format, without querying with it: a
# scanned QR address that is malformed is "altered" (an HTML explanation), and a badge is
# always an image, so an embedding site shows "not found" instead of a broken picture.
ANSWER_ANY_ADDRESS = frozenset({"qr.landing", "qr.landing_malformed", "qr.badge"})


def refuse_unusable_requests() -> Any:
    """Refuse, before any view runs, requests no page can answer sensibly.

    An address holding NUL or unpaired surrogates names no page (404: no number, reference
    or token contains them; PostgreSQL refuses them in a query); a JSON body sent to an HTML
    form is a bad request (400: forms take form data, and Flask-WTF would feed the JSON to
    the form and fail on it), and so is a multipart part without a field name (WTForms
    fails on it).
    """
    if unusable_text(request.path) and request.endpoint not in ANSWER_ANY_ADDRESS:
        abort(404)
    if request.method in ("POST", "PUT", "PATCH") and not wants_json():
        if request.is_json:
            abort(400)
        if None in request.form or None in request.files:  # a multipart part with no name
            abort(400)
    return None


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    # First of all before-request hooks, ahead of Flask-WTF's CSRF check: its error page
    # builds the form from the body, which is what this refuses.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unusable_requests)
    app.teardown_appcontext(release_session)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for database_error in DATABASE_DOWN:
        app.register_error_handler(database_error, handle_database_down)
    if not app.config.get("TESTING") or app.config.get("HANDLE_ALL_ERRORS"):
        app.register_error_handler(Exception, handle_unexpected)
