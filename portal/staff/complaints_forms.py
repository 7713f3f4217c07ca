"""Back-office forms for handling complaints, appeals and reports of fakes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.domain.complaints import clean_text


def _line(value: object) -> object:
    return clean_text(value)


def _lines(value: object) -> object:
    return clean_text(value, multiline=True)


class MessageForm(FlaskForm):
    """A stage change with an optional message to the complainant."""

    text = TextAreaField(_l("Message to the complainant (optional)"), filters=[_lines],
                         validators=[Optional(), Length(max=5000)])


class RejectForm(FlaskForm):
    text = TextAreaField(_l("Why the case is not accepted (sent to the complainant)"),
                         filters=[_lines], validators=[
                             DataRequired(_l("Explain to the complainant why the case is not "
                                             "accepted.")), Length(max=5000)])


class AssignForm(FlaskForm):
    handler = SelectField(_l("Handler"), filters=[_line],
                          validators=[DataRequired(_l("Choose a handler."))], validate_choice=False)


class ActionForm(FlaskForm):
    text = TextAreaField(_l("Action taken"), filters=[_lines], validators=[
        DataRequired(_l("Describe the action.")), Length(max=5000)])
    tell_complainant = BooleanField(_l("Also tell the complainant (e-mailed and shown on the "
                                       "tracker)"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note (never shown to the complainant)"), filters=[_lines],
                         validators=[DataRequired(_l("Write the note.")), Length(max=5000)])


class LinkForm(FlaskForm):
    reference = StringField(_l("Reference of the contested case"), filters=[_line],
                            validators=[DataRequired(_l("Enter a reference.")),
                                        Length(max=40)])


class DecideForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome (sent to the complainant and shown on the tracker)"),
                            filters=[_lines], validators=[
                                DataRequired(_l("Write the outcome the complainant will "
                                                "receive.")), Length(max=10000)])
    note = TextAreaField(_l("Reasons and evidence (internal)"), filters=[_lines],
                         validators=[Optional(), Length(max=10000)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    stage = SelectField(_l("Stage"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    q = StringField(_l("Reference, subject, name or certificate"), filters=[_line])
    overdue = BooleanField(_l("Overdue only"))
    mine = BooleanField(_l("Assigned to me"))


class AlertForm(FlaskForm):
    value = StringField(_l("Certificate number or web address"), filters=[_line],
                        validators=[DataRequired(_l("Give the certificate number or web address "
                                                    "the alert is about.")), Length(max=500)])
    description_zh = TextAreaField(_l("Alert text in Chinese"), filters=[_lines], validators=[
        DataRequired(_l("Write the alert text in Chinese.")), Length(max=5000)])
    description_en = TextAreaField(_l("Alert text in English"), filters=[_lines],
                                   validators=[Optional(), Length(max=5000)])


class DismissForm(FlaskForm):
    note = TextAreaField(_l("Why no alert is published (internal)"), filters=[_lines],
                         validators=[DataRequired(_l("Note why no alert is published.")),
                                     Length(max=5000)])
