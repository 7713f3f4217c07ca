"""Blueprint `search`."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from portal.search import views  # noqa: F401
