"""/scan: a photo of a printed QR code opens the certificate; other hosts are refused."""

import io
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from portal.services import qr as qr_service
from tests.qr_support import phone_photo


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def upload(client, data: bytes, name: str = "photo.jpg", lang: str = "en", **fields):
    return client.post(f"/scan?lang={lang}", data={"photo": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_photo_of_a_printed_code_opens_the_certificate(client, make_certificate, seed):
    cert = make_certificate(certificate_number="SQI/FW/2025/0003")
    qr_png = client.get("/certificates/SQI/FW/2025/0003/qr.png?size=print").data
    response = upload(client, phone_photo(qr_png, seed=seed))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/v/SQIFW20250003/1/")
    landing = client.get(location)
    assert landing.status_code == 200
    assert page(landing).select_one(".qr-number").text == cert.certificate_number


def test_png_upload_and_the_camera_text_lead_to_the_same_page(client, make_certificate):
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png").data
    by_photo = upload(client, qr_png, name="code.png")
    url = qr_service.code_url(cert, client.application.config)
    by_camera = client.post("/scan", data={"text": url})
    assert by_photo.status_code == by_camera.status_code == 303
    assert by_photo.headers["Location"] == by_camera.headers["Location"] == urlsplit(url).path


@pytest.mark.parametrize("url, host", [
    ("https://verify-sqi.example.cn/v/02725Q10001R1M/1/1.AAAAAAAAAA", "verify-sqi.example.cn"),
    ("https://verify-example.test/v/X/1/1.A", "verify-example.test"),
    ("http://verify.example.test.evil.cn/v/X/1/1.A", "verify.example.test.evil.cn"),
    ("https://verify.example.test.evil.com/v/X/1/1.A", "verify.example.test.evil.com"),
    # userinfo: a browser opens the host after the "@"; show that one, not the bait before it
    ("http://verify.example.test@evil.cn/v/X/1/1.A", "evil.cn"),
    ("https://verify.example.test@evil.com/", "evil.com"),
    ("https://verify.example.test:443@evil.com/v/X", "evil.com"),
    # a browser reads "\\" as "/": this opens evil.com, whatever Python's urlsplit thinks
    ("https://evil.com\\@verify.example.test/v/X/1/1.A", "evil.com"),
    ("http:/\\evil.com/v/X", "evil.com"),
    ("http://verify.example.test:8080/v/X/1/1.A", "verify.example.test:8080"),
    ("https://xn--verify-example-2ob.test/v/X", "xn--verify-example-2ob.test"),
    ("https://127.0.0.1/v/X", "127.0.0.1"),
])
def test_code_of_another_host_is_refused_as_a_possible_look_alike(client, url, host):
    response = client.post("/scan?lang=en", data={"text": url})
    assert response.status_code == 422
    soup = page(response)
    result = soup.select_one(".qr-result--foreign")
    assert result is not None
    assert soup.select_one(".qr-foreign-host").text == host
    assert "look-alike" in result.text
    assert result.select_one("a[href='/report-fake']") is not None
    assert "Location" not in response.headers


@pytest.mark.parametrize("url, host", [
    ("https://v\u0435rify.example.test/v/X/1/1.A", "xn--vrify-zwe.example.test"),  # Cyrillic е
    ("https://verify.ex\u0430mple.test/v/X", "verify.xn--exmple-4nf.test"),  # Cyrillic а
    ("https://verify\uff0eexample\uff0etest/v/X", "xn--verifyexampletest-et17gha"),  # ．
    ("https://verify.example.test%2eevil.com/v/X", "verify.example.test.evil.com"),
])
def test_look_alike_characters_are_refused_and_shown_as_a_browser_reads_them(client, url,
                                                                             host):
    response = client.post("/scan?lang=en", data={"text": url})
    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one(".qr-foreign-host").text == host
    assert "imitate ordinary letters" in soup.select_one(".qr-lookalike").text
    zh = page(client.post("/scan?lang=zh", data={"text": url}))
    assert "模仿" in zh.select_one(".qr-lookalike").text


def test_plain_foreign_host_has_no_look_alike_note(client):
    soup = page(client.post("/scan?lang=en", data={"text": "https://evil.example.cn/v/1"}))
    assert soup.select_one(".qr-lookalike") is None


@pytest.mark.parametrize("text", [
    "http://[abc/", "http://[::1/v", "https://verify.example.test:99999/v/X",
    "https://verify.example.test:abc/", "http://verify.example.test/v/\x00",
    "\x00http://verify.example.test/", "http://verify.example.test/a\u2028b",
    "https:///v/X", "http://", "x" * 100_000,
])
def test_malformed_scanned_addresses_are_explained_not_errors(client, text):
    response = client.post("/scan?lang=en", data={"text": text})
    assert response.status_code == 422
    assert "Location" not in response.headers
    assert page(response).select_one(".qr-result--text, .qr-result--foreign") is not None


def test_address_spelt_loosely_opens_like_in_a_browser(client):
    # Browsers ignore extra slashes after "https:" and read "\\" as "/": still our host.
    for text in ("https:verify.example.test/v/X/1/1.A", "https:\\\\verify.example.test/v/X/1/1.A",
                 "https://VERIFY.example.test./v/X/1/1.A"):
        response = client.post("/scan", data={"text": text})
        assert response.status_code == 303, text
        assert response.headers["Location"] == "/v/X/1/1.A"


def test_photo_of_a_foreign_code_is_refused(client):
    import qrcode

    image = qrcode.make("https://sqi-verify.example.com/cert/02722Q10234R3M")
    out = io.BytesIO()
    image.save(out, format="PNG")
    response = upload(client, phone_photo(out.getvalue(), seed=4))
    assert response.status_code == 422
    assert page(response).select_one(".qr-foreign-host").text == "sqi-verify.example.com"


def test_foreign_code_warning_in_chinese(client):
    response = client.post("/scan?lang=zh", data={"text": "https://evil.example.cn/v/1"})
    assert "仿冒" in page(response).select_one(".qr-result--foreign").text


@pytest.mark.parametrize("text", ["/\\evil.example.cn/", "http://verify.example.test/\\\\evil.cn"])
def test_scanned_text_never_redirects_off_site(client, text):
    response = client.post("/scan", data={"text": text})
    location = response.headers.get("Location", "")
    assert not location.startswith("//") and "\\" not in location


def test_portal_address_other_than_a_code_is_opened(client, make_certificate):
    cert = make_certificate()
    response = client.post("/scan", data={"text": f"HTTP://VERIFY.EXAMPLE.TEST/certificates/"
                                                  f"{cert.certificate_number}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/certificates/{cert.certificate_number}"


def test_plain_text_code_gets_a_clear_message(client):
    response = client.post("/scan?lang=en", data={"text": "WIFI:S:office;T:WPA;P:secret;;"})
    assert response.status_code == 422
    result = page(response).select_one(".qr-result--text")
    assert "not a QR code of this portal" in result.text
    assert "WIFI:S:office" in result.text


def test_code_holding_only_a_number_offers_the_lookup(client):
    response = client.post("/scan?lang=en", data={"text": "02722Q10234R3M"})
    assert response.status_code == 200
    link = page(response).select_one(".qr-result--number a.button")
    assert link["href"] == "/certificates/02722Q10234R3M"


def test_file_that_is_not_an_image_is_refused_by_content(client):
    response = upload(client, b"%PDF-1.4 not a photo", name="photo.jpg")
    assert response.status_code == 422
    assert "not a photo" in page(response).select_one(".qr-error").text


def test_svg_upload_is_refused(client, make_certificate):
    cert = make_certificate()
    svg = client.get(f"/certificates/{cert.certificate_number}/qr.svg").data
    assert upload(client, svg, name="code.png").status_code == 422


def test_photo_without_a_code_says_so(client):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 160)).save(out, format="JPEG")
    response = upload(client, out.getvalue())
    assert response.status_code == 422
    assert "No QR code was found" in page(response).select_one(".qr-error").text


def test_oversized_photo_is_refused(client):
    response = upload(client, b"\xff\xd8" + b"0" * (qr_service.SCAN_MAX_BYTES + 10))
    assert response.status_code == 413
    assert page(response).select_one(".qr-error") is not None


def test_huge_pixel_count_is_refused_before_decoding(client):
    out = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < qr_service.SCAN_MAX_BYTES
    assert upload(client, out.getvalue(), name="big.png").status_code == 413


def test_empty_form_asks_for_a_photo(client):
    response = client.post("/scan?lang=en", data={})
    assert response.status_code == 422
    assert "Choose a photo" in page(response).select_one(".qr-error").text


def test_scan_page_works_without_script_through_the_upload_form(client):
    soup = page(client.get("/scan?lang=en"))
    form = soup.select_one("form#scan-form")
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert soup.select_one("label[for=scan-photo]") is not None
    assert soup.select_one("#camera").has_attr("hidden")  # the script reveals the camera
    assert soup.select("script[src]") and not soup.select("script:not([src])")


def test_multi_picture_jpeg_from_a_phone_is_read(client, make_certificate):
    """Many phones save MPO: a JPEG photo followed by a depth or gain map picture."""
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png?size=print").data
    photo = Image.open(io.BytesIO(phone_photo(qr_png, seed=8)))
    out = io.BytesIO()
    photo.save(out, format="MPO", save_all=True, append_images=[photo.resize((160, 120))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = upload(client, out.getvalue())
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/v/{cert.number_key}/1/")


@pytest.mark.parametrize("orientation, turn", [(6, 90), (3, 180), (8, 270)])
def test_photo_taken_sideways_with_an_exif_orientation_is_read(client, make_certificate,
                                                               orientation, turn):
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png?size=print").data
    photo = Image.open(io.BytesIO(phone_photo(qr_png, seed=9))).rotate(turn, expand=True)
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=80, exif=exif)
    assert upload(client, out.getvalue()).status_code == 303


def test_large_phone_photo_is_read(client, make_certificate):
    """A 24 MP photo (6000 x 4000) with the code in the middle; JPEG draft decoding."""
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png?size=print").data
    shot = Image.open(io.BytesIO(phone_photo(qr_png, seed=10))).convert("L")
    shot = shot.resize((shot.width * 3, shot.height * 3), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (6000, 4000), 90)
    canvas.paste(shot, ((6000 - shot.width) // 2, (4000 - shot.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=75)
    assert len(out.getvalue()) < qr_service.SCAN_MAX_BYTES
    response = upload(client, out.getvalue())
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/v/{cert.number_key}/1/")


def _fake_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def _saved(fmt: str, mode: str = "L", size: tuple[int, int] = (32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 255).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("name, data, status", [
    ("bomb", _fake_png(100_000, 100_000), 413),
    ("wide bomb", _fake_png(60_000, 1_000), 413),
    ("claims 40 MP, holds nothing", _fake_png(1, 40_000_000), 413),
    ("claims 10 MP, holds nothing", _fake_png(1, 10_000_000), 422),
    ("truncated", _saved("PNG", size=(300, 300))[:120], 422),
    ("empty", b"", 422),
    ("html", b"<!doctype html><script>alert(1)</script>", 422),
    ("tiff", _saved("TIFF"), 422),
    ("pdf", _saved("PDF", mode="RGB"), 422),
    ("ico", _saved("ICO", size=(16, 16)), 422),
    ("eps-like", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", 422),
    ("one pixel gif", _saved("GIF", mode="P", size=(1, 1)), 422),
])
def test_hostile_uploads_are_refused_with_a_message(client, name, data, status):
    response = upload(client, data, name="photo.png")
    assert response.status_code == status, name
    assert page(response).select_one(".qr-error") is not None
    assert "Location" not in response.headers


def test_two_files_or_a_text_photo_field_are_handled(client):
    files = [(io.BytesIO(b"a"), "a.jpg"), (io.BytesIO(b"b"), "b.jpg")]
    assert client.post("/scan", data={"photo": files},
                       content_type="multipart/form-data").status_code == 422
    assert client.post("/scan", data={"photo": "not a file"}).status_code == 422
