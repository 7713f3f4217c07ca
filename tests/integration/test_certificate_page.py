"""The public certificate page: status first, every public field, history, restricted records."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Audit, AuditType, EventKind
from portal.services import certificates as certificate_service
from tests.factories import NOW, certificate_data

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def main_text(response) -> str:
    return soup(response).select_one("main").get_text(" ", strip=True)


def nearest_lang(node) -> str:
    for parent in node.parents:
        if getattr(parent, "attrs", None) and parent.get("lang"):
            return parent["lang"]
    return ""


def suspend(cert, reason="未按期接受监督审核", note="内部：客户拖欠费用"):
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=clock.today() - timedelta(days=10),
                                      reason=reason, note=note, actor="registrar@example.test",
                                      now=NOW)
    db.session.commit()


@pytest.mark.parametrize("spelling", [
    "SQI/FW/2025/0003", "SQI%2FFW%2F2025%2F0003", "sqifw20250003", "sqi-fw-2025-0003",
    "SQI fw 2025 0003", "ＳＱＩ／ＦＷ／２０２５／０００３",
])
def test_page_found_by_raw_encoded_or_normalised_number(client, make_certificate, spelling):
    cert = make_certificate(certificate_number="SQI/FW/2025/0003")
    response = client.get(f"/certificates/{spelling}")
    assert response.status_code == 200
    assert soup(response).select_one("h1 .cert-number").text == "SQI/FW/2025/0003"
    assert cert.holder_name_zh in response.text


def test_page_found_by_dashed_number_encoded(client, make_certificate):
    make_certificate(certificate_number="027-26-Q-10403-R0")
    for spelling in ("027-26-Q-10403-R0", "027%2F26%2FQ%2F10403%2FR0", "02726Q10403R0"):
        assert client.get(f"/certificates/{spelling}").status_code == 200, spelling


def test_front_page_box_leads_to_the_page(client, make_certificate):
    make_certificate(certificate_number="SQI/FW/2025/0004")
    response = client.get("/verify?number=SQI/FW/2025/0004", follow_redirects=True)
    assert response.status_code == 200
    assert soup(response).select_one(".cert-number").text == "SQI/FW/2025/0004"


def test_status_comes_first_in_words_and_colour(client, make_certificate):
    cert = make_certificate()
    page = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    article = page.select_one("main article")
    first = article.find(True)
    assert "status-panel--valid" in first["class"]
    assert first.select_one(".badge--valid").get_text(strip=True).endswith("Valid")
    text = page.select_one("main").get_text(" ", strip=True)
    assert text.index("Valid") < text.index(cert.holder_name_en)


def test_page_shows_every_public_field(client, make_certificate):
    cert = make_certificate(sites=["江苏省苏州市工业园区星湖街328号"],
                            former_names=["上海华虹旧名有限公司"])
    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=clock.today() - timedelta(days=30)))
    db.session.commit()
    text = main_text(client.get(f"/certificates/{cert.certificate_number}"))
    for value in (cert.holder_name_zh, cert.holder_name_en, cert.credit_code, cert.address_zh,
                  cert.scope_zh, "江苏省苏州市工业园区星湖街328号", "上海华虹旧名有限公司",
                  "质量管理体系认证", cert.standard, "CNAS", "2019年3月1日", "2025年3月1日",
                  "2028年2月28日"):
        assert value in text, value
    text = main_text(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    for value in (cert.address_en, cert.scope_en, "Quality management system certification",
                  "March 1, 2019", "Surveillance audit", "Certificate issued"):
        assert value in text, value


def test_page_is_never_cached_without_revalidation(client, make_certificate):
    cert = make_certificate()
    response = client.get(f"/certificates/{cert.certificate_number}")
    assert response.headers["Cache-Control"] == "no-cache"


def test_page_says_status_as_of_now(client, make_certificate):
    cert = make_certificate()
    page = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    asof = page.select_one(".cert-status__asof").text
    assert "Status as of" in asof and "China Standard Time" in asof
    assert str(clock.today().year) in asof


def test_suspended_page_gives_public_reason_never_internal_note(client, make_certificate):
    cert = make_certificate()
    suspend(cert)
    response = client.get(f"/certificates/{cert.certificate_number}")
    page = soup(response)
    assert page.select_one(".status-panel--suspended .badge--suspended") is not None
    assert "未按期接受监督审核" in page.select_one(".cert-status__reason").text
    assert "客户拖欠费用" not in response.text
    assert "registrar@example.test" not in response.text


def test_history_lists_every_event_newest_first(client, make_certificate):
    cert = make_certificate()
    suspend(cert)
    certificate_service.change_status(cert, CertificateStatus.VALID, effective=clock.today(),
                                      reason="已完成监督审核，恢复认证", actor="r", now=NOW)
    db.session.commit()
    items = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en")).select(
        ".cert-timeline li")
    texts = [li.get_text(" ", strip=True) for li in items]
    assert len(texts) == 3
    assert "Status changed to Valid" in texts[0] and "恢复认证" in texts[0]
    assert "Status changed to Suspended" in texts[1]
    assert "Certificate issued" in texts[2]


def test_rename_shows_former_name(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海甲公司")
    data = certificate_data(certificate_number=cert.certificate_number,
                            holder_name_zh="上海乙公司", holder_name_en=cert.holder_name_en,
                            credit_code=cert.credit_code)
    certificate_service.update_certificate(cert, data, actor="r", now=NOW, reason="更名")
    db.session.commit()
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    renamed = page.select_one(".timeline__item--renamed")
    assert renamed is not None and "上海甲公司" in renamed.text
    assert "上海甲公司" in page.select_one(".cert-section").text  # "formerly"
    assert any(e.kind is EventKind.RENAMED for e in cert.events)


@pytest.mark.parametrize("status", ["withdrawn", "cancelled"])
def test_final_statuses_stay_visible_with_reason(client, make_certificate, status):
    cert = make_certificate(status=status, status_date=clock.today() - timedelta(days=400),
                            status_reason="严重不符合", expiry_date=clock.today() - timedelta(days=1))
    response = client.get(f"/certificates/{cert.certificate_number}")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(f".status-panel--{status} .badge--{status}") is not None
    assert "严重不符合" in page.select_one(".cert-status").text
    assert page.select_one(".badge--expired") is None


def test_expired_shows_everywhere_though_stored_valid(client, make_certificate):
    today = clock.today()
    cert = make_certificate(issue_date=today - timedelta(days=3 * 365),
                            expiry_date=today - timedelta(days=1))
    assert cert.status is CertificateStatus.VALID
    page = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    panel = page.select_one(".cert-status")
    assert "status-panel--expired" in panel["class"]
    assert panel.select_one(".badge--expired").get_text(strip=True).endswith("Expired")
    assert page.select_one(".badge--valid") is None
    assert page.title.text.split("·")[0].strip() == (
        "This certificate has expired: do not rely on it")
    assert page.select_one("[data-verdict]")["data-verdict"] == "reject"
    newest = page.select_one(".cert-timeline li")
    assert "Expired" in newest.text
    assert newest.time["datetime"] == today.isoformat()


def test_expiry_day_itself_is_still_valid(client, make_certificate):
    cert = make_certificate(expiry_date=clock.today())
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    assert page.select_one(".cert-status .badge--valid") is not None


def test_suspended_then_expired_shows_expired(client, make_certificate):
    today = clock.today()
    cert = make_certificate(status="suspended", status_date=today - timedelta(days=100),
                            issue_date=today - timedelta(days=1000),
                            expiry_date=today - timedelta(days=5))
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    assert page.select_one(".cert-status .badge--expired") is not None


def test_restricted_page_hides_holder_details(client, make_certificate):
    cert = make_certificate(restricted=True, sites=["江苏省苏州市星湖街1号"],
                            former_names=["保密旧名有限公司"], status="suspended",
                            status_date=clock.today(), status_reason="保密公司未接受审核")
    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=clock.today()))
    db.session.commit()
    for lang in ("zh", "en"):
        response = client.get(f"/certificates/{cert.certificate_number}?lang={lang}")
        assert response.status_code == 200
        html = response.text
        for hidden in (cert.holder_name_zh, cert.holder_name_en, cert.credit_code,
                       cert.address_zh, cert.address_en, cert.scope_zh, cert.scope_en,
                       "星湖街", "保密旧名有限公司", "保密公司未接受审核"):
            assert hidden not in html, hidden
        text = main_text(response)
        assert cert.certificate_number in text and cert.standard in text
        assert "QMS" in text
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    assert page.select_one(".cert-status .badge--suspended") is not None
    assert page.select_one(".cert-restricted") is not None


def test_english_page_marks_chinese_data(client, make_certificate):
    cert = make_certificate(sites=["江苏省苏州市星湖街1号"], former_names=["上海旧名有限公司"],
                            status="suspended", status_date=clock.today(),
                            status_reason="未按期接受监督审核")
    page = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    assert page.html["lang"] == "en"
    stray = [s for s in page.body.find_all(string=CJK)
             if not nearest_lang(s).startswith("zh")]
    assert stray == []


def test_chinese_page_marks_english_data(client, make_certificate):
    cert = make_certificate()
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    node = page.find(string=cert.holder_name_en)
    assert nearest_lang(node) == "en"


def test_page_links_receipt_qr_and_api(client, make_certificate):
    cert = make_certificate(certificate_number="SQI/FW/2025/0009")
    links = {a["href"] for a in soup(client.get("/certificates/SQI%2FFW%2F2025%2F0009"))
             .select("main a")}
    assert "/certificates/SQI%2FFW%2F2025%2F0009/receipt" in links
    assert "/certificates/SQI%2FFW%2F2025%2F0009/qr.svg" in links
    assert "/api/v1/certificates/SQI%2FFW%2F2025%2F0009" in links
    assert cert.certificate_number


def test_page_has_print_styles(client, make_certificate):
    cert = make_certificate()
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    css_href = [link["href"] for link in page.select("link[rel=stylesheet]")]
    assert "/static/css/certificates.css" in css_href
    css = client.get("/static/css/certificates.css").text
    assert "@media print" in css
    assert page.select_one(".cert-printed.print-only") is not None


# --- the explained 404 ---------------------------------------------------------------------

def test_unknown_well_formed_number_may_be_counterfeit(client):
    response = client.get("/certificates/02799Q99999R9M?lang=en")
    assert response.status_code == 404
    page = soup(response)
    assert page.select_one("[data-reason=unknown]") is not None
    link = page.find("a", href=re.compile(r"^/report-fake\?"))
    assert link["href"] == "/report-fake?certificate_number=02799Q99999R9M"
    text = main_text(response)
    assert "counterfeit" in text and "CNCA" in text and "全国认证认可信息公共服务平台" in text
    assert "02799Q99999R9M" in text


def test_malformed_number_explains_the_shapes(client):
    response = client.get("/certificates/%E2%98%83%21")
    assert response.status_code == 404
    page = soup(response)
    assert page.select_one("[data-reason=malformed]") is not None
    text = page.select_one("main").text
    assert "02722Q10234R3M" in text and "SQI/FW/2025/0003" in text
    assert page.select_one("main").find("a", href=re.compile(r"^/report-fake")) is None


def test_not_found_page_in_chinese(client):
    text = main_text(client.get("/certificates/02799Q99999R9M"))
    assert "未找到" in text or "没有" in text
    assert "举报" in text


def test_not_found_escapes_script_in_number(client):
    response = client.get("/certificates/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text
    response = client.get('/certificates/ABCD1234%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E')
    assert response.status_code == 404
    assert "<img src=x" not in response.text


def test_not_found_page_cuts_very_long_numbers(client):
    response = client.get("/certificates/" + "A1" * 5000)
    assert response.status_code == 404
    assert len(soup(response).select_one(".nf-number").text) <= 81


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.one_of(
    st.text(min_size=1, max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.sampled_from(["\x00", "\x00ABC123", "🙂" * 10, "A" * 10000, "..", "%", "%2F%2F",
                     "\u202eSQI123", "SQI\x7f123", " ", "\ufeff0272"]),
))
def test_page_never_fails_on_any_number(client, number):
    from urllib.parse import quote
    response = client.get("/certificates/" + quote(number, safe=""))
    assert response.status_code in (200, 404, 308)


def test_front_page_shows_number_shapes_and_bulk_ways(client):
    page = soup(client.get("/?lang=en"))
    help_text = page.select_one("#number-help").text
    assert "SQI/FW/2025/0003" in help_text and "027-26-Q-10403-R0" in help_text
    links = {a["href"] for a in page.select("main a")}
    assert {"/verify-list", "/api/v1/openapi.json"} <= links


def add_alert(kind, value, **extra):
    from portal.models import Alert, AlertKind

    alert = Alert(kind=AlertKind(kind), value=value, published_on=clock.today(), created_at=NOW,
                  **extra)
    db.session.add(alert)
    db.session.commit()
    return alert


def test_known_counterfeit_number_is_named_on_the_404(client):
    add_alert("counterfeit_number", "027-99-Q-99999-R9", description_zh="某公司使用的伪造证书编号")
    response = client.get("/certificates/02799q99999r9?lang=en")
    assert response.status_code == 404
    warning = soup(response).select_one(".nf-alert")
    assert "known counterfeit" in warning.text
    assert "某公司使用的伪造证书编号" in warning.text
    inactive = add_alert("counterfeit_number", "02799Q88888R9", active=False)
    assert soup(client.get(f"/certificates/{inactive.value}")).select_one(".nf-alert") is None


def test_withdrawn_certificate_not_returned_carries_the_warning(client, make_certificate):
    cert = make_certificate(status="withdrawn", status_date=clock.today(),
                            status_reason="严重不符合")
    add_alert("unreturned_certificate", cert.certificate_number.lower())
    page = soup(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
    warning = page.select_one(".cert-status .cert-alert")
    assert "not returned" in warning.text
    other = make_certificate()
    assert soup(client.get(f"/certificates/{other.certificate_number}")).select_one(
        ".cert-alert") is None


def test_every_spelling_points_to_one_canonical_address(client, make_certificate):
    make_certificate(certificate_number="SQI/FW/2025/0005")
    page = soup(client.get("/certificates/sqi-fw-2025-0005"))
    canonical = page.select_one("link[rel=canonical]")["href"]
    assert canonical == "http://verify.example.test/certificates/SQI%2FFW%2F2025%2F0005"
    assert page.select_one("meta[name=robots]") is None


def test_restricted_page_is_not_indexed(client, make_certificate):
    cert = make_certificate(restricted=True)
    page = soup(client.get(f"/certificates/{cert.certificate_number}"))
    assert page.select_one("meta[name=robots]")["content"] == "noindex"


@pytest.mark.parametrize("number", ["02799Q99999R9M", "%E4%B8%8A%E6%B5%B7%E5%81%87"])
def test_english_not_found_page_marks_chinese(client, number):
    page = soup(client.get(f"/certificates/{number}?lang=en"))
    stray = [s for s in page.body.find_all(string=CJK) if not nearest_lang(s).startswith("zh")]
    assert stray == []
