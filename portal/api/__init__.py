"""The JSON API under /api/v1 (SPEC §4)."""

from typing import Any

from flask import Blueprint

from portal.errors import api_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(ValueError)
def _bad_value(error: ValueError) -> Any:
    return api_error(400, str(error))


from portal.api import certificates, openapi, search, stats  # noqa: F401
