"""Forms of the procurement pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class SupplierListForm(FlaskForm):
    file = FileField(_l("Supplier list (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a CSV or XLSX file.")),
        FileAllowed(["csv", "xlsx", "txt"], _l("Only CSV or XLSX files can be checked."))])
