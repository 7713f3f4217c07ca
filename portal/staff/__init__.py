"""The staff back office (`/staff/...`)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from portal.staff import (  # noqa: F401
    admin_views,
    applications_views,
    certificate_views,
    complaints_views,
    document_views,
    surveillance_views,
    surveys_views,
    upload_views,
    views,
    webhook_views,
)
