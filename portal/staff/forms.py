"""Back-office forms (Flask-WTF: every one carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.domain.schemes import SCHEMES
from portal.domain.status import CertificateStatus
from portal.i18n import STATUS_LABELS
from portal.models import AlertKind, EventKind, Role
from portal.services.staff import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

DATE = {"type": "date"}

ROLE_LABELS = {
    Role.ADMIN.value: _l("Administrator (everything)"),
    Role.REGISTRAR.value: _l("Registrar (certificates)"),
    Role.COMPLAINTS.value: _l("Complaints handler"),
    Role.SALES.value: _l("Sales (applications and satisfaction surveys)"),
}

# Public reason classes for a status change: (key, Chinese text stored, English label).
REASON_CLASSES: tuple[tuple[str, str, object], ...] = (
    ("overdue_surveillance", "未按期接受监督审核", _l("Surveillance audit not accepted on time")),
    ("holder_request", "获证组织申请", _l("At the certified organisation's request")),
    ("nonconformity", "不符合认证要求", _l("Does not meet certification requirements")),
    ("not_recertified", "到期未再认证", _l("Not recertified before expiry")),
    ("resolved", "暂停原因已消除", _l("Cause of the suspension resolved")),
    ("other", "其他", _l("Other (describe below)")),
)
REASON_TEXT = {key: zh for key, zh, _ in REASON_CLASSES}

SCOPE_CHANGES = (
    ("", _l("Correction of the wording (no change of scope)")),
    (EventKind.SCOPE_EXTENDED.value, _l("Extension of scope")),
    (EventKind.SCOPE_REDUCED.value, _l("Reduction of scope")),
)

ALERT_KIND_LABELS = {
    AlertKind.COUNTERFEIT_NUMBER.value: _l("Counterfeit certificate number"),
    AlertKind.LOOKALIKE_SITE.value: _l("Look-alike verification site"),
    AlertKind.UNRETURNED_CERTIFICATE.value: _l("Withdrawn certificate not returned"),
}


class NoCsrfForm(FlaskForm):
    """A GET filter form: it changes nothing, so it carries no token."""

    class Meta:
        csrf = False


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"),
                        validators=[DataRequired(),
                                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo(
                                "new", message=_l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CertificateSearchForm(NoCsrfForm):
    q = StringField(_l("Number, holder name or credit code"), validators=[Length(max=200)])
    status = SelectField(_l("Status"), validators=[Optional()])


class CertificateForm(FlaskForm):
    """Every docs/contract.md §2 field as text; `portal.register.validation` decides what is valid."""

    certificate_number = StringField(_l("Certificate number"), validators=[Length(max=64)])
    scheme = SelectField(_l("Scheme"), choices=[(s.code, s.code) for s in SCHEMES])
    standard = StringField(_l("Standard"))
    holder_name_zh = StringField(_l("Holder name (Chinese)"))
    holder_name_en = StringField(_l("Holder name (English)"))
    credit_code = StringField(_l("Unified social credit code"))
    address_zh = StringField(_l("Address (Chinese)"))
    address_en = StringField(_l("Address (English)"))
    province = StringField(_l("Province"))
    city = StringField(_l("City"))
    scope_zh = TextAreaField(_l("Scope (Chinese)"))
    scope_en = TextAreaField(_l("Scope (English)"))
    sites = TextAreaField(_l("Other certified sites (one per line)"))
    initial_issue_date = StringField(_l("Initial issue date"), render_kw=DATE)
    issue_date = StringField(_l("Issue date"), render_kw=DATE)
    expiry_date = StringField(_l("Expiry date"), render_kw=DATE)
    status = SelectField(_l("Status"),
                         choices=[(s.value, STATUS_LABELS[s.value]) for s in CertificateStatus])
    status_date = StringField(_l("Status date"), render_kw=DATE)
    status_reason = StringField(_l("Public reason for the status"))
    accreditation = StringField(_l("Accreditation"))
    former_names = TextAreaField(_l("Former names (one per line)"))
    restricted = BooleanField(_l("Confidential: hide the holder's details from the public "
                                 "(lookup by number still shows number, scheme, standard and "
                                 "status)"))
    scope_change = SelectField(_l("If the scope text changed, this is"), choices=SCOPE_CHANGES,
                               validators=[Optional()])
    reason = StringField(_l("Public reason for the correction"), validators=[Length(max=500)])
    note = TextAreaField(_l("Internal note (not shown to the public)"),
                         validators=[Length(max=5000)])
    # The stored values the edit form was filled with (`portal.register.versions`).
    version = HiddenField(validators=[Length(max=1000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"),
                         choices=[(s.value, STATUS_LABELS[s.value]) for s in CertificateStatus])
    effective_date = StringField(_l("Effective date"), validators=[DataRequired()],
                                 render_kw=DATE)
    reason_class = SelectField(_l("Public reason"),
                               choices=[(key, en) for key, _zh, en in REASON_CLASSES])
    reason_text = StringField(_l("Details of the public reason"),
                              validators=[Length(max=300)])
    note = TextAreaField(_l("Internal note (not shown to the public)"),
                         validators=[Length(max=5000)])


class ReissueForm(FlaskForm):
    effective_date = StringField(_l("Date of the new issue"), validators=[DataRequired()],
                                 render_kw=DATE)
    reason = StringField(_l("Public reason"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Internal note (not shown to the public)"),
                         validators=[Length(max=5000)])


class UploadForm(FlaskForm):
    file = FileField(_l("Register file (CSV or XLSX)"),
                     validators=[FileRequired(_l("Choose a file.")),
                                 FileAllowed(["csv", "xlsx"],
                                             _l("Only .csv and .xlsx files can be imported."))])


class ApplyImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    fingerprint = HiddenField(validators=[DataRequired()])


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))


class AlertForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(ALERT_KIND_LABELS.items()))
    value = StringField(_l("Certificate number, web address or domain"),
                        validators=[DataRequired(), Length(max=500)])
    description_zh = TextAreaField(_l("Description (Chinese)"),
                                   validators=[DataRequired(), Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=2000)])
    published_on = StringField(_l("Published on"), validators=[DataRequired()], render_kw=DATE)


class AuditFilterForm(NoCsrfForm):
    actor = StringField(_l("Who (e-mail contains)"), validators=[Length(max=254)])
    action = SelectField(_l("Action"), validators=[Optional()])
    entity = StringField(_l("Entity (certificate number, e-mail…)"),
                         validators=[Length(max=64)])
    date_from = StringField(_l("From"), render_kw=DATE)
    date_to = StringField(_l("To"), render_kw=DATE)
