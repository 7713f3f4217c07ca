"""Every public HTML page with an example address, for the site-wide language and a11y tests.

`example_pages(app)` picks real certificates of the demo register (valid, suspended, expired,
withdrawn, restricted, renamed) and builds one address per page, plus the explained 404s.
`uncovered_rules(app)` lists public GET routes that no example reaches, so a page added later
without an entry here fails the tests instead of going unchecked.
"""

from dataclasses import dataclass
from urllib.parse import quote

from flask import Flask
from sqlalchemy import select

from portal import clock
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Certificate, CertificateEvent, EventKind
from portal.services import qr as qr_service
from portal.services import receipts as receipt_service

# Routes that are not HTML pages for people: data, images, feeds, redirects, health.
NOT_PAGES = (".png", ".svg", ".atom", ".csv", ".xlsx", ".xml", ".json", ".pdf", ".txt")
NOT_PAGE_ENDPOINTS = {"static", "public.healthz", "opendata.register"}


@dataclass(frozen=True)
class Page:
    name: str  # used in screenshot file names
    path: str
    endpoint: str
    status: int = 200
    user_text: str = ""  # what the visitor typed, echoed back (exempt from language checks)


def _number(cert: Certificate) -> str:
    return quote(cert.certificate_number, safe="")


def _pick(*conditions: object) -> Certificate:
    cert = db.session.scalars(select(Certificate).where(*conditions)
                              .order_by(Certificate.id).limit(1)).first()
    assert cert is not None, f"the demo register has no certificate where {conditions}"
    return cert


def _survey_path() -> str:
    """Return the link of a fresh satisfaction-survey invitation for a demo audit."""
    from portal.models import Audit
    from portal.models.survey import SurveyInvitation
    from portal.services import surveys as survey_service

    invited = select(SurveyInvitation.audit_id).where(SurveyInvitation.audit_id.is_not(None))
    audit = db.session.scalars(select(Audit).where(Audit.id.not_in(invited))
                               .order_by(Audit.audit_date.desc()).limit(1)).first()
    assert audit is not None, "the demo register has no audit without an invitation"
    invitation = survey_service.issue_invitation(audit, actor="test", now=clock.utcnow(),
                                                 send=False)
    return "/survey/" + survey_service.token(invitation)


def example_pages(app: Flask) -> list[Page]:
    """Return one address for every public page (run inside `app`'s context, demo data loaded)."""
    today = clock.today()
    public = Certificate.restricted.is_(False)
    renamed = select(CertificateEvent.certificate_id).where(
        CertificateEvent.kind == EventKind.RENAMED)
    valid = _pick(public, Certificate.status == CertificateStatus.VALID,
                  Certificate.expiry_date > today, Certificate.id.in_(renamed))
    suspended = _pick(public, Certificate.status == CertificateStatus.SUSPENDED,
                      Certificate.expiry_date > today)
    expired = _pick(public, Certificate.status == CertificateStatus.VALID,
                    Certificate.expiry_date < today)
    withdrawn = _pick(public, Certificate.status == CertificateStatus.WITHDRAWN)
    restricted = _pick(Certificate.restricted.is_(True),
                       Certificate.status == CertificateStatus.VALID)
    landing = qr_service.code_path(valid, app.config)
    receipt = receipt_service.create_receipt(valid, now=clock.utcnow(), today=today)
    token = "A" * 24
    wrong_check = valid.credit_code[:17] + ("0" if valid.credit_code[17] != "0" else "1")
    mistyped = _number(valid)[:-1] + ("0" if _number(valid)[-1] != "0" else "1")
    return [
        Page("home", "/", "public.home"),
        Page("search", "/search?q=%E7%94%B5%E5%AD%90", "search.search", user_text="电子"),
        Page("search-empty", "/search?q=zzqqxx", "search.search", user_text="zzqqxx"),
        Page("certificate-valid", f"/certificates/{_number(valid)}", "certificates.detail"),
        Page("certificate-suspended", f"/certificates/{_number(suspended)}",
             "certificates.detail"),
        Page("certificate-expired", f"/certificates/{_number(expired)}", "certificates.detail"),
        Page("certificate-withdrawn", f"/certificates/{_number(withdrawn)}",
             "certificates.detail"),
        Page("certificate-restricted", f"/certificates/{_number(restricted)}",
             "certificates.detail"),
        Page("certificate-unknown", "/certificates/02799Q99999R9M", "certificates.detail", 404),
        Page("certificate-malformed", "/certificates/%E2%98%83%3F", "certificates.detail", 404),
        Page("qr-landing", landing, "qr.landing"),
        Page("qr-altered", landing[:-3] + "AAA", "qr.landing", 400),
        Page("qr-malformed", "/v/nonsense", "qr.landing_malformed", 400),
        Page("scan", "/scan", "qr.scan"),
        Page("receipt-new", f"/certificates/{_number(valid)}/receipt", "qr.receipt_new"),
        Page("receipt", f"/receipts/{receipt.id}", "qr.receipt"),
        Page("receipt-unknown", "/receipts/AAAAAAAAAAAA", "qr.receipt", 404),
        Page("verify-list", "/verify-list", "suppliers.verify_list"),
        Page("verify-name-mismatch",
             f"/verify?number={_number(valid)}&name=%E8%8B%8F%E5%B7%9E%E5%88%AB%E5%AE%B6"
             "%E8%B4%B8%E6%98%93%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8", "public.verify",
             user_text="苏州别家贸易有限公司"),
        Page("verify-name-restricted",
             f"/verify?number={_number(restricted)}&name=%E8%8B%8F%E5%B7%9E%E5%88%AB%E5%AE%B6"
             "%E8%B4%B8%E6%98%93%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8", "public.verify",
             user_text="苏州别家贸易有限公司"),
        Page("verify-credit-code-typo", f"/verify?number={wrong_check}", "public.verify", 404),
        Page("verify-nearest", f"/verify?number={mistyped}", "public.verify", 404),
        Page("verify-list-results-gone", f"/verify-list/results/{token}.csv",
             "suppliers.verify_list_download", 404),
        Page("list-watch-results-gone", f"/verify-list/results/{token}/watch",
             "suppliers.list_watch_new", 404),
        Page("list-confirm-invalid", f"/lists/{token}/confirm", "suppliers.list_watch_confirm",
             404),
        Page("list-manage-invalid", f"/lists/{token}", "suppliers.list_watch_manage", 404),
        Page("list-unsubscribe-invalid", f"/lists/{token}/unsubscribe",
             "suppliers.list_watch_unsubscribe", 404),
        Page("webhook-new", "/webhooks/new", "opendata.webhook_new"),
        Page("webhook-confirm-invalid", f"/webhooks/{token}/confirm", "opendata.webhook_confirm",
             404),
        Page("webhook-manage-invalid", f"/webhooks/{token}", "opendata.webhook_manage", 404),
        Page("watch", f"/certificates/{_number(valid)}/watch", "suppliers.watch"),
        Page("watch-confirm-invalid", f"/watch/confirm/{token}", "suppliers.watch_confirm", 404),
        Page("watch-unsubscribe-invalid", f"/watch/unsubscribe/{token}",
             "suppliers.watch_unsubscribe", 404),
        Page("services", "/services", "public.services"),
        Page("certification-rules", "/certification-rules", "public.certification_rules"),
        Page("complaints", "/complaints", "public.complaints_info"),
        Page("complaints-new", "/complaints/new", "complaints.new"),
        Page("complaints-track", "/complaints/track", "complaints.track"),
        Page("report-fake", "/report-fake", "complaints.report_fake"),
        Page("apply", "/apply", "applications.new"),
        Page("apply-track", "/apply/track", "applications.track"),
        Page("survey", _survey_path(), "surveys.answer"),
        Page("survey-invalid", "/survey/" + token, "surveys.answer", 404),
        Page("transparency", "/transparency?year=2022", "transparency.index"),
        Page("about", "/about", "public.about"),
        Page("alerts", "/alerts", "public.alerts"),
        Page("not-found", "/no-such-page", "", 404),
    ]


def uncovered_rules(app: Flask, pages: list[Page]) -> list[str]:
    """Return public GET routes (not staff, API, data or images) that no example page reaches."""
    covered = {page.endpoint for page in pages}
    missing = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if ("GET" not in (rule.methods or set()) or endpoint in NOT_PAGE_ENDPOINTS
                or endpoint.startswith(("staff.", "api.")) or rule.rule.endswith(NOT_PAGES)):
            continue
        if endpoint not in covered:
            missing.append(f"{rule.rule} ({endpoint})")
    return sorted(missing)
