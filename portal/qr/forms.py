"""Forms of the QR pages (CSRF-protected by Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField


class ScanForm(FlaskForm):
    """Upload a photo of a QR code, or (from the camera script) the text it decoded."""

    photo = FileField(_l("Photo of the QR code"))
    text = HiddenField()


class ReceiptForm(FlaskForm):
    """The button that makes a verification receipt (a POST, so crawlers never make one)."""
