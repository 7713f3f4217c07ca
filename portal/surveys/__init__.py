"""Blueprint `surveys`: /survey/<token>, the customer-satisfaction form after an audit (#16)."""

from typing import Any

from flask import Blueprint

bp = Blueprint("surveys", __name__)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    from portal.services import surveys as survey_service

    return {"SURVEY_ASPECT_LABELS": survey_service.ASPECT_LABELS,
            "SURVEY_SCORE_LABELS": survey_service.SCORE_LABELS,
            "AUDIT_TYPE_LABELS": survey_service.AUDIT_TYPE_LABELS}


from portal.surveys import views  # noqa: F401
