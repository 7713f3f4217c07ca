"""Forms of the procurement pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length


class SupplierListForm(FlaskForm):
    file = FileField(_l("Supplier list (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a CSV or XLSX file.")),
        FileAllowed(["csv", "xlsx", "txt"], _l("Only CSV or XLSX files can be checked."))])


class WatchForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"), validators=[
        InputRequired(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("The e-mail address is too long.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False)])
