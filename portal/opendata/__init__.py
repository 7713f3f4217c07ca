"""Open data: the public register as CSV/JSON downloads (and webhooks for organisations)."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from portal.opendata import views, webhook_views  # noqa: F401
