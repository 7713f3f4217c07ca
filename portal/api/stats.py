"""API: `GET /api/v1/stats?year=YYYY` (docs/contract.md §6 table)."""

import re
from typing import Any

from flask import jsonify, request

from portal import clock
from portal.api import bp
from portal.domain.codes import fold_width
from portal.errors import api_error
from portal.extensions import limiter
from portal.services import applications as application_service
from portal.services import stats as stats_service
from portal.services import surveys as survey_service


@bp.get("/stats")
@limiter.limit("120 per minute")
def stats() -> Any:
    """Return the transparency table of one year (default: the last full year)."""
    raw = fold_width(request.args.get("year", "")).strip()
    if not raw:
        year = stats_service.default_year()
    elif not re.fullmatch(r"[0-9]{4}", raw):
        return api_error(400, "year must be a four-digit year, e.g. 2022", "bad_parameter")
    else:
        year = int(raw)
    if not stats_service.FIRST_YEAR <= year <= clock.today().year:
        return api_error(400, f"year must be between {stats_service.FIRST_YEAR} and "
                              f"{clock.today().year}", "bad_parameter")
    body = stats_service.statistics(year).as_dict()
    # Issue #16: applications and satisfaction surveys of the year, beside the §6 table.
    body["applications"] = application_service.application_statistics(year).as_dict()
    body["surveys"] = survey_service.survey_statistics(year).as_dict()
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
