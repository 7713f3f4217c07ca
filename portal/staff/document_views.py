"""The printable certificate document for staff: a signed, bilingual PDF (#24)."""

from typing import Any

from flask import abort, current_app, make_response
from flask_login import current_user

from portal import clock
from portal.documents import make as documents
from portal.models import Role
from portal.register.public import find_certificate
from portal.staff import bp
from portal.staff.access import roles_required


@bp.get("/certificates/<path:number>/certificate.pdf")
@roles_required(Role.REGISTRAR)
def certificate_pdf(number: str) -> Any:
    """The certificate document of the current printed issue, signed by the body."""
    cert = find_certificate(number) or abort(404)
    try:
        body = documents.certificate_pdf(cert, today=clock.today(), now=clock.utcnow())
    except documents.UNAVAILABLE as exc:
        return documents.unavailable_response(f"certificate PDF {cert.certificate_number}", exc)
    current_app.logger.info("certificate PDF %s issue %s made by %s", cert.certificate_number,
                            cert.issue_number, current_user.get_id())
    safe = "".join(ch if ch.isalnum() else "-" for ch in cert.certificate_number).strip("-")
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="certificate-{safe}-issue-{cert.issue_number}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
