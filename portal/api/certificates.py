"""API: one certificate by number, and the batch check of up to 1000 numbers (SPEC §4)."""

from typing import Any

from flask import jsonify, request

from portal import clock
from portal.api import bp
from portal.domain.codes import is_well_formed_number
from portal.errors import api_error
from portal.extensions import limiter
from portal.register.public import (
    PublicCertificate,
    certificate_json,
    find_certificate,
    verify_results,
)

MAX_BATCH = 1000
# A certificate number longer than this is not one; say so instead of echoing it back.
MAX_NUMBER_LENGTH = 200
# Per client address; generous for people and scripts, a brake on scraping the register.
RECORD_LIMIT = "120 per minute"
VERIFY_LIMIT = "30 per minute"


@bp.get("/certificates/<path:number>")
@limiter.limit(RECORD_LIMIT)
def certificate(number: str) -> Any:
    """Return one certificate: 404 when unknown, 400 when the number is malformed."""
    if number == "verify":  # GET on the batch check is a wrong method, not a bad number
        response, status = api_error(405, "use POST with a JSON body to verify numbers",
                                     "method_not_allowed")
        response.headers["Allow"] = "POST"
        return response, status
    cert = find_certificate(number)
    if cert is None:
        if not is_well_formed_number(number):
            return api_error(400, "certificate number is malformed: expected 4 to 40 letters "
                             "and digits, optionally separated by '-' or '/' "
                             "(e.g. 02722Q10234R3M, SQI/FW/2025/0003)", "malformed_number")
        return api_error(404, "no certificate with this number was issued by this "
                         "certification body", "not_found")
    response = jsonify(certificate_json(PublicCertificate.of(cert, clock.today())))
    # Status must be live: clients may keep a copy but revalidate it (ETag) every time.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    response.add_etag()
    return response.make_conditional(request)


def _numbers_from_body() -> list[str] | Any:
    """Return the list of numbers of a verify request, or the error response to send."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return api_error(400, 'body must be a JSON object like {"certificate_numbers": [...]}',
                         "invalid_body")
    numbers = body.get("certificate_numbers")
    if "certificate_numbers" not in body:
        return api_error(400, "certificate_numbers is required", "missing_parameter")
    if not isinstance(numbers, list):
        return api_error(400, "certificate_numbers must be an array of strings",
                         "invalid_parameter")
    if len(numbers) > MAX_BATCH:
        return api_error(413, f"at most {MAX_BATCH} certificate numbers per request "
                         f"(got {len(numbers)})", "too_many_numbers")
    for index, value in enumerate(numbers):
        if not isinstance(value, str):
            return api_error(400, f"certificate_numbers[{index}] must be a string",
                             "invalid_parameter")
        if len(value) > MAX_NUMBER_LENGTH:
            return api_error(400, f"certificate_numbers[{index}] is longer than "
                             f"{MAX_NUMBER_LENGTH} characters", "invalid_parameter")
    return numbers


@bp.post("/certificates/verify")
@limiter.limit(VERIFY_LIMIT)
def verify() -> Any:
    """Check up to 1000 numbers at once; results come back in the order given."""
    numbers = _numbers_from_body()
    if not isinstance(numbers, list):
        return numbers
    results = verify_results(numbers, clock.today())
    response = jsonify({"results": results, "count": len(results),
                        "found": sum(1 for r in results if r["found"])})
    response.headers["Cache-Control"] = "no-store"
    return response
