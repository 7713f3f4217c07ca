"""Public certificate pages."""

from flask import Blueprint

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

from portal.certificates import views  # noqa: F401
