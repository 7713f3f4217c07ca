"""Back-office forms for reviewing and answering applications (role `sales`; admins too)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.domain.complaints import clean_text
from portal.services.applications import DECLINE_LABELS, RELATION_LABELS, REVIEW_LABELS


def _line(value: object) -> object:
    return clean_text(value)


def _lines(value: object) -> object:
    return clean_text(value, multiline=True)


class MessageForm(FlaskForm):
    """A stage change with an optional message to the applicant."""

    text = TextAreaField(_l("Message to the applicant (optional)"), filters=[_lines],
                         validators=[Optional(), Length(max=5000)])


class QuoteForm(FlaskForm):
    text = TextAreaField(_l("Quotation (sent to the applicant)"), filters=[_lines], validators=[
        DataRequired(_l("Write the quotation the applicant will receive.")),
        Length(max=10000)])


class DeclineForm(FlaskForm):
    reason_class = SelectField(_l("Reason class (counted in the public statistics)"),
                               choices=list(DECLINE_LABELS.items()),
                               validators=[DataRequired()])
    text = TextAreaField(_l("Reason (sent to the applicant and shown on the tracker)"),
                         filters=[_lines], validators=[
                             DataRequired(_l("Explain to the applicant why the application is "
                                             "declined.")), Length(max=5000)])


class AssignForm(FlaskForm):
    kind = SelectField(_l("Review"), choices=list(REVIEW_LABELS.items()))
    reviewer = SelectField(_l("Reviewer"), filters=[_line],
                           validators=[DataRequired(_l("Choose a reviewer."))],
                           validate_choice=False)


class ReviewForm(FlaskForm):
    kind = SelectField(_l("Review"), choices=list(REVIEW_LABELS.items()))
    outcome = SelectField(_l("Outcome"), choices=[("positive", _l("Positive")),
                                                  ("negative", _l("Negative"))])
    note = TextAreaField(_l("Findings (internal)"), filters=[_lines],
                         validators=[Optional(), Length(max=5000)])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note (never shown to the applicant)"), filters=[_lines],
                         validators=[DataRequired(_l("Write the note.")), Length(max=5000)])


class ConflictForm(FlaskForm):
    email = EmailField(_l("Staff member's e-mail"), filters=[_line], validators=[
        DataRequired(_l("Give the e-mail of the staff member.")),
        Email(_l("Enter a valid e-mail address, like name@example.com."),
              check_deliverability=False), Length(max=254)])
    relation = SelectField(_l("Tie to the organisation"), choices=list(RELATION_LABELS.items()))
    note = TextAreaField(_l("Details (internal)"), filters=[_lines],
                         validators=[Optional(), Length(max=2000)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    stage = SelectField(_l("Stage"), validate_choice=False)
    q = StringField(_l("Reference, organisation, credit code or e-mail"), filters=[_line])
    overdue = BooleanField(_l("Overdue only"))
    mine = BooleanField(_l("Assigned to me"))
