"""Public forms: filing a complaint or appeal, tracking it, reporting a suspected fake."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    EmailField,
    FileField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
    URLField,
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

from portal.domain.complaints import FakeReportKind, clean_text
from portal.services import certificates as certificate_service
from portal.services import uploads
from portal.services.complaints import ABOUT_LABELS, FAKE_KIND_LABELS, KIND_LABELS

MAX_ATTACHMENTS = 3


def _line(value: Any) -> Any:
    return clean_text(value)


def _lines(value: Any) -> Any:
    return clean_text(value, multiline=True)


def _read(file: FileStorage) -> bytes:
    # Read one byte over the limit at most: enough to say "too large" without holding more.
    return file.stream.read(uploads.max_bytes() + 1)


class ChoiceField(RadioField):
    """Radio buttons: a missing or unknown value gets the field's own message, in one line."""

    def __init__(self, label: Any, choices: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(label, choices=choices, validators=[DataRequired(message)], **kwargs)
        self.allowed = frozenset(value for value, _label in choices)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in self.allowed:
            raise StopValidation(str(self.message))


def _known_certificate(form: FlaskForm, field: StringField) -> None:
    if field.data and certificate_service.get_by_number(field.data) is None:
        raise ValidationError(_l(
            "No certificate with this number is in our register. Check the number as printed "
            "on the certificate, or leave this field empty (for example when the certificate "
            "was issued by another body)."))


class ComplaintForm(FlaskForm):
    """docs/contract.md §5: kind, about, certificate_number, name, email, phone, subject, description."""

    kind = ChoiceField(_l("What are you filing?"), list(KIND_LABELS.items()),
                       _l("Choose complaint or appeal."))
    about = ChoiceField(_l("What is it about?"), list(ABOUT_LABELS.items()),
                        _l("Choose what the case is about."))
    certificate_number = StringField(
        _l("Certificate number (optional)"), filters=[_line],
        validators=[Optional(), Length(max=64, message=_l("At most %(max)d characters.")),
                    _known_certificate])
    name = StringField(_l("Your name"), filters=[_line], validators=[
        DataRequired(_l("Enter your name.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    email = EmailField(_l("E-mail address"), filters=[_line], validators=[
        DataRequired(_l("Enter your e-mail address: we send the acknowledgement and every "
                        "step of the handling there.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False),
        Length(max=254, message=_l("At most %(max)d characters."))])
    phone = StringField(_l("Phone (optional)"), filters=[_line], validators=[
        Optional(),
        Regexp(r"^[0-9+()\-\s]{5,40}$", message=_l(
            "Enter a phone number with digits only (spaces, +, - and brackets allowed)."))])
    subject = StringField(_l("Subject of your case"), filters=[_line], validators=[
        DataRequired(_l("Enter a short subject.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    description = TextAreaField(_l("What happened?"), filters=[_lines], validators=[
        DataRequired(_l("Describe what happened.")),
        Length(min=10, max=10000, message=_l(
            "Describe what happened in %(min)d to %(max)d characters."))])
    attachments = MultipleFileField(_l("Attachments (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked_files: list[uploads.CheckedFile] = []

    def validate_attachments(self, field: MultipleFileField) -> None:
        """Accept up to three PDF/JPEG/PNG files, checked by content and size."""
        files = [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_l("Attach at most %(count)d files.", count=MAX_ATTACHMENTS))
        checked = []
        for file in files:
            try:
                checked.append(uploads.check_file(file.filename, _read(file)))
            except uploads.UploadError as exc:
                raise ValidationError(str(exc.message)) from exc
        self.checked_files = checked


class TrackForm(FlaskForm):
    reference = StringField(_l("Reference"), filters=[_line], validators=[
        DataRequired(_l("Enter the reference, like TS-2026-000123.")),
        Length(max=40, message=_l("At most %(max)d characters."))])
    code = StringField(_l("Tracking code"), filters=[_line], validators=[
        DataRequired(_l("Enter the tracking code you were given.")),
        Length(max=40, message=_l("At most %(max)d characters."))])


def _needs_target(form: "FakeReportForm", field: TextAreaField) -> None:
    if not form.certificate_number.data and not form.url.data:
        raise ValidationError(_l("Give the certificate number or the web address you suspect."))


class FakeReportForm(FlaskForm):
    kind = ChoiceField(_l("What do you suspect?"), list(FAKE_KIND_LABELS.items()),
                       _l("Choose what you suspect."),
                       default=FakeReportKind.COUNTERFEIT_CERTIFICATE.value)
    certificate_number = StringField(_l("Certificate number shown"), filters=[_line],
                                     validators=[Optional(), Length(max=64, message=_l(
                                         "At most %(max)d characters."))])
    url = URLField(_l("Web address (for a look-alike site)"), filters=[_line], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters.")),
        Regexp(r"^(https?://)?[^\s/$.?#][^\s]*$", message=_l(
            "Enter a web address, like https://example.com/verify."))])
    description = TextAreaField(_l("What did you see, and where?"), filters=[_lines],
                                validators=[DataRequired(_l("Describe what you saw.")),
                                            Length(max=5000, message=_l(
                                                "At most %(max)d characters.")),
                                            _needs_target])
    name = StringField(_l("Your name (optional)"), filters=[_line], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    email = EmailField(_l("E-mail address (optional)"), filters=[_line], validators=[
        Optional(), Email(_l("Enter a valid e-mail address, like name@example.com."),
                          check_deliverability=False),
        Length(max=254, message=_l("At most %(max)d characters."))])
    photo = FileField(_l("Photo of the certificate (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked_photo: uploads.CheckedFile | None = None

    def validate_photo(self, field: FileField) -> None:
        """Accept one JPEG or PNG photo, checked by content and size."""
        file = field.data
        if not isinstance(file, FileStorage) or not file.filename:
            return
        try:
            self.checked_photo = uploads.check_file(
                file.filename, _read(file), allowed=frozenset({uploads.JPEG, uploads.PNG}))
        except uploads.UploadError as exc:
            raise ValidationError(str(exc.message)) from exc
