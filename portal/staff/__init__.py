"""The staff back office (`/staff/...`)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from portal.staff import admin_views, certificate_views, upload_views, views  # noqa: E402,F401
from portal.staff import complaints_views  # noqa: E402,F401
