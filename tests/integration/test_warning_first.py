"""Issue #12.6: no mixed signals — the warning leads, and final certificates offer no print."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as certificate_service
from tests.factories import NOW
from tests.qr_support import decode_png


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def code_path(client, number: str) -> str:
    return urlsplit(decode_png(client.get(f"/certificates/{number}/qr.png").data)[0]).path


def reissue(cert) -> None:
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 10), reason="新版证书",
                                            actor="t", now=NOW)
    db.session.commit()


@pytest.mark.parametrize("lang, warning", [("en", "This printed copy is not the current one"),
                                           ("zh", None)])
def test_stale_copy_landing_page_leads_with_the_warning(client, make_certificate, lang, warning):
    cert = make_certificate()
    old = code_path(client, cert.certificate_number)
    reissue(cert)  # still valid: the live status is green, the paper is not current
    soup = page(client.get(old, query_string={"lang": lang}))
    article = soup.select_one("article.qr-landing")
    sections = article.find_all("section", recursive=False)
    assert "qr-copy--stale" in sections[0]["class"], [s["class"] for s in sections]
    assert "qr-status" in sections[1]["class"]
    # The one h1 of the page is the warning; the green status is a second-level heading.
    assert [h.get("id") for h in soup.select("h1")] == ["copy-heading"]
    assert soup.select_one(".qr-status h2#qr-heading") is not None
    assert soup.select_one(".qr-status .badge--valid") is not None
    if warning:
        assert warning in soup.select_one("h1").text
        assert soup.title.text.startswith(warning)
    # Nothing green comes before the warning.
    text = article.text
    assert text.index(soup.select_one("h1").text.strip()) < text.index(
        soup.select_one(".qr-status .badge--valid").text.strip())


def test_current_copy_landing_page_leads_with_the_status(client, make_certificate):
    cert = make_certificate()
    soup = page(client.get(code_path(client, cert.certificate_number)))
    sections = soup.select_one("article.qr-landing").find_all("section", recursive=False)
    assert "qr-status" in sections[0]["class"]
    assert "qr-copy--current" in sections[1]["class"]
    assert [h.get("id") for h in soup.select("h1")] == ["qr-heading"]
    assert soup.select(".qr-copy--stale") == []


@pytest.mark.parametrize("target", [CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED])
def test_final_certificate_page_offers_no_print_qr_and_no_badge(client, make_certificate,
                                                                target):
    cert = make_certificate()
    number = cert.certificate_number
    certificate_service.change_status(cert, target, effective=date(2026, 11, 20), reason="x",
                                      actor="t", now=NOW)
    db.session.commit()
    for lang in ("en", "zh"):
        soup = page(client.get(f"/certificates/{number}", query_string={"lang": lang}))
        links = [a["href"] for a in soup.select("a[href]")]
        assert not [h for h in links if "/qr.png" in h or "/qr.svg" in h], links
        assert not [h for h in links if "badge.svg" in h], links
        assert soup.select("a[download]") == []
        assert soup.select(".qr-panel__badge, .qr-panel__code, .qr-panel__img") == []
        assert soup.select_one(".qr-panel__final") is not None
    en = page(client.get(f"/certificates/{number}", query_string={"lang": "en"}))
    assert f"has been {target.value}" in en.select_one(".qr-panel__final").text
    # The image routes still answer: old prints and embedded badges show the status.
    assert client.get(f"/certificates/{number}/qr.png?size=print").status_code == 200
    assert client.get(f"/certificates/{number}/qr.svg").status_code == 200
    badge = client.get(f"/certificates/{number}/badge.svg")
    assert badge.status_code == 200 and f'data-status="{target.value}"' in badge.text


@pytest.mark.parametrize("target", [CertificateStatus.VALID, CertificateStatus.SUSPENDED])
def test_live_certificate_page_offers_print_qr_and_badge(client, make_certificate, target):
    cert = make_certificate()
    if target is not CertificateStatus.VALID:
        certificate_service.change_status(cert, target, effective=date(2026, 11, 20),
                                          reason="x", actor="t", now=NOW)
        db.session.commit()
    soup = page(client.get(f"/certificates/{cert.certificate_number}"))
    assert len(soup.select("a[download]")) == 2
    assert soup.select_one(".qr-panel__badge") is not None
    assert soup.select_one(".qr-panel__final") is None


def make_receipt(client, number: str) -> str:
    response = client.post(f"/certificates/{number}/receipt")
    assert response.status_code == 303
    return response.headers["Location"]


def headline(client, location: str, lang: str = "en"):
    section = page(client.get(location, query_string={"lang": lang})).select_one("#cmp-heading")
    return section.parent, " ".join(section.text.split())


def suspend(cert) -> None:
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 20), reason="未按期接受监督审核",
                                      actor="t", now=NOW)
    db.session.commit()


def test_receipt_of_a_suspended_certificate_is_not_headed_in_green(client, make_certificate):
    cert = make_certificate()
    suspend(cert)
    location = make_receipt(client, cert.certificate_number)  # unchanged since: still suspended
    section, text = headline(client, location)
    assert "qr-verdict--suspended" in section["class"]
    assert "qr-verdict--valid" not in section["class"]
    assert "✓" not in text and "⚠" in text
    assert text.endswith("Unchanged since this receipt was made: the certificate is still "
                         "Suspended")
    assert section.select_one(".badge--suspended") is not None
    _, zh = headline(client, location, "zh")
    assert "暂停" in zh and "未发生变化" in zh


def test_receipt_headline_says_the_status_changed_in_its_colour(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    suspend(cert)
    section, text = headline(client, location)
    assert "qr-verdict--suspended" in section["class"]
    assert text == "⚠ Now Suspended: the status has changed since this receipt was made"


def test_receipt_headline_names_the_fields_that_changed(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    cert.scope_zh = "集成电路的设计"  # stands in for a registrar's correction
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 24), reason="x",
                                            actor="t", now=NOW)
    db.session.commit()
    section, text = headline(client, location)
    assert "qr-verdict--valid" in section["class"]
    assert text == "⚠ Changed since this receipt was made: Printed issue, Scope (Chinese)"
    _, zh = headline(client, location, "zh")
    assert "、" in zh


def test_receipt_of_an_unchanged_valid_certificate_stays_green(client, make_certificate):
    cert = make_certificate()
    section, text = headline(client, make_receipt(client, cert.certificate_number))
    assert "qr-verdict--valid" in section["class"] and "qr-copy--current" in section["class"]
    assert text == "✓ Unchanged since this receipt was made"
