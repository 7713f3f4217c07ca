"""Blueprint `qr`."""

from flask import Blueprint

bp = Blueprint("qr", __name__)

from portal.qr import views  # noqa: F401
