"""Blueprint `complaints`."""

from flask import Blueprint

bp = Blueprint("complaints", __name__)

from portal.complaints import views  # noqa: E402,F401
