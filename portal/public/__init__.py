"""Public information pages (home, about, services, rules, transparency, alerts)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import views  # noqa: F401  (routes register on bp)
