"""The JSON API under /api/v1 (docs/contract.md §4)."""

from typing import Any

from flask import Blueprint, request
from werkzeug.exceptions import BadRequest

from portal.errors import api_error, json_problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# A verify body of 1000 items with long names is well under 1 MB.
MAX_JSON_BYTES = 2 * 1024 * 1024
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@bp.before_request
def _check_json_body() -> Any:
    """Refuse a malformed body with 400 in the error shape before any view reads it.

    Malformed: sent as a form, not JSON, not UTF-8, nested too deeply to parse, or holding
    text no database column can store (NUL, lone surrogates). The parsed body is cached, so
    views read it with `request.get_json()`.
    """
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.mimetype in _FORM_TYPES:
        return api_error(400, "send the body as JSON with Content-Type: application/json",
                         "invalid_content_type")
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return api_error(413, f"the body is larger than {MAX_JSON_BYTES // 1024} KB",
                         "too_large")
    try:
        body = request.get_json(force=True)
    except BadRequest:
        return api_error(400, "the body is not valid JSON (UTF-8)", "invalid_json")
    except RecursionError:
        return api_error(400, "the body is nested too deeply", "invalid_json")
    problem = json_problem(body)
    return api_error(400, problem, "invalid_json") if problem else None


@bp.errorhandler(ValueError)
def _bad_value(error: ValueError) -> Any:
    return api_error(400, str(error))


from portal.api import certificates, openapi, search, stats  # noqa: F401
