"""Views of the public information pages."""

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, errors
from portal.extensions import db, limiter
from portal.models import AlertKind
from portal.public import bp
from portal.register.public import certificate_path
from portal.services import alerts as alert_service
from portal.services import content as content_service
from portal.services import content_reviews, verification
from portal.verify import pages

# Information pages are the same for every visitor of a language; proxies may keep them briefly.
CONTENT_CACHE_CONTROL = "public, max-age=300"
# How long a visitor (or a proxy) should wait before asking again for a page that failed.
RETRY_AFTER_SECONDS = 300
# Longest identifier worth resolving: a certificate number is at most 40 letters and digits.
MAX_QUERY_LENGTH = 200
VERIFY_LIMIT = "120 per minute"
VERDICT_REASONS = {
    "company_form": _l("The names differ only in how the company form is written "
                       "(such as “Co., Ltd.” and “Limited”)."),
    "form_differs": _l("The names are the same but the company form differs "
                       "(such as a limited company and a joint-stock company)."),
    "typo": _l("The names differ by one or two characters."),
}


@bp.get("/")
def home() -> str:
    """Front page: certificate-number box, search box and links to everything."""
    return render_template("public/home.html")


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT)
def verify() -> Any:
    """One box for any identifier; with `name`, say whether the paper's company is the holder."""
    query = (request.args.get("number") or "").strip()[:MAX_QUERY_LENGTH]
    printed = (request.args.get("name") or "").strip()[:verification.MAX_NAME_LENGTH]
    if not query:
        if printed:
            return redirect(url_for("search.search", q=printed))
        return redirect(url_for("public.home"))
    lookup = verification.look_up(query, printed, clock.today())
    kind = verification.LookupKind
    if lookup.kind is kind.NAME:
        return redirect(url_for("search.search", q=query))
    if not printed and lookup.kind is kind.CERTIFICATE or (
            not printed and lookup.kind is kind.HOLDER and len(lookup.certificates) == 1):
        return redirect(url_for("certificates.detail",
                                number=lookup.certificates[0].certificate_number))
    if lookup.kind in (kind.NOT_FOUND, kind.MALFORMED):
        body = pages.not_found_page(query, printed=printed)
        status = 404
    else:
        first = lookup.certificate
        name = lookup.verdicts.get(first.number_key) if first and printed else None
        outcome = (verification.verdict_for(first.status, name=name,
                                            counterfeit=lookup.counterfeit)
                   if first is not None and name is not None else None)
        body = render_template("verify/result.html", lookup=lookup, query=query,
                               printed=printed, outcome=outcome,
                               VERDICT_REASONS=VERDICT_REASONS)
        status = 404 if lookup.kind in (kind.CREDIT_CODE_TYPO, kind.CREDIT_CODE_UNKNOWN) else 200
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"  # live status, and the typed name is private
    return response


# Crawlers may read certificate pages (and their JSON-LD); search results, forms, personal
# links and the back office stay out. Specific paths come before the broad Allow: parsers
# that take the first match (Python's) and the longest match (RFC 9309) then agree.
ROBOTS_TXT = """User-agent: *
Disallow: /certificates/*/receipt
Disallow: /certificates/*/watch
Allow: /certificates/
Disallow: /search
Disallow: /verify
Disallow: /verify-list
Disallow: /staff/
Disallow: /complaints/new
Disallow: /complaints/track
Disallow: /apply
Disallow: /report-fake
Disallow: /scan
Disallow: /survey/
Disallow: /receipts/
Disallow: /lists/
Disallow: /watch/
Disallow: /webhooks/
Disallow: /v/
Disallow: /api/
"""


@bp.get("/robots.txt")
def robots() -> Any:
    """Tell crawlers to read certificate pages and keep out of search, forms and staff pages."""
    response = make_response(ROBOTS_TXT)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Any:
    """Answer load balancers: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        response = jsonify({"status": "error", "database": "unavailable"})
        response.status_code = 503
        response.headers["Retry-After"] = str(errors.DATABASE_RETRY_AFTER)
        return response
    return jsonify({"status": "ok"})


def _content_unavailable(slug: str) -> Response:
    """Answer 503 with a page explaining that the text of `slug` cannot be shown just now."""
    response = make_response(render_template("public/content_unavailable.html", slug=slug), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _content_response(slug: str, template: str = "public/content_page.html") -> Response:
    """Render content page `slug` in the visitor's language, or an explained 503 page."""
    lang = content_service.content_lang(str(get_locale()))
    try:
        page = content_reviews.reviewed_page(slug, lang)
    except content_service.ContentError as exc:
        # A missing or malformed file is a deployment mistake: log it for staff (the message
        # names the file and the problem), explain it to the reader, never cache the failure.
        current_app.logger.error("content page %r (%s) cannot be shown: %s", slug, lang, exc)
        return _content_unavailable(slug)
    except (OSError, ValueError):  # unreadable file, not UTF-8…
        current_app.logger.exception("content page %r (%s) cannot be shown", slug, lang)
        return _content_unavailable(slug)
    response = make_response(render_template(template, page=page))
    if session.modified:
        # A flashed message was shown (and consumed): this answer belongs to one visitor.
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = CONTENT_CACHE_CONTROL
    response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.get("/services")
def services() -> Response:
    """How to obtain certification: schemes, process, documents, time frames, fees."""
    return _content_response("services", "public/services.html")


@bp.get("/certification-rules")
def certification_rules() -> Response:
    """The rules for granting, maintaining, suspending, withdrawing… certification."""
    return _content_response("certification-rules")


@bp.get("/complaints")
def complaints_info() -> Response:
    """How to complain or appeal, with the ways to file a case and follow it."""
    return _content_response("complaints", "public/complaints_info.html")


@bp.get("/about")
def about() -> Response:
    """The certification body: policy, accreditation, area served, contacts."""
    return _content_response("about")


@bp.get("/alerts")
def alerts() -> Response:
    """Public warnings: counterfeit numbers, look-alike sites, certificates not returned."""
    body = render_template("public/alerts.html", alerts=alert_service.public_alerts(),
                           kinds=AlertKind, certificate_path=certificate_path,
                           portal_host=urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname,
                           website_host=urlsplit(current_app.config["BODY_WEBSITE"]).hostname)
    response = make_response(body)
    # Warnings are published and withdrawn by staff at any time: always revalidate.
    response.headers["Cache-Control"] = "no-cache"
    return response
