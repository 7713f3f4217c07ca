"""`/survey/<token>`: answer the satisfaction survey of one audit, once."""

from typing import Any

from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError

from portal import clock
from portal.domain.surveys import InvitationState
from portal.extensions import limiter
from portal.i18n import current_lang
from portal.services import surveys as survey_service
from portal.surveys import bp
from portal.surveys.forms import SurveyForm

ANSWER_LIMIT = "10 per hour; 50 per day"


def _private(body: str, status: int = 200) -> Any:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _closed(opened: survey_service.Opened) -> Any:
    """Say plainly why this link cannot be answered (unknown, used, expired)."""
    state = opened.state.value if opened.state else "invalid"
    status = 404 if opened.state is None else 410
    return _private(render_template("surveys/closed.html", state=state,
                                    invitation=opened.invitation), status)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@limiter.limit(ANSWER_LIMIT, methods=["POST"])
def answer(token: str) -> Any:
    """The short phone-first satisfaction form of one audit; one answer per invitation."""
    now = clock.utcnow()
    opened = survey_service.open_invitation(token[:400], now)
    if opened.state is not InvitationState.OPEN or opened.invitation is None:
        return _closed(opened)
    form = SurveyForm()
    if form.validate_on_submit():
        answer = survey_service.Answer(
            scores=form.scores(), comments=form.comments.data or "",
            may_contact=bool(form.may_contact.data), contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "", lang=current_lang())
        try:
            survey_service.submit_response(opened.invitation, answer, now=now)
        except survey_service.AlreadyAnsweredError:
            return _closed(survey_service.Opened(InvitationState.ANSWERED, opened.invitation))
        except survey_service.SurveyError:
            return _closed(survey_service.Opened(InvitationState.EXPIRED, opened.invitation))
        return _private(render_template("surveys/thanks.html", invitation=opened.invitation))
    return _form_page(form, opened.invitation, 400 if form.errors else 200)


def _form_page(form: SurveyForm, invitation: Any, status: int, *, expired: bool = False) -> Any:
    return _private(render_template("surveys/form.html", form=form, invitation=invitation,
                                    expired=expired), status)


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> Any:
    """Show the form again with what was chosen and a fresh token: nothing was stored."""
    opened = survey_service.open_invitation((request.view_args or {}).get("token", "")[:400],
                                            clock.utcnow())
    if opened.state is not InvitationState.OPEN:
        response = _closed(opened)
        response.status_code = 400  # nothing was sent; the page still says what the link is
        return response
    return _form_page(SurveyForm(), opened.invitation, 400, expired=True)
