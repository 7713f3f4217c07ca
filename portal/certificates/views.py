"""The public verification page of one certificate and the explained "not found" page."""

from typing import Any

from flask import current_app, make_response, render_template

from portal import clock
from portal.certificates import bp
from portal.register.jsonld import certification_jsonld
from portal.register.public import (
    PublicCertificate,
    alerts_for_number,
    find_certificate,
    verify_url,
)
from portal.render_cache import cached_by_version
from portal.verify import pages


@bp.get("/<path:number>")
@cached_by_version("certificate-page")
def detail(number: str) -> Any:
    """Public verification page for one certificate (status first, always live)."""
    cert = find_certificate(number)
    if cert is None:
        response = make_response(pages.not_found_page(number), 404)
    else:
        public = PublicCertificate.of(cert, clock.today())
        address = verify_url(public.certificate_number)
        alerts = alerts_for_number(public.certificate_number)
        body = render_template("certificates/detail.html", cert=public, status=public.status,
                               cert_path=public.path, verify_url=address,
                               jsonld=certification_jsonld(public, url=address,
                                                           config=current_app.config),
                               alerts=alerts,
                               outcome=pages.certificate_verdict(public, alerts))
        response = make_response(body)
    # The status must be live: browsers and proxies revalidate on every view.
    response.headers["Cache-Control"] = "no-cache"
    return response
