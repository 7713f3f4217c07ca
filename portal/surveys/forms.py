"""The satisfaction form: six scores from 1 to 5, comments, permission to be contacted."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation

from portal.domain.complaints import clean_text
from portal.services.surveys import ASPECT_LABELS, SCORE_LABELS


def _line(value: Any) -> Any:
    return clean_text(value)


def _lines(value: Any) -> Any:
    return clean_text(value, multiline=True)


class ScoreField(RadioField):
    """Five radio buttons 1–5; a missing or odd value gets one clear message."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        message = _l("Choose a score from 1 to 5.")
        super().__init__(label, choices=[(str(n), SCORE_LABELS[n]) for n in range(1, 6)],
                         validators=[DataRequired(message)], **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in {"1", "2", "3", "4", "5"}:
            raise StopValidation(str(self.message))


class SurveyForm(FlaskForm):
    overall = ScoreField(ASPECT_LABELS["overall"])
    competence = ScoreField(ASPECT_LABELS["competence"])
    impartiality = ScoreField(ASPECT_LABELS["impartiality"])
    communication = ScoreField(ASPECT_LABELS["communication"])
    punctuality = ScoreField(ASPECT_LABELS["punctuality"])
    findings = ScoreField(ASPECT_LABELS["findings"])
    comments = TextAreaField(_l("Comments (optional)"), filters=[_lines],
                             validators=[Optional(), Length(max=5000, message=_l(
                                 "At most %(max)d characters."))])
    may_contact = BooleanField(_l("You may contact me about my answers"))
    contact_name = StringField(_l("Your name (optional)"), filters=[_line], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    contact_phone = StringField(_l("Phone (optional)"), filters=[_line], validators=[
        Optional(), Regexp(r"^[0-9+()\-\s]{5,40}$", message=_l(
            "Enter a phone number with digits only (spaces, +, - and brackets allowed)."))])

    def scores(self) -> dict[str, int]:
        return {name: int(getattr(self, name).data) for name in ASPECT_LABELS}
