"""Blueprint `applications`: /apply and /apply/track (issue #16)."""

from typing import Any

from flask import Blueprint

bp = Blueprint("applications", __name__)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    from portal.services import applications as application_service

    return {"APPLICATION_STAGE_LABELS": application_service.STAGE_LABELS,
            "APPLICATION_STAGE_EXPLANATIONS": application_service.STAGE_EXPLANATIONS,
            "APPLICATION_KIND_LABELS": application_service.KIND_LABELS,
            "APPLICATION_REVIEW_LABELS": application_service.REVIEW_LABELS,
            "APPLICATION_OUTCOME_LABELS": application_service.OUTCOME_LABELS,
            "APPLICATION_DECLINE_LABELS": application_service.DECLINE_LABELS,
            "APPLICATION_RELATION_LABELS": application_service.RELATION_LABELS}


from portal.applications import views  # noqa: F401
