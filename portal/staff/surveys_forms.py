"""Back-office forms for satisfaction surveys and phone spot checks."""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal import clock
from portal.domain.complaints import clean_text
from portal.services.surveys import AUDIT_TYPE_LABELS, SCORE_LABELS


def _line(value: object) -> object:
    return clean_text(value)


def _lines(value: object) -> object:
    return clean_text(value, multiline=True)


def _past_date(form: Any, field: StringField) -> None:
    try:
        day = date.fromisoformat((field.data or "").strip())
    except ValueError:
        raise ValidationError(_l("Enter the date as YYYY-MM-DD, for example 2027-06-30.")) \
            from None
    if not date(1990, 1, 1) <= day <= clock.today():
        raise ValidationError(_l("The date must be between 1990-01-01 and today."))


LANGS = [("zh", "中文"), ("en", "English")]


class InviteForm(FlaskForm):
    contact_email = EmailField(_l("Contact's e-mail (optional: the invitation is e-mailed)"),
                               filters=[_line], validators=[
                                   Optional(), Email(_l("Enter a valid e-mail address, like "
                                                        "name@example.com."),
                                                     check_deliverability=False),
                                   Length(max=254)])
    lang = SelectField(_l("Language of the e-mail"), choices=LANGS, default="zh")


class AuditForm(InviteForm):
    certificate_number = StringField(_l("Certificate number"), filters=[_line], validators=[
        DataRequired(_l("Enter the certificate number.")), Length(max=64)])
    audit_type = SelectField(_l("Audit type"), choices=list(AUDIT_TYPE_LABELS.items()))
    audit_date = StringField(_l("Audit date"), filters=[_line], validators=[
        DataRequired(_l("Enter the audit date.")), _past_date])
    team = StringField(_l("Audit team (e-mails, separated by commas)"), filters=[_line],
                       validators=[Optional(), Length(max=1000)])
    invite = BooleanField(_l("Issue the satisfaction-survey invitation now"), default=True)

    def team_list(self) -> list[str]:
        return [t.strip() for t in (self.team.data or "").replace("，", ",").split(",")
                if t.strip()]


class PhoneCheckForm(FlaskForm):
    called_on = StringField(_l("Called on"), filters=[_line],
                            validators=[DataRequired(_l("Enter the date of the call.")),
                                        _past_date])
    person = StringField(_l("Person reached"), filters=[_line],
                         validators=[Optional(), Length(max=200)])
    overall = SelectField(_l("Overall satisfaction"),
                          choices=[(str(n), f"{n} · {SCORE_LABELS[n]}") for n in range(5, 0, -1)])
    notes = TextAreaField(_l("What they said"), filters=[_lines],
                          validators=[Optional(), Length(max=5000)])


class CloseFollowUpForm(FlaskForm):
    note = TextAreaField(_l("What was done"), filters=[_lines], validators=[
        DataRequired(_l("Write what was done before closing the follow-up.")),
        Length(max=5000)])


class ResultsForm(FlaskForm):
    class Meta:
        csrf = False

    start = StringField(_l("From"))
    end = StringField(_l("To"))
    scheme = SelectField(_l("Scheme"), validate_choice=False)
    team = SelectField(_l("Audit team"), validate_choice=False)
