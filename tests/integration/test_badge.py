"""The live status badge: an SVG image in the status colour and words, cached briefly."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import badges
from portal.services import certificates as certificate_service
from tests.factories import NOW

SVG = "{http://www.w3.org/2000/svg}"


def status_text(response) -> tuple[str, str]:
    root = ET.fromstring(response.data)
    node = root.find(f".//{SVG}text[@data-status]")
    return node.get("data-status"), node.text


def test_badge_shows_the_live_status_in_chinese_by_default(client, make_certificate):
    cert = make_certificate(certificate_number="SQI/FW/2025/0003")
    response = client.get("/certificates/SQI/FW/2025/0003/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers
    assert status_text(response) == ("valid", "✓ 有效")
    assert badges.STATUS_COLOURS["valid"] in response.text
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 24), reason="x", actor="t", now=NOW)
    db.session.commit()
    later = client.get("/certificates/SQI%2FFW%2F2025%2F0003/badge.svg?lang=en")
    assert status_text(later) == ("suspended", "‖ Suspended")
    assert badges.STATUS_COLOURS["suspended"] in later.text
    assert "Set-Cookie" not in later.headers


@pytest.mark.parametrize("lang, word", [("en", "Withdrawn"), ("zh", "撤销")])
def test_badge_language_follows_the_query(client, make_certificate, lang, word):
    cert = make_certificate(status="withdrawn", status_date=date(2026, 1, 5))
    response = client.get(f"/certificates/{cert.certificate_number}/badge.svg?lang={lang}")
    assert status_text(response)[1].endswith(word)


def test_badge_revalidates_with_an_etag(client, make_certificate):
    cert = make_certificate()
    first = client.get(f"/certificates/{cert.certificate_number}/badge.svg")
    again = client.get(f"/certificates/{cert.certificate_number}/badge.svg",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_number_gives_a_not_found_badge_with_escaped_text(client):
    response = client.get('/certificates/<script>alert("x")</script>/badge.svg?lang=en')
    assert response.status_code == 404
    assert response.mimetype == "image/svg+xml"
    assert "<script" not in response.text
    assert status_text(response) == ("not_found", "? Not found")
    title = ET.fromstring(response.data).find(f"{SVG}title").text
    assert '<script>alert("x")</script>' in title  # escaped in XML, intact as text


def test_badge_widths_fit_chinese_and_english_text():
    assert badges.text_width("有效") > badges.text_width("ok")
    zh = ET.fromstring(badges.badge_svg(label="认证证书", status="valid", status_text="有效",
                                        title="t", lang="zh-CN"))
    en = ET.fromstring(badges.badge_svg(label="Certificate", status="valid",
                                        status_text="Valid", title="t", lang="en"))
    assert int(zh.get("width")) >= 11 * 6 and int(en.get("width")) >= 11 * 8
