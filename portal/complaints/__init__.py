"""Blueprint `complaints`: /complaints/new, /complaints/track and /report-fake (docs/contract.md §5)."""

import re
from typing import Any

from flask import Blueprint

bp = Blueprint("complaints", __name__)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    from portal.services import complaints as complaint_service

    return {"COMPLAINT_STAGE_LABELS": complaint_service.STAGE_LABELS,
            "COMPLAINT_STAGE_EXPLANATIONS": complaint_service.STAGE_EXPLANATIONS,
            "COMPLAINT_KIND_LABELS": complaint_service.KIND_LABELS,
            "COMPLAINT_KIND_NOUNS": complaint_service.KIND_NOUNS,
            "COMPLAINT_ABOUT_LABELS": complaint_service.ABOUT_LABELS,
            "FAKE_KIND_LABELS": complaint_service.FAKE_KIND_LABELS,
            "FAKE_STATUS_LABELS": complaint_service.FAKE_STATUS_LABELS}


@bp.app_template_filter("text_lang")
def text_lang(value: str | None) -> str:
    """Return the `lang` of free text a person typed: zh-CN when it has Chinese, else en."""
    return "zh-CN" if _CJK.search(value or "") else "en"


from portal.complaints import views  # noqa: F401
