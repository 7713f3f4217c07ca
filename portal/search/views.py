"""The public search page (docs/contract.md §3 `/search`)."""

from typing import Any

from flask import make_response, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal import clock, errors
from portal.domain.codes import is_well_formed_number
from portal.i18n import current_lang
from portal.render_cache import cached_by_generation
from portal.search import bp
from portal.services import search as search_service
from search_index import MAX_QUERY_CHARS, STATUSES


@bp.app_template_filter("marked")
def marked(parts: search_service.Highlight) -> Markup:
    """Escape a highlighted text and wrap its matched parts in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if hit else escape(piece)
                           for piece, hit in parts)


def _page_url(page: int, **changes: Any) -> str:
    """Return this search's URL with `page` (and any filter in `changes`) replaced."""
    args = {k: v[:MAX_QUERY_CHARS] for k, v in request.args.items()
            if k in ("q", "scheme", "status", "province", "standard", "sort", "lang") and v}
    args.update(changes)
    args["page"] = page
    return url_for("search.search", **{k: v for k, v in args.items() if v not in (None, "", 1)
                                       or k == "q"})


@bp.get("/search")
@cached_by_generation("search-page")
def search() -> Any:
    """Full-text search with filters, facet counts, highlighted matches and pagination."""
    problem = None
    try:
        req = search_service.parse_request(request.args)
    except search_service.SearchParameterError:
        problem = _("Some of the filters in the address were not understood and were ignored.")
        req = search_service.SearchRequest(q=str(request.args.get("q") or ""))
    page = search_service.search(req, today=clock.today(), lang=current_lang())
    too_long = len(req.q) > MAX_QUERY_CHARS
    body = render_template("search/results.html", page=page, req=req, problem=problem,
                           too_long=too_long, number_like=is_well_formed_number(req.q[:100]),
                           max_chars=MAX_QUERY_CHARS, statuses=STATUSES, page_url=_page_url,
                           INDEX_BEHIND=search_service.INDEX_BEHIND,
                           INDEX_UNAVAILABLE=search_service.INDEX_UNAVAILABLE)
    response = make_response(body)
    searched = bool(req.q.strip() or req.filters.active)
    if page.index_state == search_service.INDEX_UNAVAILABLE and searched and not page.hits:
        # Nothing to show: "no certificate matches" would be false (it may be counterfeit!).
        response.status_code = 503
        response.headers["Retry-After"] = str(errors.SEARCH_RETRY_AFTER)
    return response
