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
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 24), reason="x", actor="t", now=NOW)
    db.session.commit()
    changed = client.get(f"/certificates/{cert.certificate_number}/badge.svg",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and status_text(changed)[0] == "suspended"


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


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _site_colours() -> dict[str, str]:
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    return dict(re.findall(r"--(valid|suspended|withdrawn|cancelled|expired):\s*(#[0-9a-f]{6})",
                           css))


@pytest.mark.parametrize("status, zh, en", [
    ("valid", "有效", "Valid"), ("suspended", "暂停", "Suspended"),
    ("withdrawn", "撤销", "Withdrawn"), ("cancelled", "注销", "Cancelled"),
    ("expired", "过期", "Expired"),
])
def test_every_status_has_its_site_colour_words_and_readable_contrast(client, make_certificate,
                                                                      status, zh, en):
    if status == "expired":
        cert = make_certificate(issue_date=date(2022, 1, 1), expiry_date=date(2024, 12, 31))
    else:
        cert = make_certificate(status=status, status_date=date(2026, 1, 5))
    for lang, word in (("zh", zh), ("en", en)):
        response = client.get(f"/certificates/{cert.certificate_number}/badge.svg?lang={lang}")
        assert response.status_code == 200
        root = ET.fromstring(response.data)
        assert status_text(response) == (status, f"{badges.ICONS[status]} {word}")
        fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
        assert fills[1] == badges.STATUS_COLOURS[status] == _site_colours()[status]
        assert root.get("xml:lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        assert word in root.find(f"{SVG}title").text
    white = 1.0
    assert (white + 0.05) / (_luminance(badges.STATUS_COLOURS[status]) + 0.05) >= 4.5
    assert (white + 0.05) / (_luminance(badges.LABEL_COLOUR) + 0.05) >= 4.5


def test_badge_of_a_restricted_certificate_names_no_holder(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密控股有限公司",
                            holder_name_en="Confidential Holdings")
    response = client.get(f"/certificates/{cert.certificate_number}/badge.svg?lang=en")
    assert status_text(response)[0] == "valid"
    assert "保密" not in response.text and "Confidential" not in response.text
