"""For procurement teams: bulk verification of a supplier list and Atom feeds of changes."""

from flask import Blueprint

bp = Blueprint("suppliers", __name__)

from portal.suppliers import list_views, views  # noqa: F401
