"""schema.org Certification JSON-LD on certificate pages, robots.txt, and the body's approval
and accreditation numbers on pages and API records (#24)."""

import json
from datetime import date

import pytest
from bs4 import BeautifulSoup
from protego import Protego
from pyld import jsonld

from tests.conftest import test_config

SCHEMA = "http://schema.org/"
# The part of schema.org's published context these records use (tests never touch the
# network): the vocabulary, and the enumeration values as IRIs.
SCHEMA_CONTEXT = {"@context": {"@vocab": SCHEMA, "schema": SCHEMA,
                               "certificationStatus": {"@type": "@vocab"},
                               "validFrom": {"@type": "Date"}, "expires": {"@type": "Date"}}}


def offline_loader(url, options=None):
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise jsonld.JsonLdError("unexpected context", "loading document failed", {"url": url})
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": SCHEMA_CONTEXT}


def page_jsonld(client, number):
    page = BeautifulSoup(client.get(f"/certificates/{number}").text, "html.parser")
    [script] = page.select('script[type="application/ld+json"]')
    return json.loads(script.string)


def expand(data):
    [node] = jsonld.expand(data, {"documentLoader": offline_loader})
    return node


def value(node, name):
    return node[SCHEMA + name][0].get("@value", node[SCHEMA + name][0].get("@id"))


@pytest.fixture
def app_config(tmp_path):
    return test_config(tmp_path, BODY_CNCA_APPROVAL_NUMBER="CNCA-R-2002-123",
                       BODY_CNAS_ACCREDITATION_NUMBER="CNAS C123-M")


def test_certificate_page_carries_certification_jsonld(client, make_certificate):
    cert = make_certificate(issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))
    data = page_jsonld(client, cert.certificate_number)
    assert data["@context"] == "https://schema.org"
    node = expand(data)
    assert node["@type"] == [SCHEMA + "Certification"]
    assert value(node, "identifier") == cert.certificate_number
    assert value(node, "certificationStatus") == "https://schema.org/CertificationActive"
    assert value(node, "validFrom") == "2025-03-01"
    assert value(node, "expires") == "2028-02-28"
    issuer = node[SCHEMA + "issuedBy"][0]
    assert value(issuer, "name") == "上海质量技术认证中心"
    numbers = {value(i, "propertyID"): value(i, "value") for i in issuer[SCHEMA + "identifier"]}
    assert numbers == {"CNCA": "CNCA-R-2002-123", "CNAS": "CNAS C123-M"}
    holder = node[SCHEMA + "about"][0]
    assert value(holder, "name") == cert.holder_name_zh
    assert value(holder, "taxID") == cert.credit_code


def test_restricted_certificate_jsonld_has_no_holder(client, make_certificate):
    cert = make_certificate(restricted=True)
    data = page_jsonld(client, cert.certificate_number)
    node = expand(data)
    assert SCHEMA + "about" not in node
    text = json.dumps(data, ensure_ascii=False)
    assert cert.holder_name_zh not in text and cert.credit_code not in text
    assert value(node, "identifier") == cert.certificate_number


def test_suspended_certificate_jsonld_is_inactive(client, make_certificate):
    cert = make_certificate(status="suspended", status_date=date(2026, 1, 5),
                            status_reason="未按期接受监督审核")
    node = expand(page_jsonld(client, cert.certificate_number))
    assert value(node, "certificationStatus") == "https://schema.org/CertificationInactive"


def test_robots_txt_lets_crawlers_read_certificates_only(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    robots = Protego.parse(response.text)  # RFC 9309: longest match, `*` wildcards
    url = "http://verify.example.test"
    assert robots.can_fetch(url + "/certificates/02725Q10001R1M", "*")
    assert robots.can_fetch(url + "/certificates/SQI%2FFW%2F2025%2F0003", "examplebot")
    for path in ("/search?q=abc", "/staff/certificates", "/complaints/new", "/report-fake",
                 "/verify?number=1", "/verify-list", "/apply", "/certificates/X/receipt",
                 "/certificates/X/watch"):
        assert not robots.can_fetch(url + path, "*"), path


def test_page_and_api_show_the_approval_and_accreditation_numbers(client, make_certificate):
    cert = make_certificate()
    page = BeautifulSoup(client.get(f"/certificates/{cert.certificate_number}?lang=en").text,
                         "html.parser")
    block = page.select_one(".cert-issuer")
    assert block.select_one(".cert-issuer__cnca").text == "CNCA-R-2002-123"
    assert block.select_one(".cert-issuer__cnas").text == "CNAS C123-M"
    assert "Global ACI" in block.select_one(".cert-issuer__statement").text
    assert "IAF MLA" not in page.text
    issuer = client.get(f"/api/v1/certificates/{cert.certificate_number}").get_json()["issuer"]
    assert issuer["cnca_approval_number"] == "CNCA-R-2002-123"
    assert issuer["cnas_accreditation_number"] == "CNAS C123-M"
    assert "Global ACI" in issuer["accreditation_statement_en"]


def test_accreditation_wording_follows_the_setting(tmp_path, make_certificate):
    from tests.staff_support import own_app

    config = test_config(tmp_path, ACCREDITATION_STATEMENT_EN="Accredited under the new MRA.",
                         ACCREDITATION_STATEMENT_ZH="新的互认协议。")
    with own_app(config) as other:
        from portal.extensions import db
        from portal.services import certificates as certificate_service
        from tests.factories import NOW, certificate_data

        cert = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.commit()
        client = other.test_client()
        page = BeautifulSoup(client.get(f"/certificates/{cert.certificate_number}?lang=en")
                             .text, "html.parser")
        assert page.select_one(".cert-issuer__statement").text == "Accredited under the new MRA."
        zh = BeautifulSoup(client.get(f"/certificates/{cert.certificate_number}?lang=zh").text,
                           "html.parser")
        assert zh.select_one(".cert-issuer__statement").text == "新的互认协议。"
