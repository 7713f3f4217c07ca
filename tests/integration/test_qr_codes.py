"""QR images decode with a real reader and lead to a page that tells the truth about the copy."""

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from portal import clock
from portal.clock import CHINA
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import EventKind
from portal.services import certificates as certificate_service
from portal.services import qr as qr_service
from tests.factories import NOW, certificate_data
from tests.qr_support import decode_png, decode_svg

BASE = "http://verify.example.test"
SLASHED = "SQI/FW/2025/0003"


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def scan_png(client, number: str, **query) -> str:
    response = client.get(f"/certificates/{number}/qr.png", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    texts = decode_png(response.data)
    assert len(texts) == 1
    return texts[0]


def open_code(client, url: str, lang: str = "en"):
    assert url.startswith(BASE + "/v/")
    return client.get(urlsplit(url).path, query_string={"lang": lang})


@pytest.mark.parametrize("number", [SLASHED, "SQI%2FFW%2F2025%2F0003", "sqifw20250003"])
def test_png_decodes_to_the_landing_page_of_that_certificate(client, make_certificate, number):
    make_certificate(certificate_number=SLASHED, holder_name_en="Huahong Test Co., Ltd.")
    url = scan_png(client, number)
    assert url == f"{BASE}/v/SQIFW20250003/1/" + url.rsplit("/", 1)[1]
    response = open_code(client, url)
    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one(".qr-number").text == SLASHED
    assert soup.select_one(".qr-status .badge--valid") is not None
    assert soup.select_one("[data-copy=current]") is not None
    assert "Huahong Test Co., Ltd." in soup.select_one(".qr-holder").text
    assert "verify.example.test" in soup.select_one(".qr-host").text
    assert response.headers["Cache-Control"] == "no-cache"


def test_svg_decodes_to_the_same_address_as_the_png(client, make_certificate):
    cert = make_certificate()
    response = client.get(f"/certificates/{cert.certificate_number}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert decode_svg(response.data) == [scan_png(client, cert.certificate_number)]
    assert open_code(client, decode_svg(response.data)[0]).status_code == 200


def test_qr_routes_win_over_the_certificate_page_for_slashed_numbers(client, make_certificate):
    make_certificate(certificate_number=SLASHED)
    assert client.get(f"/certificates/{SLASHED}/qr.svg").mimetype == "image/svg+xml"
    assert client.get(f"/certificates/{SLASHED}/badge.svg").mimetype == "image/svg+xml"
    assert client.get(f"/certificates/{SLASHED}/receipt").status_code == 200
    assert client.get(f"/certificates/{SLASHED}").mimetype == "text/html"


def test_qr_of_unknown_certificate_is_the_explained_not_found_page(client):
    response = client.get("/certificates/02799Q99999R9M/qr.png")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_print_size_png_is_large_and_downloads_with_a_file_name(client, make_certificate):
    cert = make_certificate(certificate_number=SLASHED)
    screen = client.get(f"/certificates/{SLASHED}/qr.png")
    printed = client.get(f"/certificates/{SLASHED}/qr.png?size=print&download=1")
    from io import BytesIO

    from PIL import Image

    small, big = Image.open(BytesIO(screen.data)), Image.open(BytesIO(printed.data))
    assert big.width >= 800 and big.width == 3 * small.width
    assert round(big.width / big.info["dpi"][0] * 25.4) == qr_service.PRINT_SIZE_MM
    assert printed.headers["Content-Disposition"] == \
        'attachment; filename="qr-SQI-FW-2025-0003-print.png"'
    assert "Content-Disposition" not in screen.headers
    assert decode_png(printed.data) == decode_png(screen.data)
    assert cert.issue_number == 1


def test_images_are_revalidated_by_etag_and_immutable_when_versioned(client, make_certificate):
    cert = make_certificate()
    path = f"/certificates/{cert.certificate_number}/qr.svg"
    first = client.get(path)
    etag = first.headers["ETag"].strip('"')
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(path, headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    versioned = client.get(path, query_string={"v": etag})
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # A re-issue changes the code, so the validator and the versioned address change too.
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 1), reason="lost",
                                            actor="t", now=NOW)
    db.session.commit()
    again = client.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 200
    assert again.headers["ETag"].strip('"') != etag
    assert client.get(path, query_string={"v": etag}).headers["Cache-Control"] == \
        "public, max-age=300"
    assert "/2/" in decode_svg(again.data)[0]


def tampered(url: str, part: str) -> str:
    prefix, number, issue, token = url.rsplit("/", 3)
    kid, sig = token.split(".")
    if part == "issue":
        issue = str(int(issue) + 1)
    elif part == "number":
        number = number[:-1] + ("X" if number[-1] != "X" else "Y")
    elif part == "signature":
        sig = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    elif part == "kid":
        kid = "9"
    return f"{prefix}/{number}/{issue}/{kid}.{sig}"


@pytest.mark.parametrize("part", ["issue", "number", "signature", "kid"])
def test_tampered_code_shows_the_altered_page_and_no_data(client, make_certificate, part):
    cert = make_certificate(holder_name_en="Genuine Holder Co., Ltd.")
    url = scan_png(client, cert.certificate_number)
    response = open_code(client, tampered(url, part))
    assert response.status_code == 400
    soup = page(response)
    assert "altered" in soup.h1.text
    assert soup.select(".badge") == []
    assert "Genuine Holder" not in soup.text
    assert soup.select_one("a[href^='/report-fake']") is not None
    assert response.headers["Cache-Control"] == "no-store"


def test_tampered_code_is_explained_in_chinese(client, make_certificate):
    cert = make_certificate()
    url = tampered(scan_png(client, cert.certificate_number), "signature")
    soup = page(open_code(client, url, lang="zh"))
    assert "二维码" in soup.h1.text and "篡改" in soup.h1.text


@pytest.mark.parametrize("path", ["/v/", "/v/02725Q10001R1M", "/v/02725Q10001R1M/1",
                                  "/v/02725Q10001R1M/1/1.ABC/extra", "/v/X/0/1.AAAAAAAAAA",
                                  "/v/%00/1/1.AAAAAAAAAA", "/v/" + "A" * 300 + "/1/1.AAAAAAAAAA"])
def test_malformed_code_addresses_are_altered_not_errors(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert page(response).select_one(".qr-altered") is not None


def test_code_is_case_insensitive_like_typed_addresses(client, make_certificate):
    cert = make_certificate()
    url = scan_png(client, cert.certificate_number)
    assert client.get(urlsplit(url).path.lower()).status_code == 200


def stale_reasons(client, url: str) -> list[str]:
    soup = page(open_code(client, url))
    assert soup.select_one("[data-copy=not-current]") is not None, soup.text
    return [li["class"][1].removeprefix("qr-reason--") for li in soup.select(".qr-reason")]


def test_code_printed_before_a_suspension_reads_not_current_with_new_status(client,
                                                                              make_certificate):
    cert = make_certificate()
    url = scan_png(client, cert.certificate_number)
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 20), reason="未按期接受监督审核",
                                      actor="t", now=NOW)
    db.session.commit()
    assert stale_reasons(client, url) == ["status"]
    soup = page(open_code(client, url))
    assert soup.select_one(".qr-status .badge--suspended") is not None
    assert "Suspended" in soup.select_one(".qr-copy--stale").text
    # The pick-list reason reads in the page's language (English here, #12).
    assert "Surveillance audit not accepted on time" in soup.select_one(".qr-status").text
    assert soup.select(".badge--valid") == []
    # Restored: the same paper tells the truth again.
    certificate_service.change_status(cert, CertificateStatus.VALID, effective=date(2026, 11, 22),
                                      reason="restored", actor="t", now=NOW)
    db.session.commit()
    assert page(open_code(client, url)).select_one("[data-copy=current]") is not None


@pytest.mark.parametrize("target", [CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED])
def test_code_of_a_withdrawn_or_cancelled_certificate_is_not_current(client, make_certificate,
                                                                     target):
    cert = make_certificate()
    url = scan_png(client, cert.certificate_number)
    certificate_service.change_status(cert, target, effective=date(2026, 11, 20), reason="x",
                                      actor="t", now=NOW)
    db.session.commit()
    assert stale_reasons(client, url) == ["status"]
    assert page(open_code(client, url)).select_one(f".badge--{target.value}") is not None


def test_code_of_an_expired_certificate_is_not_current(client, make_certificate):
    today = clock.today()
    cert = make_certificate(issue_date=today - timedelta(days=1100),
                            expiry_date=today - timedelta(days=1))
    url = scan_png(client, cert.certificate_number)
    assert stale_reasons(client, url) == ["status"]
    assert page(open_code(client, url)).select_one(".qr-status .badge--expired") is not None


def test_code_printed_before_a_reissue_reads_not_current(client, make_certificate):
    cert = make_certificate()
    old = scan_png(client, cert.certificate_number)
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 10), reason="新版证书",
                                            actor="t", now=NOW)
    db.session.commit()
    assert stale_reasons(client, old) == ["reissued"]
    text = page(open_code(client, old)).select_one(".qr-copy--stale").text
    assert "no. 2" in text and "no. 1" in text
    new = scan_png(client, cert.certificate_number)
    assert new != old and "/2/" in new
    assert page(open_code(client, new)).select_one("[data-copy=current]") is not None


@pytest.mark.parametrize("kind", [EventKind.SCOPE_REDUCED, EventKind.SCOPE_EXTENDED, None])
def test_code_printed_before_a_scope_change_reads_not_current(client, make_certificate, kind):
    cert = make_certificate(scope_zh="集成电路的设计和销售")
    url = scan_png(client, cert.certificate_number)
    data = certificate_data(certificate_number=cert.certificate_number, scope_zh="集成电路的设计",
                            holder_name_zh=cert.holder_name_zh, credit_code=cert.credit_code)
    certificate_service.update_certificate(cert, data, actor="t", now=NOW, scope_change=kind)
    db.session.commit()
    assert "scope" in stale_reasons(client, url)
    # Re-printing after the change gives a copy that is current again.
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 25), reason="scope",
                                            actor="t", now=NOW)
    db.session.commit()
    assert page(open_code(client, scan_png(client, cert.certificate_number))).select_one(
        "[data-copy=current]") is not None


def test_restricted_certificate_landing_hides_holder(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密控股有限公司",
                            holder_name_en="Confidential Holdings")
    soup = page(open_code(client, scan_png(client, cert.certificate_number)))
    assert "保密控股" not in soup.text and "Confidential Holdings" not in soup.text
    assert soup.select_one(".qr-restricted") is not None
    assert soup.select_one(".qr-status .badge--valid") is not None


def test_old_key_ids_keep_working_after_rotation(app, make_certificate):
    cert = make_certificate()
    old_path = qr_service.code_path(cert, app.config)
    number, issue, token = old_path.split("/")[2:]
    rotated = dict(app.config, QR_SIGNING_KEYS=("2", "1"))
    assert "/2." in qr_service.code_path(cert, rotated)  # new codes use the newest key
    assert qr_service.verify_code(number, issue, token, rotated) is not None
    retired = dict(app.config, QR_SIGNING_KEYS=("2",))
    assert qr_service.verify_code(number, issue, token, retired) is None
    # A key pinned to its own secret survives a new SECRET_KEY.
    pinned = dict(app.config, QR_SIGNING_KEYS=("3:pinned-secret",))
    new_path = qr_service.code_path(cert, pinned)
    moved = dict(pinned, SECRET_KEY="a-new-secret-key")
    assert qr_service.verify_code(*new_path.split("/")[2:], moved) is not None
    assert qr_service.verify_code(number, issue, token, dict(app.config,
                                  SECRET_KEY="a-new-secret-key")) is None


def test_certificate_page_shows_the_qr_and_download_links(client, make_certificate):
    cert = make_certificate(certificate_number=SLASHED)
    soup = page(client.get("/certificates/SQI%2FFW%2F2025%2F0003?lang=en"))
    panel = soup.select_one(".qr-panel")
    img = panel.select_one("img.qr-panel__img")
    assert client.get(img["src"]).mimetype == "image/svg+xml"
    links = [a["href"] for a in panel.select("a[download]")]
    assert any("size=print" in href and "download=1" in href for href in links)
    assert cert.issue_number == 1


def _stray_cjk(html: str) -> list[str]:
    import re

    cjk = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")

    def nearest_lang(node) -> str:
        for parent in node.parents:
            if getattr(parent, "attrs", None) and parent.get("lang"):
                return parent["lang"]
        return ""

    body = BeautifulSoup(html, "html.parser").body
    return [s for s in body.find_all(string=cjk) if not nearest_lang(s).startswith("zh")]


def test_english_qr_pages_mark_chinese_data(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海华虹电子测试有限公司", scope_zh="集成电路的设计",
                            status="suspended", status_date=date(2026, 11, 1),
                            status_reason="未按期接受监督审核")
    landing = open_code(client, scan_png(client, cert.certificate_number))
    receipt = client.post(f"/certificates/{cert.certificate_number}/receipt").headers["Location"]
    pages = {
        "landing": landing.get_data(as_text=True),
        "receipt": client.get(receipt + "?lang=en").get_data(as_text=True),
        "scan": client.post("/scan?lang=en", data={"text": "上海某公司证书"}).get_data(
            as_text=True),
        "altered": client.get("/v/X/1/1.AAAAAAAAAA?lang=en").get_data(as_text=True),
    }
    assert {name: _stray_cjk(html) for name, html in pages.items()} == \
        {name: [] for name in pages}


def test_chinese_landing_page_marks_english_data(client, make_certificate):
    cert = make_certificate(holder_name_en="Huahong Test Co., Ltd.")
    soup = page(open_code(client, scan_png(client, cert.certificate_number), lang="zh"))
    assert soup.html["lang"] == "zh-CN"
    node = soup.find(string="Huahong Test Co., Ltd.")
    assert node.parent["lang"] == "en"


def test_staff_download_links_give_printable_qr_files(app, make_certificate):
    from tests.staff_support import signed_in_client

    cert = make_certificate(certificate_number=SLASHED)
    staff = signed_in_client(app, "registrar")
    soup = page(staff.get(f"/staff/certificates/{cert.number_key}"))
    links = [a["href"] for a in soup.select("a[href*='/qr.']")]
    assert len(links) == 2
    for href in links:
        response = staff.get(href)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        decoded = decode_png(response.data) if href.split("?")[0].endswith(".png") \
            else decode_svg(response.data)
        assert decoded and decoded[0].startswith(f"{BASE}/v/SQIFW20250003/1/")


def test_code_printed_before_a_correction_of_printed_details_reads_not_current(
        client, make_certificate):
    cert = make_certificate(standard="GB/T 19001-2016/ISO 9001:2015")
    url = scan_png(client, cert.certificate_number)
    data = certificate_data(certificate_number=cert.certificate_number,
                            holder_name_zh=cert.holder_name_zh, credit_code=cert.credit_code,
                            holder_name_en=cert.holder_name_en, scope_zh=cert.scope_zh,
                            standard="GB/T 19001-2016")
    certificate_service.update_certificate(cert, data, actor="t", now=NOW)
    db.session.commit()
    # A corrected paper is a new printed issue: the old code says so, the new one is current.
    assert stale_reasons(client, url) == ["reissued", "corrected"]
    assert "corrected" in page(open_code(client, url)).select(".qr-reason")[1].text
    new_url = scan_png(client, cert.certificate_number)
    assert "/v/" in new_url and "/2/" in new_url
    assert page(open_code(client, new_url)).select_one("[data-copy=current]") is not None


def test_code_printed_before_an_earlier_expiry_date_reads_not_current(client,
                                                                       make_certificate):
    cert = make_certificate(issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))
    url = scan_png(client, cert.certificate_number)
    data = certificate_data(certificate_number=cert.certificate_number,
                            holder_name_zh=cert.holder_name_zh, credit_code=cert.credit_code,
                            holder_name_en=cert.holder_name_en, scope_zh=cert.scope_zh,
                            issue_date=date(2025, 3, 1), expiry_date=date(2027, 2, 28))
    events = certificate_service.update_certificate(cert, data, actor="t", now=NOW)
    db.session.commit()
    assert [(e.kind.value, e.details) for e in events] == [
        ("corrected", {"fields": ["expiry_date"]}),
        ("reissued", {"because": ["corrected"], "previous_issue": 1})]
    assert stale_reasons(client, url) == ["reissued", "corrected"]


def test_landing_page_shows_scope_standard_and_validity(client, make_certificate):
    cert = make_certificate(scope_en="Design and sale of integrated circuits",
                            standard="GB/T 24001-2016/ISO 14001:2015", scheme="EMS",
                            issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))
    soup = page(open_code(client, scan_png(client, cert.certificate_number)))
    facts = soup.select_one(".qr-facts")
    assert "Design and sale of integrated circuits" in facts.select_one(".qr-scope").text
    assert "GB/T 24001-2016/ISO 14001:2015" in facts.text
    assert [t["datetime"] for t in facts.select("time")] == ["2025-03-01", "2028-02-28"]
    assert "2028" in soup.select_one(".qr-status").text  # "Valid until …" beside the status


def test_code_made_before_the_expiry_date_reads_not_current_afterwards(client,
                                                                        make_certificate):
    import time_machine

    cert = make_certificate(issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))
    with time_machine.travel(datetime(2028, 2, 28, 12, tzinfo=CHINA), tick=False):
        url = scan_png(client, cert.certificate_number)
        assert page(open_code(client, url)).select_one("[data-copy=current]") is not None
    with time_machine.travel(datetime(2028, 2, 29, 9, tzinfo=CHINA), tick=False):
        assert scan_png(client, cert.certificate_number) == url  # the same printed code
        assert stale_reasons(client, url) == ["status"]
        soup = page(open_code(client, url))
        assert soup.select_one(".qr-status .badge--expired") is not None
        assert soup.select(".badge--valid") == []
        assert "Expired" in soup.select_one(".qr-copy--stale").text


def test_code_printed_before_a_rename_or_renewal_reads_not_current(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海旧名有限公司", expiry_date=date(2028, 2, 28))
    url = scan_png(client, cert.certificate_number)
    renamed = certificate_data(certificate_number=cert.certificate_number,
                               holder_name_zh="上海新名有限公司", credit_code=cert.credit_code,
                               holder_name_en=cert.holder_name_en, scope_zh=cert.scope_zh,
                               expiry_date=date(2031, 2, 27))
    certificate_service.update_certificate(cert, renamed, actor="t", now=NOW)
    db.session.commit()
    assert sorted(stale_reasons(client, url)) == ["reissued", "renamed", "renewed"]
    soup = page(open_code(client, url))
    assert "上海新名有限公司" in soup.select_one(".qr-holder").text
    assert "上海旧名有限公司" not in soup.select_one(".qr-holder").text


def test_restricted_certificate_stale_copy_does_not_say_what_changed(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密控股有限公司")
    url = scan_png(client, cert.certificate_number)
    data = certificate_data(certificate_number=cert.certificate_number, restricted=True,
                            holder_name_zh="保密控股二有限公司", credit_code=cert.credit_code)
    certificate_service.update_certificate(cert, data, actor="t", now=NOW)
    db.session.commit()
    soup = page(open_code(client, url))
    assert soup.select_one("[data-copy=not-current]") is not None
    assert "保密控股" not in soup.text
    assert "Details of the certificate have changed" in soup.select_one(".qr-copy--stale").text


@pytest.mark.parametrize("query, variant", [({}, "png"), ({"size": "print"}, "print")])
def test_png_images_revalidate_by_etag_and_are_immutable_when_versioned(
        client, make_certificate, query, variant):
    cert = make_certificate()
    path = f"/certificates/{cert.certificate_number}/qr.png"
    first = client.get(path, query_string=query)
    etag = first.headers["ETag"].strip('"')
    assert etag == qr_service.image_etag(qr_service.code_url(cert, client.application.config),
                                         variant)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(path, query_string=query, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.data == b""
    versioned = client.get(path, query_string={**query, "v": etag})
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert decode_png(versioned.data) == decode_png(first.data)


def test_screen_print_and_svg_images_have_distinct_validators(client, make_certificate):
    cert = make_certificate()
    base = f"/certificates/{cert.certificate_number}"
    etags = {client.get(base + "/qr.png").headers["ETag"],
             client.get(base + "/qr.png?size=print").headers["ETag"],
             client.get(base + "/qr.svg").headers["ETag"]}
    assert len(etags) == 3


def test_certificate_page_links_images_by_version_for_long_caching(client, make_certificate):
    cert = make_certificate()

    def panel_links() -> list[str]:
        soup = page(client.get(f"/certificates/{cert.certificate_number}?lang=en"))
        panel = soup.select_one(".qr-panel")
        return [panel.select_one("img.qr-panel__img")["src"],
                *[a["href"] for a in panel.select("a[download]")]]

    before = panel_links()
    for href in before:
        assert "v=" in href
        response = client.get(href)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", href
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 30), reason="lost",
                                            actor="t", now=NOW)
    db.session.commit()
    after = panel_links()
    assert all(a != b for a, b in zip(before, after, strict=True))
    assert "/2/" in decode_svg(client.get(after[0]).data)[0]
    # The old versioned address now serves the new image, and only briefly.
    stale = client.get(before[0])
    assert stale.headers["Cache-Control"] == "public, max-age=300"
    assert "/2/" in decode_svg(stale.data)[0]


@pytest.mark.parametrize("path", [
    "/certificates/" + "A" * 5000 + "/qr.png", "/certificates/%00/qr.svg",
    "/certificates/%ff%fe/qr.png", "/certificates/" + "中" * 2000 + "/badge.svg",
    "/certificates/%00/badge.svg", "/certificates/x/receipt", "/receipts/" + "A" * 5000,
    "/receipts/%00", "/receipts/AAAA-BBBB-CCCC/qr.svg",
    "/v/02722Q10234R3M/999999999999/1.AAAAAAAAAA",
    "/v/02722Q10234R3M/01/1.AAAAAAAAAA", "/v/02722Q10234R3M/-1/1.AAAAAAAAAA",
    "/v/02722Q10234R3M/1/ZZZZZZZZZ.AAAAAAAAAA", "/v/02722Q10234R3M/1/" + "1" * 5000 + ".A",
    "/v/%E4%B8%AD/1/1.AAAAAAAAAA", "/v/02722Q10234R3M/1/1.AAAAAAAAAA%00",
    "/v/02722Q10234R3M/%EF%BC%91/1.AAAAAAAAAA", "/v/..%2F..%2Fetc/1/1.AAAAAAAAAA",
    "/v/02722Q10234R3M/1/1.", "/v/02722Q10234R3M/1/.AAAAAAAAAA",
])
def test_hostile_addresses_get_an_explained_answer_never_an_error(client, make_certificate, path):
    make_certificate(certificate_number="02722Q10234R3M")
    response = client.get(path)
    assert response.status_code in (400, 404), response.status_code
    assert response.mimetype == ("image/svg+xml" if "badge" in path else "text/html")


def test_hostile_query_values_are_ignored(client, make_certificate):
    cert = make_certificate()
    base = f"/certificates/{cert.certificate_number}"
    assert client.get(base + "/qr.png?size=" + "x" * 3000).status_code == 200
    assert client.get(base + "/qr.png?v=%00&download=%00").status_code == 200
    assert client.get(base + "/badge.svg?lang=" + "e" * 2000).status_code == 200
