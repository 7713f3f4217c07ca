"""API: the OpenAPI 3.1 description of every /api/v1 route (docs/contract.md §4)."""

from typing import Any

from flask import current_app, jsonify

from portal.api import bp
from portal.domain.schemes import SCHEME_CODES

STATUSES = ["valid", "suspended", "withdrawn", "cancelled", "expired"]
AUDIT_TYPES = ["initial", "surveillance", "recertification", "special"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}},
            **extra}


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_RESTRICTED_NOTE = " Null when the certificate is restricted."

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable: bad_request, "
                         "invalid_body, missing_parameter, invalid_parameter, malformed_number, "
                         "not_found, method_not_allowed, too_large, too_many_numbers, "
                         "rate_limited, internal_error.", "examples": ["not_found"]},
                "message": {"type": "string", "description": "Human-readable explanation."},
                "did_you_mean": {
                    "type": "array", "description": "With `not_found` for one certificate: "
                    "the register's numbers one typing slip away (a character changed, added, "
                    "dropped, or two swapped), if any.",
                    "items": {"type": "object",
                              "required": ["certificate_number", "status", "verify_url"],
                              "properties": {"certificate_number": {"type": "string"},
                                             "status": _ref("Status"),
                                             "verify_url": {"type": "string",
                                                            "format": "uri"}}}},
            }}},
    },
    "Status": {"type": "string", "enum": STATUSES,
               "description": "`expired` is derived: the expiry date has passed while the stored "
                              "status is valid or suspended."},
    "Scheme": {"type": "string", "enum": list(SCHEME_CODES)},
    "StatusHistoryEntry": {
        "type": "object", "required": ["status", "date", "reason"],
        "properties": {
            "status": _ref("Status"),
            "date": {"type": "string", "format": "date", "description": "Effective date."},
            "reason": {"type": ["string", "null"],
                       "description": "Public reason; null when none is given or the "
                                      "certificate is restricted."},
            "derived": {"type": "boolean", "description": "Present (true) on the `expired` "
                        "entry, which is derived from the expiry date, not recorded."},
        },
    },
    "Audit": {
        "type": "object", "required": ["audit_type", "audit_date"],
        "properties": {"audit_type": {"type": "string", "enum": AUDIT_TYPES},
                       "audit_date": {"type": "string", "format": "date"}},
    },
    "Surveillance": {
        "type": ["object", "null"], "required": ["last_audit_date", "next_due_date", "overdue"],
        "description": "Surveillance currency (CNCA rules: first surveillance audit within 12 "
                       "months of the certification decision, then at most 12 months after the "
                       "last one; the recertification audit before expiry). Null for schemes "
                       "without surveillance audits (product certification) and when the "
                       "certificate is restricted.",
        "properties": {
            "last_audit_date": {**_NULLABLE_DATE, "description": "Latest audit of any type."},
            "next_due_date": {**_NULLABLE_DATE, "description": "Date by which the next "
                              "surveillance (or, near expiry, recertification) audit is due; "
                              "null when none is owed (withdrawn, cancelled, expired, or "
                              "recertified and awaiting the new decision)."},
            "overdue": {"type": "boolean",
                        "description": "The due date has passed without the audit."},
        },
    },
    "Issuer": {
        "type": "object",
        "description": "The certification body: its CNCA approval number and CNAS "
                       "accreditation number (null until configured), and the accreditation "
                       "statement shown on certificate pages.",
        "properties": {
            "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "cnca_approval_number": _NULLABLE_STRING,
            "cnas_accreditation_number": _NULLABLE_STRING,
            "accreditation_statement_zh": _NULLABLE_STRING,
            "accreditation_statement_en": _NULLABLE_STRING,
        },
    },
    "Certificate": {
        "type": "object",
        "description": "Every register field, named as in the CSV. For a restricted certificate "
                       "(`restricted: true`) only certificate_number, scheme, standard, status, "
                       "status_date, initial_issue_date, issue_date, expiry_date and "
                       "accreditation are given; every other field is null.",
        "required": ["certificate_number", "scheme", "standard", "status", "issue_date",
                     "expiry_date", "restricted", "status_history", "audits", "verify_url",
                     "updated_at"],
        "properties": {
            "certificate_number": {"type": "string", "examples": ["SQI/FW/2025/0003"]},
            "scheme": _ref("Scheme"),
            "standard": {"type": "string", "examples": ["GB/T 19001-2016/ISO 9001:2015"]},
            "holder_name_zh": {**_NULLABLE_STRING, "description": "Null when restricted."},
            "holder_name_en": {**_NULLABLE_STRING, "description": "Empty string when unknown."
                               + _RESTRICTED_NOTE},
            "credit_code": {**_NULLABLE_STRING, "description": "Unified social credit code "
                            "(GB 32100-2015)." + _RESTRICTED_NOTE},
            "address_zh": _NULLABLE_STRING, "address_en": _NULLABLE_STRING,
            "province": _NULLABLE_STRING, "city": _NULLABLE_STRING,
            "scope_zh": _NULLABLE_STRING, "scope_en": _NULLABLE_STRING,
            "sites": {"type": ["array", "null"], "items": {"type": "string"},
                      "description": "Other certified sites." + _RESTRICTED_NOTE},
            "initial_issue_date": _NULLABLE_DATE,
            "issue_date": {"type": "string", "format": "date"},
            "expiry_date": {"type": "string", "format": "date"},
            "status": _ref("Status"),
            "status_date": _NULLABLE_DATE,
            "status_reason": {**_NULLABLE_STRING, "description": "Public reason of the current "
                              "stored status." + _RESTRICTED_NOTE},
            "accreditation": {"type": ["string", "null"], "examples": ["CNAS"]},
            "former_names": {"type": ["array", "null"], "items": {"type": "string"},
                             "description": "Names before a change of name." + _RESTRICTED_NOTE},
            "restricted": {"type": "boolean", "description": "The holder asked for "
                           "confidentiality (ISO/IEC 17021-1 §8.1.2 Note 1)."},
            "status_history": {"type": "array", "items": _ref("StatusHistoryEntry"),
                               "description": "Oldest first."},
            "audits": {"type": ["array", "null"], "items": _ref("Audit"),
                       "description": "Oldest first. Null (hidden) when restricted."},
            "surveillance": _ref("Surveillance"),
            "issuer": _ref("Issuer"),
            "verify_url": {"type": "string", "format": "uri",
                           "description": "The public page; the number is percent-encoded."},
            "updated_at": {"type": "string", "format": "date-time",
                           "description": "Last change of the record, UTC."},
            "holder_name": {"type": "string", "description": "With `?holder_name=`: the name "
                            "as given."},
            "name_match": _ref("NameMatch"),
            "name_match_reason": {"type": "string", "description": "With `?holder_name=`: "
                                  "why (see VerifyResult)."},
            "matched_former_name": {"type": "string"},
            "renamed_on": _NULLABLE_DATE,
        },
    },
    "VerifyItem": {
        "type": "object",
        "description": "One row to check: a certificate number or (instead) the holder's "
                       "credit code, and optionally the company name as printed on the paper. "
                       "A name alone is looked up as an exact name (up to width and script).",
        "properties": {
            "certificate_number": {"type": ["string", "null"], "maxLength": 200,
                                   "examples": ["02722Q10234R3M"]},
            "credit_code": {"type": ["string", "null"], "maxLength": 200,
                            "description": "Unified social credit code (GB 32100-2015); give "
                                           "it instead of certificate_number, not with it."},
            "holder_name": {"type": ["string", "null"], "maxLength": 300,
                            "description": "The company as printed on the paper, Chinese or "
                                           "English; compared with the register's names."},
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["certificate_number"]}, {"required": ["credit_code"]},
                  {"required": ["holder_name"]}],
    },
    "VerifyRequest": {
        "type": "object",
        "description": "Either `certificate_numbers` (a list of numbers) or `items` (numbers "
                       "or credit codes with the printed company name), not both.",
        "properties": {
            "certificate_numbers": {
                "type": "array", "maxItems": 1000,
                "items": {"type": "string", "maxLength": 200},
                "examples": [["02722Q10234R3M", "sqi-fw-2025-0003"]]},
            "items": {
                "type": "array", "maxItems": 1000, "items": _ref("VerifyItem"),
                "examples": [[{"certificate_number": "02722Q10234R3M",
                               "holder_name": "上海某某电子有限公司"},
                              {"credit_code": "91310115MA1H000011"}]]},
        },
        "oneOf": [{"required": ["certificate_numbers"]}, {"required": ["items"]}],
    },
    "NameMatch": {
        "type": ["string", "null"], "enum": ["match", "probable", "no_match", None],
        "description": "How the printed name compares with the holder: `match` (the same "
                       "name up to width, simplified/traditional characters, case, brackets, "
                       "spaces and the way the company form is written, or a former name), "
                       "`probable` (another company form, or one or two characters differ), "
                       "`no_match`. Null when no name was given or nothing was found. For a "
                       "restricted certificate only `match` or `no_match`.",
    },
    "VerifyResult": {
        "type": "object",
        "required": ["certificate_number", "found", "status", "name_match", "counterfeit"],
        "properties": {
            "certificate_number": {"type": ["string", "null"],
                                   "description": "As given in the request."},
            "credit_code": {"type": ["string", "null"],
                            "description": "As given in the item (items only)."},
            "holder_name": {"type": ["string", "null"],
                            "description": "As given in the item (items only)."},
            "found": {"type": "boolean"},
            "well_formed": {"type": ["boolean", "null"], "description": "Whether the number "
                            "has the shape of this body's numbers (when not found: typo vs "
                            "unknown); null for an item without a number."},
            "status": {"oneOf": [_ref("Status"), {"type": "null"}]},
            "matched_by": {"type": "string",
                           "enum": ["certificate_number", "credit_code", "holder_name"],
                           "description": "Which identifier found the certificate."},
            "registered_number": {"type": "string", "description": "The number as registered."},
            "scheme": _ref("Scheme"),
            "standard": {"type": "string"},
            "holder_name_zh": {**_NULLABLE_STRING, "description": "Null when restricted."},
            "holder_name_en": {**_NULLABLE_STRING, "description": "Null when restricted."},
            "issue_date": {"type": "string", "format": "date"},
            "expiry_date": {"type": "string", "format": "date"},
            "restricted": {"type": "boolean"},
            "verify_url": {"type": "string", "format": "uri"},
            "name_match": _ref("NameMatch"),
            "name_match_reason": {
                "type": "string",
                "enum": ["same", "company_form", "form_differs", "typo", "different", "empty"],
                "description": "Why: `same`, `company_form` (the form written another way), "
                               "`form_differs` (another company form), `typo`, `different`."},
            "matched_former_name": {"type": "string", "description": "The former name the "
                                    "printed name matched (not for restricted certificates)."},
            "renamed_on": {**_NULLABLE_DATE, "description": "When the holder stopped using "
                           "that former name, when recorded."},
            "other_certificates": {
                "type": "array", "description": "Further certificates of the same holder "
                                                "(credit code or name lookups).",
                "items": {"type": "object",
                          "required": ["certificate_number", "status", "verify_url"],
                          "properties": {"certificate_number": {"type": "string"},
                                         "status": _ref("Status"),
                                         "verify_url": {"type": "string", "format": "uri"}}}},
            "did_you_mean": {"type": "string", "description": "The credit code with its check "
                             "digit corrected, when only that digit was wrong."},
            "counterfeit": {"type": "boolean", "description": "The number is on the public "
                            "list of known counterfeit numbers (/alerts)."},
        },
    },
    "VerifyResponse": {
        "type": "object", "required": ["results"],
        "properties": {
            "results": {"type": "array", "items": _ref("VerifyResult"),
                        "description": "One per requested number, in the order given."},
            "count": {"type": "integer"},
            "found": {"type": "integer", "description": "How many were found."},
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["certificate_number", "holder_name_zh", "holder_name_en", "scheme",
                     "status", "expiry_date"],
        "properties": {
            "certificate_number": {"type": "string"},
            "holder_name_zh": {"type": "string"},
            "holder_name_en": {"type": "string"},
            "former_names": {"type": "array", "items": {"type": "string"}},
            "credit_code": {"type": "string"},
            "scheme": _ref("Scheme"),
            "standard": {"type": "string"},
            "status": _ref("Status"),
            "issue_date": {"type": "string", "format": "date"},
            "expiry_date": {"type": "string", "format": "date"},
            "province": {"type": "string"},
            "city": {"type": "string"},
            "exact_match": {"type": "boolean", "description": "The query was this certificate's "
                            "number or credit code."},
            "verify_url": {"type": "string", "format": "uri"},
        },
        "additionalProperties": True,
    },
    "SearchResponse": {
        "type": "object", "required": ["total", "page", "per_page", "results"],
        "properties": {
            "total": {"type": "integer"},
            "total_is_exact": {"type": "boolean", "description": "False when `total` is a "
                               "lower bound (very broad queries)."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": _ref("SearchResult")},
            "facets": {
                "type": "object", "description": "Result counts per value of each filter.",
                "properties": {name: {"type": "object",
                                      "additionalProperties": {"type": "integer"}}
                               for name in ("scheme", "status", "province", "standard")},
            },
            "did_you_mean": {"type": "string", "description": "A credit code with its check "
                             "digit corrected, when the query was one with a wrong check digit."},
            "search_index": {
                "type": "string", "enum": ["current", "behind", "unavailable"],
                "description": "`behind`: the search index cannot be updated just now (its "
                "folder is read-only or full), so recent changes may be missing from the "
                "results by name; `unavailable`: it cannot be read, and only the certificate a "
                "number or credit code names is returned. Numbers and credit codes are always "
                "answered from the register itself, and each result's status is current."},
        },
        "additionalProperties": True,
    },
    "StatsRow": {
        "type": "object",
        "description": "One row of the statistics table: a scheme or a category total.",
        "properties": {
            "scheme": {"type": "string", "description": "A scheme code, or a total such as "
                       "`management total`."},
            "valid": {"type": "integer"}, "newly_issued": {"type": "integer"},
            "surveillance_audits": {"type": "integer"}, "suspended": {"type": "integer"},
            "withdrawn": {"type": "integer"}, "cancelled": {"type": "integer"},
        },
        "additionalProperties": True,
    },
    "Stats": {
        "type": "object", "description": "Certification statistics of one year.",
        "properties": {"year": {"type": "integer"},
                       "rows": {"type": "array", "items": _ref("StatsRow")},
                       "applications": _ref("ApplicationStats"),
                       "surveys": _ref("SurveyStats")},
        "additionalProperties": True,
    },
    "ApplicationStats": {
        "type": "object",
        "description": "Applications for certification received in the year (issue #16): how "
                       "many were quoted, accepted, declined (per reason class) and the median "
                       "calendar days to a first answer (null when none was answered).",
        "properties": {
            "year": {"type": "integer"}, "received": {"type": "integer"},
            "quoted": {"type": "integer"}, "accepted": {"type": "integer"},
            "declined": {"type": "integer"},
            "declined_by_reason": {"type": "object", "additionalProperties": {"type": "integer"}},
            "median_days_to_first_answer": {"type": ["number", "null"]},
        },
        "additionalProperties": True,
    },
    "SurveyStats": {
        "type": "object",
        "description": "Satisfaction-survey invitations issued in the year, answers, response "
                       "rate in percent and mean score (1-5) per aspect (null without answers).",
        "properties": {
            "year": {"type": "integer"}, "invitations": {"type": "integer"},
            "responses": {"type": "integer"}, "response_rate": {"type": ["number", "null"]},
            "phone_checks": {"type": "integer"},
            "mean_scores": {"type": "object",
                            "additionalProperties": {"type": ["number", "null"]}},
        },
        "additionalProperties": True,
    },
}

_NUMBER_PARAM = {
    "name": "number", "in": "path", "required": True,
    "description": "The certificate number, raw (`02722Q10234R3M`), percent-encoded "
                   "(`SQI%2FFW%2F2025%2F0003`) or normalised (`sqifw20250003`): case, spaces, "
                   "`-` and `/` are ignored.",
    "schema": {"type": "string"}, "examples": {"plain": {"value": "02722Q10234R3M"},
                                               "encoded": {"value": "SQI%2FFW%2F2025%2F0003"}},
}
_RATE_LIMITED = _error("Rate limited (429).")


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


PATHS: dict[str, Any] = {
    "/certificates/{number}": {"get": {
        "operationId": "getCertificate", "tags": ["certificates"],
        "summary": "One certificate with its live status, history and audits.",
        "parameters": [_NUMBER_PARAM, _query(
            "holder_name", "The company name as printed on the paper: the answer then carries "
            "`name_match` (and `name_match_reason`), also for a restricted certificate.",
            {"type": "string", "maxLength": 300})],
        "responses": {
            "200": _json("The certificate. Sent with `Cache-Control: no-cache` and an ETag "
                         "(send If-None-Match to get 304 when unchanged).", _ref("Certificate")),
            "304": {"description": "Not modified since the ETag sent in If-None-Match."},
            "400": _error("The number is malformed (code `malformed_number`), or holder_name is "
                          "empty or too long."),
            "404": _error("Well-formed, but no such certificate was issued by this body "
                          "(code `not_found`); `did_you_mean` lists the register's numbers "
                          "one typing slip away, if any."),
            "429": _RATE_LIMITED,
        }}},
    "/certificates": {"get": {
        "operationId": "searchCertificates", "tags": ["certificates"],
        "summary": "Full-text search of the public register (restricted certificates are left "
                   "out).",
        "parameters": [
            _query("q", "Words to search for: name, former name, credit code, scope, number.",
                   {"type": "string"}),
            _query("scheme", "Only this scheme.", _ref("Scheme")),
            _query("status", "Only this status.", _ref("Status")),
            _query("province", "Only this province (as registered, e.g. 上海市).",
                   {"type": "string"}),
            _query("standard", "Only certificates to this standard: a family (`ISO 9001`, "
                   "`GB/T 19001`) matches every version, a version (`ISO 9001:2015`, "
                   "`GB/T 19001-2016`) only that one. Case and `：` are forgiven. The `standard` "
                   "facet counts families and versions among the results.",
                   {"type": "string", "maxLength": 100},
                   ) | {"examples": {"family": {"value": "ISO 9001"},
                                     "version": {"value": "ISO 9001:2015"},
                                     "national": {"value": "GB/T 19001-2016"}}},
            _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1,
                                                    "maximum": 50, "default": 1}),
            _query("per_page", "Results per page.", {"type": "integer", "minimum": 1,
                                                     "maximum": 100, "default": 20}),
            _query("sort", "`relevance` (best first) or `date` (newest issue first).",
                   {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}),
        ],
        "responses": {
            "200": _json("One page of results, best first.", _ref("SearchResponse")),
            "400": _error("A parameter is not valid."),
            "429": _RATE_LIMITED,
            "503": _error("The register's database cannot be reached (code `unavailable`), or "
                          "the search index cannot be read and the query names no certificate "
                          "by number or credit code (code `search_unavailable`); see "
                          "Retry-After."),
        }}},
    "/certificates/verify": {"post": {
        "operationId": "verifyCertificates", "tags": ["certificates"],
        "summary": "Check up to 1000 certificate numbers, or items (number or credit code "
                   "with the company name printed on the paper), at once.",
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ref("VerifyRequest")}}},
        "responses": {
            "200": _json("One result per number, in the order given.", _ref("VerifyResponse")),
            "400": _error("The body is not JSON, or certificate_numbers/items is missing, not "
                          "an array, or holds a bad entry (the message names it, e.g. "
                          "`items[3].holder_name`)."),
            "413": _error("More than 1000 numbers (code `too_many_numbers`) or items (code "
                          "`too_many_items`), or the body is too large."),
            "429": _RATE_LIMITED,
        }}},
    "/stats": {"get": {
        "operationId": "getStats", "tags": ["statistics"],
        "summary": "Certification statistics of one year.",
        "parameters": [_query("year", "The year, e.g. 2022.", {"type": "integer"})],
        "responses": {
            "200": _json("The statistics table.", _ref("Stats")),
            "400": _error("The year is not valid."),
            "429": _RATE_LIMITED,
        }}},
    "/openapi.json": {"get": {
        "operationId": "getOpenApi", "tags": ["meta"],
        "summary": "This description.",
        "responses": {"200": _json("An OpenAPI 3.1 document.", {"type": "object"})}}},
}


def document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI document, its server at `base_url` + /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Certificate verification API",
            "version": "1.0.0",
            "summary": "Look up certificates issued by the certification body, check supplier "
                       "lists, read statistics.",
            "description": "JSON over HTTPS. Errors are always "
                           '`{"error": {"code": "...", "message": "..."}}` with the HTTP '
                           "status: 400 bad parameter, 404 unknown, 405 wrong method, 413 too "
                           "large, 429 rate limited. Dates are ISO 8601 (`YYYY-MM-DD`); times "
                           "are UTC. The status `expired` is derived from the expiry date and "
                           "never stored.",
        },
        "servers": [{"url": base_url + "/api/v1"}],
        "tags": [{"name": "certificates"}, {"name": "statistics"}, {"name": "meta"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    """Return the OpenAPI description of this API."""
    response = jsonify(document(current_app.config["PUBLIC_BASE_URL"]))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
