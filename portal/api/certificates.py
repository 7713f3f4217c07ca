"""API: one certificate by number, and the batch check of up to 1000 numbers (docs/contract.md §4)."""

from typing import Any

from flask import jsonify, request

from portal import clock
from portal.api import bp
from portal.domain.codes import is_well_formed_number
from portal.domain.verdict import Reason
from portal.errors import api_error
from portal.extensions import limiter
from portal.models import AlertKind
from portal.register.public import (
    PublicCertificate,
    alerts_for_number,
    certificate_json,
    find_certificate,
    lookup_key,
    verify_url,
)
from portal.render_cache import cached_by_version
from portal.services import verification

MAX_BATCH = 1000
# A certificate number longer than this is not one; say so instead of echoing it back.
MAX_NUMBER_LENGTH = 200
MAX_NAME_LENGTH = verification.MAX_NAME_LENGTH
ITEM_FIELDS = ("certificate_number", "credit_code", "holder_name")
# Per client address; generous for people and scripts, a brake on scraping the register.
RECORD_LIMIT = "120 per minute"
VERIFY_LIMIT = "30 per minute"


@bp.get("/certificates/<path:number>")
@limiter.limit(RECORD_LIMIT)
@cached_by_version("api-record", per_language=False, args=frozenset())
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
        return _not_found(number)
    public = PublicCertificate.of(cert, clock.today())
    body = certificate_json(public)
    counterfeit = any(alert.kind is AlertKind.COUNTERFEIT_NUMBER
                      for alert in alerts_for_number(number))
    verdict = None
    if "holder_name" in request.args:
        printed = request.args["holder_name"]
        if len(printed) > MAX_NAME_LENGTH:
            return api_error(400, f"holder_name is longer than {MAX_NAME_LENGTH} characters",
                             "invalid_parameter")
        if not printed.strip():
            return api_error(400, "holder_name is empty", "invalid_parameter")
        verdict = verification.check_name(cert, printed)
        body["holder_name"] = printed
        body.update(verification.verdict_fields(verdict))
    body.update(verification.verdict_json(
        verification.verdict_for(public.status, name=verdict, counterfeit=counterfeit)))
    body["counterfeit"] = counterfeit
    response = jsonify(body)
    # Status must be live: clients may keep a copy but revalidate it (ETag) every time.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    response.add_etag()
    return response.make_conditional(request)


def _not_found(number: str) -> Any:
    """404 for a well-formed number not in the register, with the verdict and the register's
    numbers one typing slip away from it (as the page offers them: a misread digit is far
    more common than a forgery). Only number, status and address: never a restricted
    holder's name. A number on the public alert list says `counterfeit: true`."""
    key = lookup_key(number)
    counterfeit = key is not None and key in verification.counterfeit_keys()
    verdict = verification.verdict_for(None, number=number, counterfeit=counterfeit)
    # A plain unknown number keeps the bare error shape (SPEC §4); a published counterfeit
    # says so with its verdict, another body's number where to check it.
    details: dict[str, Any] = (
        {"counterfeit": True, **verification.verdict_json(verdict)} if counterfeit else {})
    near = [] if counterfeit else verification.nearest_numbers(number, clock.today())
    if near:
        details["did_you_mean"] = [
            {"certificate_number": c.certificate_number, "status": c.status.value,
             "verify_url": verify_url(c.certificate_number)} for c in near]
    if counterfeit:
        message = ("this number is published as counterfeit in the certification body's "
                   "public alerts: no certificate with this number was issued")
    elif Reason.OTHER_BODY in verdict.reasons:
        message = ("this number has the pattern of another certification body's numbers: "
                   "check it on the national platform")
        details["national_platform_url"] = verification.NATIONAL_PLATFORM_URL
    else:
        message = "no certificate with this number was issued by this certification body"
    return api_error(404, message, "not_found", **details)


def _too_long(value: str, field: str) -> bool:
    limit = MAX_NAME_LENGTH if field == "holder_name" else MAX_NUMBER_LENGTH
    return len(value) > limit


def _items_from_body() -> list[verification.Item] | Any:
    """Return the items of a verify request, or the error response to send.

    The body is either {"certificate_numbers": [...]} or {"items": [{...}, ...]}.
    """
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return api_error(400, 'body must be a JSON object like {"certificate_numbers": [...]} '
                         'or {"items": [{"certificate_number": ..., "holder_name": ...}]}',
                         "invalid_body")
    if "certificate_numbers" in body and "items" in body:
        return api_error(400, "give either certificate_numbers or items, not both",
                         "invalid_parameter")
    key = "items" if "items" in body else "certificate_numbers"
    values = body.get(key)
    if key not in body:
        return api_error(400, "certificate_numbers or items is required", "missing_parameter")
    if not isinstance(values, list):
        kind = "objects" if key == "items" else "strings"
        return api_error(400, f"{key} must be an array of {kind}", "invalid_parameter")
    if len(values) > MAX_BATCH:
        noun = "items" if key == "items" else "certificate numbers"
        return api_error(413, f"at most {MAX_BATCH} {noun} per request (got {len(values)})",
                         "too_many_items" if key == "items" else "too_many_numbers")
    if key == "certificate_numbers":
        for index, value in enumerate(values):
            if not isinstance(value, str):
                return api_error(400, f"certificate_numbers[{index}] must be a string",
                                 "invalid_parameter")
            if _too_long(value, key):
                return api_error(400, f"certificate_numbers[{index}] is longer than "
                                 f"{MAX_NUMBER_LENGTH} characters", "invalid_parameter")
        return [verification.Item(certificate_number=v) for v in values]
    items = []
    for index, value in enumerate(values):
        where = f"items[{index}]"
        if not isinstance(value, dict):
            return api_error(400, f"{where} must be an object", "invalid_parameter")
        unknown = sorted(set(value) - set(ITEM_FIELDS))
        if unknown:
            return api_error(400, f"{where} has unknown field {unknown[0]!r} (allowed: "
                             + ", ".join(ITEM_FIELDS) + ")", "invalid_parameter")
        for field in ITEM_FIELDS:
            if field in value and value[field] is not None:
                if not isinstance(value[field], str):
                    return api_error(400, f"{where}.{field} must be a string",
                                     "invalid_parameter")
                if _too_long(value[field], field):
                    limit = MAX_NAME_LENGTH if field == "holder_name" else MAX_NUMBER_LENGTH
                    return api_error(400, f"{where}.{field} is longer than {limit} characters",
                                     "invalid_parameter")
        if value.get("certificate_number") and value.get("credit_code"):
            return api_error(400, f"{where}: give certificate_number or credit_code, not both",
                             "invalid_parameter")
        if not any((value.get(f) or "").strip() for f in ITEM_FIELDS):
            return api_error(400, f"{where} needs certificate_number, credit_code or "
                             "holder_name", "invalid_parameter")
        items.append(verification.item_from_json(value))
    return items


@bp.post("/certificates/verify")
@limiter.limit(VERIFY_LIMIT)
def verify() -> Any:
    """Check up to 1000 numbers, credit codes or names (with the printed name) at once.

    Results come back in the order given.
    """
    items = _items_from_body()
    if not isinstance(items, list):
        return items
    results = verification.verify_items(items, clock.today())
    response = jsonify({"results": results, "count": len(results),
                        "found": sum(1 for r in results if r["found"])})
    response.headers["Cache-Control"] = "no-store"
    return response
