"""Public forms: applying for certification (or asking for a quote), tracking an application."""

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.domain.codes import (
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    fold_width,
    normalise_credit_code,
)
from portal.domain.complaints import clean_text
from portal.domain.schemes import SCHEMES
from portal.i18n import scheme_label
from portal.services import uploads
from portal.services.applications import KIND_LABELS

MAX_ATTACHMENTS = 3
EXTRA_SITES = 3
AT_MOST = _l("At most %(max)d characters.")
_CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _line(value: Any) -> Any:
    return clean_text(value)


def _lines(value: Any) -> Any:
    return clean_text(value, multiline=True)


def _digits(value: Any) -> Any:
    return fold_width(value).strip() if isinstance(value, str) else value


class ChoiceField(RadioField):
    """Radio buttons: a missing or unknown value gets the field's own message, in one line."""

    def __init__(self, label: Any, choices: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(label, choices=choices, validators=[DataRequired(message)], **kwargs)
        self.allowed = frozenset(value for value, _label in choices)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in self.allowed:
            raise StopValidation(str(self.message))


class CheckboxesField(SelectMultipleField):
    """Several checkboxes; values outside the choices get the field's own message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        allowed = {value for value, _label in self.choices}
        if not self.data or any(value not in allowed for value in self.data):
            raise StopValidation(str(self.message))


def credit_code_error(raw: str) -> Any:
    """Explain in the reader's language what is wrong with a credit code, or return None."""
    code = normalise_credit_code(raw)
    if len(code) != 18:
        return _l("A unified social credit code has 18 characters; this one has %(count)d.",
                  count=len(code))
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
    if bad:
        return _l("These characters never occur in a credit code: %(chars)s (I, O, Z, S and V "
                  "are not used).", chars=" ".join(bad))
    if not _CREDIT_SHAPE.match(code):
        return _l("Characters 3 to 8 of a credit code are the six-digit administrative "
                  "division code.")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return _l("The last character (check digit) should be %(expected)s, not %(got)s: check "
                  "the code on your business licence.", expected=expected, got=code[17])
    return None


def _credit_code(form: FlaskForm, field: StringField) -> None:
    problem = credit_code_error(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


def _whole_number(low: int, high: int, message: Any) -> Any:
    def check(form: Any, field: StringField) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValidationError(message)

    return check


HEADCOUNT = _whole_number(1, 1_000_000, _l("Enter the number of people as a whole number from "
                                           "1 to 1,000,000."))
SHIFTS = _whole_number(1, 4, _l("Enter the number of shifts, from 1 to 4."))


class SiteForm(Form):
    """Another site: address, people working there and shifts (all three, or none)."""

    address = StringField(_l("Address of the site"), filters=[_line],
                          validators=[Length(max=500, message=AT_MOST)])
    headcount = StringField(_l("People at the site"), filters=[_digits],
                            validators=[Optional(), HEADCOUNT])
    shifts = StringField(_l("Shifts at the site"), filters=[_digits],
                         validators=[Optional(), SHIFTS])

    def validate_address(self, field: StringField) -> None:
        """A site with a headcount or shifts needs its address, and the other way round."""
        given = [bool((self.address.data or "").strip()), bool(self.headcount.data),
                 bool(self.shifts.data)]
        if any(given) and not all(given):
            raise ValidationError(_l("Give the address, the number of people and the shifts "
                                     "of this site, or leave all three empty."))

    @property
    def filled(self) -> bool:
        return bool((self.address.data or "").strip())


def _scheme_choices() -> list[tuple[str, Any]]:
    return [(s.code, scheme_label(s.code)) for s in SCHEMES]


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(fold_width(raw).strip())
    except ValueError:
        return None


class ApplicationForm(FlaskForm):
    """An application for certification, a transfer, or a request for a quotation."""

    request_kind = ChoiceField(_l("What would you like?"), list(KIND_LABELS.items()),
                               _l("Choose a quotation, an initial certification or a "
                                  "transfer."))
    schemes = CheckboxesField(_l("Certification schemes"),
                              _l("Choose at least one certification scheme."))
    organisation_name_zh = StringField(_l("Organisation name in Chinese"), filters=[_line],
                                       validators=[DataRequired(_l(
                                           "Enter the organisation's name as on its business "
                                           "licence.")), Length(max=300, message=AT_MOST)])
    organisation_name_en = StringField(_l("Organisation name in English (optional)"),
                                       filters=[_line],
                                       validators=[Optional(), Length(max=300, message=AT_MOST)])
    credit_code = StringField(_l("Unified social credit code"), filters=[_line], validators=[
        DataRequired(_l("Enter the 18-character unified social credit code.")),
        Length(max=40, message=AT_MOST), _credit_code])
    address = StringField(_l("Address of the main site"), filters=[_line], validators=[
        DataRequired(_l("Enter the address of the main site.")),
        Length(max=500, message=AT_MOST)])
    headcount = StringField(_l("People at the main site"), filters=[_digits], validators=[
        DataRequired(_l("Enter the number of people at the main site.")), HEADCOUNT])
    shifts = StringField(_l("Shifts at the main site"), filters=[_digits], validators=[
        DataRequired(_l("Enter the number of shifts at the main site.")), SHIFTS])
    sites = FieldList(FormField(SiteForm), min_entries=EXTRA_SITES, max_entries=EXTRA_SITES)
    scope = TextAreaField(_l("Scope of certification requested"), filters=[_lines], validators=[
        DataRequired(_l("Describe the products, services or activities to be certified.")),
        Length(min=5, max=5000, message=_l("Describe the scope in %(min)d to %(max)d "
                                           "characters."))])
    standard = StringField(_l("Standard (optional)"), filters=[_line],
                           validators=[Optional(), Length(max=200, message=AT_MOST)])
    transfer_body = StringField(_l("Current certification body"), filters=[_line],
                                validators=[Length(max=200, message=AT_MOST)])
    transfer_certificate_number = StringField(_l("Current certificate number"),
                                              filters=[_line], validators=[
                                                  Length(max=64, message=AT_MOST)])
    transfer_expiry = StringField(_l("Expiry date of the current certificate"),
                                  filters=[_line])
    contact_name = StringField(_l("Contact person"), filters=[_line], validators=[
        DataRequired(_l("Enter the name of the person we should contact.")),
        Length(max=200, message=AT_MOST)])
    email = EmailField(_l("E-mail address"), filters=[_line], validators=[
        DataRequired(_l("Enter an e-mail address: we send the acknowledgement and every "
                        "answer there.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False),
        Length(max=254, message=AT_MOST)])
    phone = StringField(_l("Phone"), filters=[_line], validators=[
        DataRequired(_l("Enter a phone number.")),
        Regexp(r"^[0-9+()\-\s]{5,40}$", message=_l(
            "Enter a phone number with digits only (spaces, +, - and brackets allowed)."))])
    notes = TextAreaField(_l("Anything else we should know (optional)"), filters=[_lines],
                          validators=[Optional(), Length(max=5000, message=AT_MOST)])
    attachments = MultipleFileField(_l("Attachments (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schemes.choices = _scheme_choices()
        self.checked_files: list[uploads.CheckedFile] = []
        self.expiry: date | None = None

    def _transfer_required(self, field: StringField, message: Any) -> None:
        if self.request_kind.data == "transfer" and not (field.data or "").strip():
            raise ValidationError(message)

    def validate_transfer_body(self, field: StringField) -> None:
        """A transfer names the body that certified the organisation until now."""
        self._transfer_required(field, _l("For a transfer, name the body that issued the "
                                          "current certificate."))

    def validate_transfer_certificate_number(self, field: StringField) -> None:
        """A transfer names the current certificate."""
        self._transfer_required(field, _l("For a transfer, give the number of the current "
                                          "certificate."))

    def validate_transfer_expiry(self, field: StringField) -> None:
        """A transfer needs the current certificate's expiry date, not yet passed."""
        self._transfer_required(field, _l("For a transfer, give the expiry date of the "
                                          "current certificate."))
        if not (field.data or "").strip():
            return
        parsed = _parse_date(field.data)
        if parsed is None:
            raise ValidationError(_l("Enter the date as YYYY-MM-DD, for example 2027-06-30."))
        if self.request_kind.data == "transfer" and parsed < clock.today():
            raise ValidationError(_l("This certificate has expired: an expired certificate "
                                     "cannot be transferred, apply for initial certification "
                                     "instead."))
        self.expiry = parsed

    def validate_attachments(self, field: MultipleFileField) -> None:
        """Accept up to three PDF/JPEG/PNG files, checked by content and size."""
        files = [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_l("Attach at most %(count)d files.", count=MAX_ATTACHMENTS))
        checked = []
        for file in files:
            try:
                checked.append(uploads.check_file(file.filename,
                                                  file.stream.read(uploads.max_bytes() + 1)))
            except uploads.UploadError as exc:
                raise ValidationError(str(exc.message)) from exc
        self.checked_files = checked


class TrackForm(FlaskForm):
    reference = StringField(_l("Reference"), filters=[_line], validators=[
        DataRequired(_l("Enter the reference, like SQ-2026-000123.")),
        Length(max=40, message=AT_MOST)])
    code = StringField(_l("Tracking code"), filters=[_line], validators=[
        DataRequired(_l("Enter the tracking code you were given.")),
        Length(max=40, message=AT_MOST)])
