"""API: `GET /api/v1/certificates` — search the register (docs/contract.md §4)."""

from typing import Any

from flask import current_app, jsonify, request, url_for

from portal import clock, errors
from portal.api import bp
from portal.errors import api_error
from portal.register.public import PublicCertificate
from portal.render_cache import cached_by_generation
from portal.services import search as search_service


def _result(cert: PublicCertificate, status: str, exact: bool) -> dict[str, Any]:
    holder = cert.holder
    return {
        "certificate_number": cert.certificate_number,
        "holder_name_zh": holder.name_zh if holder else None,
        "holder_name_en": holder.name_en if holder else None,
        "former_names": list(holder.former_names) if holder else None,
        "credit_code": holder.credit_code if holder else None,
        "scheme": cert.scheme,
        "standard": cert.standard,
        "status": status,
        "issue_date": cert.issue_date.isoformat(),
        "expiry_date": cert.expiry_date.isoformat(),
        "province": holder.province if holder else None,
        "city": holder.city if holder else None,
        "exact_match": exact,
        "verify_url": current_app.config["PUBLIC_BASE_URL"]
        + url_for("certificates.detail", number=cert.certificate_number),
    }


@bp.get("/certificates")
@cached_by_generation("api-search", per_language=False)
def search_certificates() -> Any:
    """Search certificates: `{total, page, per_page, results}`; details from the database."""
    try:
        req = search_service.parse_request(request.args)
    except search_service.SearchParameterError as exc:
        return api_error(400, str(exc))
    page = search_service.search(req, today=clock.today(), lang="zh")
    if page.index_state == search_service.INDEX_UNAVAILABLE and not page.hits:
        response, status = api_error(
            503, "full-text search is unavailable just now; certificate numbers and credit "
            "codes are still answered here and at /api/v1/certificates/<number>",
            "search_unavailable")
        response.status_code = status
        response.headers["Retry-After"] = str(errors.SEARCH_RETRY_AFTER)
        return response
    body: dict[str, Any] = {
        "total": page.total,
        "total_is_exact": page.total_exact,
        "page": req.page,
        "per_page": req.per_page,
        "results": [_result(h.certificate, h.status, h.exact) for h in page.hits],
        "search_index": page.index_state,
    }
    if page.facets is not None:
        body["facets"] = {"scheme": page.facets.scheme, "status": page.facets.status,
                          "province": page.facets.province, "standard": page.facets.standard}
    if page.credit_code_suggestion:
        body["did_you_mean"] = page.credit_code_suggestion
    return jsonify(body)
