"""QR images, the page a QR code opens, /scan, verification receipts and the status badge."""

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import clock
from portal.documents import make as documents
from portal.domain.codes import is_well_formed_number
from portal.extensions import limiter
from portal.i18n import STATUS_LABELS
from portal.qr import bp
from portal.qr.forms import ReceiptForm, ScanForm
from portal.register.public import PublicCertificate, alerts_for_number, find_certificate
from portal.render_cache import cached_by_version
from portal.services import badges, verification
from portal.services import qr as qr_service
from portal.services import receipts as receipt_service
from portal.verify import pages

SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=31536000, immutable"
SCAN_LIMIT = "20 per minute;200 per hour"
RECEIPT_LIMIT = "30 per hour"
RECEIPT_PDF_LIMIT = "10 per minute;60 per hour"  # each PDF costs about a CPU-second
SHOWN_TEXT_LENGTH = 200
SCAN_ERROR_STATUS = {"too_large": 413, "too_many_pixels": 413, "busy": 503}


def _not_found(number: str) -> Any:
    response = make_response(pages.not_found_page(number, near=False), 404)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _file_name(number: str, suffix: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in number).strip("-") or "certificate"
    return f"qr-{safe}{suffix}"


def _image(body: bytes, mimetype: str, etag: str, *, filename: str) -> Response:
    """Answer an image: immutable when the URL names its version (`?v=`), else revalidated."""
    response = make_response(body)
    response.mimetype = mimetype
    response.set_etag(etag)
    versioned = request.args.get("v") == etag
    response.headers["Cache-Control"] = LONG_CACHE if versioned else SHORT_CACHE
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


@bp.app_template_global("qr_image_version")
def image_version(cert: Any, variant: str) -> str:
    """Return the `?v=` value of a certificate's QR image (changes with the printed issue).

    Pages link images with it, so browsers and proxies keep them for a year.
    """
    return qr_service.image_etag(qr_service.code_url(cert, current_app.config), variant)


@bp.get("/certificates/<path:number>/qr.png")
def qr_png(number: str) -> Any:
    """The certificate's QR code as a PNG; `?size=print` for a 30 mm print-quality image."""
    cert = find_certificate(number)
    if cert is None:
        return _not_found(number)
    print_size = request.args.get("size") == "print"
    url = qr_service.code_url(cert, current_app.config)
    variant = "print" if print_size else "png"
    body = qr_service.qr_png(url, print_size=print_size)
    suffix = "-print.png" if print_size else ".png"
    return _image(body, "image/png", qr_service.image_etag(url, variant),
                  filename=_file_name(cert.certificate_number, suffix))


@bp.get("/certificates/<path:number>/qr.svg")
def qr_svg(number: str) -> Any:
    """The certificate's QR code as a scalable SVG (for print layouts)."""
    cert = find_certificate(number)
    if cert is None:
        return _not_found(number)
    url = qr_service.code_url(cert, current_app.config)
    body = qr_service.qr_svg(url, title=cert.certificate_number)
    return _image(body, "image/svg+xml", qr_service.image_etag(url, "svg"),
                  filename=_file_name(cert.certificate_number, ".svg"))


def _altered(number: str = "") -> Any:
    shown = "".join(ch for ch in number if ch.isprintable())[:80]
    body = render_template("qr/altered.html", number=shown,
                           well_formed=bool(shown) and is_well_formed_number(shown))
    response = make_response(body, 400)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/v/<number>/<issue>/<token>")
def landing(number: str, issue: str, token: str) -> Any:
    """The page a printed certificate's QR code opens: live status, and is this copy current?"""
    claim = qr_service.verify_code(number, issue, token, current_app.config)
    if claim is None:
        return _altered(number)
    cert = find_certificate(claim.number_key)
    if cert is None:
        return _not_found(claim.number_key)
    if claim.issue > cert.issue_number:
        return _altered(number)  # signed, but an issue never printed: not ours to trust
    today = clock.today()
    copy = qr_service.check_printed_copy(cert, claim.issue, today)
    public = PublicCertificate.of(cert, today)
    alerts = alerts_for_number(public.certificate_number)
    outcome = verification.verdict_for(
        public.status, copy_current=not any(r.kind != "status" for r in copy.reasons),
        counterfeit=pages.counterfeit_alerted(alerts))
    body = render_template("qr/landing.html", cert=public, copy=copy, status=copy.status,
                           outcome=outcome,
                           cert_path=public.path,
                           public_host=urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc)
    response = make_response(body)
    response.headers["Cache-Control"] = "no-cache"  # the status is live
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/v/")
@bp.get("/v/<path:rest>")
def landing_malformed(rest: str = "") -> Any:
    """A QR address with parts missing or added: treat it as altered."""
    return _altered(rest.split("/", 1)[0])


@bp.route("/scan", methods=["GET", "POST"])
@limiter.limit(SCAN_LIMIT, methods=["POST"])
def scan() -> Any:
    """Read a QR code with the camera (script) or from an uploaded photo (no script needed)."""
    form = ScanForm()
    public_host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc
    if request.method == "GET":
        return render_template("qr/scan.html", form=form, public_host=public_host)
    # CSRFProtect has checked the token before this view runs; the photo is checked by content.
    error, status = None, 200
    text = (form.text.data or "").strip()
    photo = form.photo.data
    if not text and photo is not None and getattr(photo, "filename", ""):
        try:
            texts = qr_service.decode_photo(photo.read(qr_service.SCAN_MAX_BYTES + 1))
        except qr_service.ScanError as exc:
            error = {
                "not_image": _("This file is not a photo we can read. Upload a JPEG, PNG or "
                               "WebP picture of the QR code."),
                "too_large": _("This photo is too large. Upload a picture under 10 MB."),
                "too_many_pixels": _("This picture has too many pixels to read here. Upload "
                                     "a photo or screenshot of at most 12 megapixels (a JPEG "
                                     "photo may be larger)."),
                "no_code": _("No QR code was found in this photo. Take the picture straight "
                             "on, in good light, with the whole code inside the frame."),
                "busy": _("Many photos are being read right now. Please try again in a few "
                          "seconds."),
            }[exc.reason]
            status = SCAN_ERROR_STATUS.get(exc.reason, 422)
            if exc.reason == "busy":
                response = make_response(render_template(
                    "qr/scan.html", form=form, error=error, public_host=public_host), 503)
                response.headers["Retry-After"] = str(qr_service.SCAN_RETRY_AFTER_SECONDS)
                return response
        else:
            targets = [qr_service.classify_scan(t, current_app.config["PUBLIC_BASE_URL"])
                       for t in texts]
            # Several codes in one photo: prefer one of ours, never open a foreign one.
            target = next((t for t in targets if t.kind == "portal"), targets[0])
            return _scan_result(form, target, public_host)
    elif text:
        target = qr_service.classify_scan(text[:2000], current_app.config["PUBLIC_BASE_URL"])
        return _scan_result(form, target, public_host)
    else:
        error, status = _("Choose a photo of the QR code first."), 422
    return render_template("qr/scan.html", form=form, error=error,
                           public_host=public_host), status


def _scan_result(form: ScanForm, target: qr_service.ScanTarget, public_host: str) -> Any:
    if target.kind == "portal":
        return redirect(request.script_root + target.path, code=303)
    shown = target.text if len(target.text) <= SHOWN_TEXT_LENGTH else \
        target.text[:SHOWN_TEXT_LENGTH] + "…"
    status = 200 if target.kind == "number" else 422
    return render_template("qr/scan.html", form=form, target=target, shown_text=shown,
                           public_host=public_host), status


@bp.route("/certificates/<path:number>/receipt", methods=["GET", "POST"])
@limiter.limit(RECEIPT_LIMIT, methods=["POST"])
def receipt_new(number: str) -> Any:
    """Offer a verification receipt (GET) and make one (POST), then show it."""
    cert = find_certificate(number)
    if cert is None:
        return _not_found(number)
    form = ReceiptForm()
    if request.method == "POST" and form.validate_on_submit():
        receipt = receipt_service.create_receipt(cert, now=clock.utcnow(), today=clock.today())
        return redirect(url_for("qr.receipt", receipt_id=receipt_service.format_id(receipt.id)),
                        code=303)
    public = PublicCertificate.of(cert, clock.today())
    return render_template("qr/receipt_new.html", cert=public, status=public.status, form=form,
                           cert_path=public.path)


@bp.get("/receipts/<receipt_id>")
def receipt(receipt_id: str) -> Any:
    """Reopen a receipt: what the register said then, and whether it has changed since."""
    found = receipt_service.get_receipt(receipt_id)
    if found is None:
        body = render_template("qr/receipt_not_found.html")
        return make_response(body, 404)
    view = receipt_service.open_receipt(found, clock.today())
    body = render_template(
        "qr/receipt.html", receipt=found, view=view, data=view.record,
        comparison=view.comparison, receipt_id=receipt_service.format_id(found.id),
        cert=view.certificate, status=view.record["public_status"],
        current_status=view.certificate.status, cert_path=view.certificate.path,
        iso_date=date.fromisoformat,
        receipt_url=current_app.config["PUBLIC_BASE_URL"] + url_for(
            "qr.receipt", receipt_id=receipt_service.format_id(found.id)))
    response = make_response(body)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/receipts/<receipt_id>.pdf")
@limiter.limit(RECEIPT_PDF_LIMIT)
def receipt_pdf(receipt_id: str) -> Any:
    """The receipt as a digitally signed PDF (PAdES) in the reader's language."""
    found = receipt_service.get_receipt(receipt_id)
    if found is None:
        return make_response(render_template("qr/receipt_not_found.html"), 404)
    try:
        body = documents.receipt_pdf(found, today=clock.today(), now=clock.utcnow())
    except documents.UNAVAILABLE as exc:
        return documents.unavailable_response(f"receipt PDF {found.id}", exc)
    response = make_response(body)
    response.mimetype = "application/pdf"
    formatted = receipt_service.format_id(found.id)
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{formatted}.pdf"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/receipts/<receipt_id>/qr.svg")
def receipt_qr(receipt_id: str) -> Any:
    """The QR code printed on a receipt: it reopens the receipt."""
    found = receipt_service.get_receipt(receipt_id)
    if found is None:
        return make_response(render_template("qr/receipt_not_found.html"), 404)
    formatted = receipt_service.format_id(found.id)
    url = current_app.config["PUBLIC_BASE_URL"] + url_for("qr.receipt", receipt_id=formatted)
    body = qr_service.qr_svg(url, title=formatted)
    response = _image(body, "image/svg+xml", qr_service.image_etag(url, "svg"),
                      filename=f"receipt-{formatted}.svg")
    response.headers["Cache-Control"] = LONG_CACHE  # a receipt's address never changes
    return response


@bp.get("/certificates/<path:number>/badge.svg")
@cached_by_version("badge", per_language=False)
def badge(number: str) -> Any:
    """A small live status badge (`?lang=en` for English; Chinese by default)."""
    lang = "en" if (request.args.get("lang") or "").lower().startswith("en") else "zh"
    cert = find_certificate(number)
    # Flask-Babel ignores force_locale while `g` is still empty (it is, early in a request).
    g.badge_lang = lang
    with force_locale("en" if lang == "en" else "zh_CN"):
        label = _("Certificate")
        if cert is None:
            status, words = "not_found", _("Not found")
            title = _("Certificate %(number)s: not found in the register",
                      number=number.strip()[:80])
        else:
            public = PublicCertificate.of(cert, clock.today())
            status = public.status.value
            words = str(STATUS_LABELS[status])
            title = _("Certificate %(number)s: %(status)s (live from the register)",
                      number=public.certificate_number, status=words)
    g.pop("remember_lang", None)  # an embedded image sets no cookie
    body = badges.badge_svg(label=label, status=status, status_text=words, title=title,
                            lang="en" if lang == "en" else "zh-CN")
    response = make_response(body, 404 if cert is None else 200)
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = SHORT_CACHE
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # embedded elsewhere
    response.add_etag()
    return response.make_conditional(request)
