"""The public verification page of one certificate and the explained "not found" page."""

from typing import Any

from flask import make_response, render_template

from portal import clock
from portal.certificates import bp
from portal.certificates.public import (
    alerts_for_number,
    certificate_path,
    find_certificate,
    history,
    verify_url,
)
from portal.domain.codes import is_well_formed_number

# How much of an unknown number the "not found" page repeats back.
SHOWN_NUMBER_LENGTH = 80


def _printable(text: str) -> str:
    """Drop control characters and cut very long input before echoing it on a page."""
    cleaned = "".join(ch for ch in text if ch.isprintable())
    if len(cleaned) > SHOWN_NUMBER_LENGTH:
        cleaned = cleaned[:SHOWN_NUMBER_LENGTH] + "…"
    return cleaned


@bp.get("/<path:number>")
def detail(number: str) -> Any:
    """Public verification page for one certificate (status first, always live)."""
    cert = find_certificate(number)
    if cert is None:
        shown = _printable(number.strip())
        body = render_template("certificates/not_found.html", number=shown,
                               well_formed=is_well_formed_number(number),
                               alerts=alerts_for_number(number))
        response = make_response(body, 404)
    else:
        today = clock.today()
        body = render_template("certificates/detail.html", cert=cert,
                               status=cert.public_status(today), history=history(cert, today),
                               cert_path=certificate_path(cert.certificate_number),
                               verify_url=verify_url(cert.certificate_number),
                               alerts=alerts_for_number(cert.certificate_number))
        response = make_response(body)
    # The status must be live: browsers and proxies revalidate on every view.
    response.headers["Cache-Control"] = "no-cache"
    return response
