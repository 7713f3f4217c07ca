"""Make the signed PDFs: a verification receipt and the printable certificate document.

Both are rendered from templates in `templates/documents/` within a Flask app context (the
request's language picks the receipt's; the certificate document is bilingual), laid out by
WeasyPrint and signed with the body's key (`portal.documents.signing`).
"""

import base64
from datetime import date, datetime
from typing import Any

from flask import Response, current_app, make_response, render_template, url_for
from flask_babel import gettext as _

from portal.documents.rendering import RenderBusyError, html_to_pdf
from portal.documents.signing import SigningKeyError, sign_pdf
from portal.domain.schemes import SCHEMES
from portal.models import Certificate
from portal.models.receipt import Receipt
from portal.services import qr as qr_service
from portal.services import receipts as receipt_service

STATUS_ZH = {"valid": "有效", "suspended": "暂停", "withdrawn": "撤销", "cancelled": "注销",
             "expired": "过期"}
STATUS_EN = {"valid": "Valid", "suspended": "Suspended", "withdrawn": "Withdrawn",
             "cancelled": "Cancelled", "expired": "Expired"}


def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _static_base() -> str:
    return str(current_app.static_folder).rstrip("/") + "/"


def _sign(pdf: bytes, reason: str) -> bytes:
    return sign_pdf(pdf, config=current_app.config, instance_path=current_app.instance_path,
                    reason=reason, location=str(current_app.config["PUBLIC_BASE_URL"]))


def receipt_pdf(receipt: Receipt, *, today: date, now: datetime) -> bytes:
    """Return the receipt as a signed PDF in the current language (needs an app context)."""
    view = receipt_service.open_receipt(receipt, today)
    formatted = receipt_service.format_id(receipt.id)
    receipt_url = current_app.config["PUBLIC_BASE_URL"] + url_for("qr.receipt",
                                                                  receipt_id=formatted)
    html = render_template(
        "documents/receipt.html", receipt=receipt, view=view, data=view.record,
        comparison=view.comparison, receipt_id=formatted, status=view.record["public_status"],
        current_status=view.certificate.status, receipt_url=receipt_url, made_at=now,
        iso_date=date.fromisoformat,
        qr_image=_png_data_uri(qr_service.qr_png(receipt_url, print_size=True)),
        **document_context())
    return _sign(html_to_pdf(html, base_url=_static_base()),
                 reason=_("Verification receipt %(id)s", id=formatted))


def certificate_pdf(cert: Certificate, *, today: date, now: datetime) -> bytes:
    """Return the printable certificate document (zh and en) as a signed PDF."""
    status = cert.public_status(today).value
    scheme = next((s for s in SCHEMES if s.code == cert.scheme), None)
    code_url = qr_service.code_url(cert, current_app.config)
    html = render_template(
        "documents/certificate.html", cert=cert, status=status, scheme=scheme, today=today,
        status_zh=STATUS_ZH[status], status_en=STATUS_EN[status], code_url=code_url,
        made_at=now, qr_image=_png_data_uri(qr_service.qr_png(code_url, print_size=True)),
        **document_context())
    reason = f"证书 Certificate {cert.certificate_number} · 第 {cert.issue_number} 版 issue"
    return _sign(html_to_pdf(html, base_url=_static_base()), reason=reason)


def document_context() -> dict[str, Any]:
    """Return what both document templates share (the body's name, address and mark)."""
    config = current_app.config
    return {"body_name_zh": config["BODY_NAME_ZH"], "body_name_en": config["BODY_NAME_EN"],
            "body_address_zh": config.get("BODY_ADDRESS_ZH") or "",
            "body_address_en": config.get("BODY_ADDRESS_EN") or "",
            "body_website": config.get("BODY_WEBSITE") or ""}


# What makes a document impossible just now (the renderer is busy, the key is unusable).
UNAVAILABLE = (RenderBusyError, SigningKeyError)


def unavailable_response(what: str, exc: Exception) -> Response:
    """Log why document `what` was not made and answer the explained 503 page."""
    current_app.logger.error("%s not made: %s", what, exc)
    response = make_response(render_template("qr/receipt_pdf_unavailable.html"), 503)
    response.headers["Retry-After"] = "30"
    return response
