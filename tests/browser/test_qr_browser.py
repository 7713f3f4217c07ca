"""The QR landing page and /scan in Chromium on a 390 px phone, in Chinese and English."""

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.browser.test_certificate_page_browser import axe_violations
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot
from tests.factories import certificate_data
from tests.qr_support import phone_photo

pytestmark = pytest.mark.browser

LONG_NAME = "上海华虹集成电路设计与先进封装测试技术研究院股份有限公司（浦东新区张江高科技园区分公司）"


def seed(live_server) -> dict[str, str]:
    """Add a valid certificate and a stale printed copy (suspended, then re-issued)."""
    from datetime import date

    from portal.domain.status import CertificateStatus
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from portal.services import qr as qr_service
    from tests.factories import NOW

    def run() -> dict[str, str]:
        config = live_server.app.config
        valid = certificate_service.create_certificate(certificate_data(
            certificate_number="SQI/FW/2025/0003", holder_name_zh=LONG_NAME,
            holder_name_en="Shanghai Huahong Integrated Circuit Design and Advanced Packaging "
                           "Test Technology Research Institute Co., Ltd.",
            scope_zh="集成电路的设计、开发和销售；" * 6), actor="t", now=NOW)
        stale = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.flush()
        stale_path = qr_service.code_path(stale, config)
        certificate_service.change_status(stale, CertificateStatus.SUSPENDED,
                                          effective=date(2026, 11, 20),
                                          reason="未按期接受监督审核", actor="t", now=NOW)
        certificate_service.reissue_certificate(stale, effective=date(2026, 11, 21), reason="",
                                                actor="t", now=NOW)
        db.session.commit()
        return {"valid": qr_service.code_path(valid, config), "stale": stale_path,
                "valid_url": qr_service.code_url(valid, config)}

    return live_server.run(run)


def fits_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def above_fold(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], (selector, box)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_landing_page_says_status_and_copy_at_a_glance_on_a_phone(live_server, new_page, locale):
    paths = seed(live_server)
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(live_server.url + paths["valid"])
    assert page.locator("html").get_attribute("lang") == locale.replace("zh-CN", "zh-CN")
    above_fold(page, ".qr-status .badge--valid")
    above_fold(page, ".qr-copy--current h2")
    word = "有效" if locale == "zh-CN" else "Valid"
    assert word in page.locator(".qr-status .badge").inner_text()
    assert LONG_NAME in page.locator(".qr-holder").inner_text()
    assert "verify.example.test" in page.locator(".qr-host").inner_text()
    fits_phone(page)
    screenshot(page, f"qr-landing-current-{locale}")

    page.goto(live_server.url + paths["stale"])
    above_fold(page, ".qr-status .badge--suspended")
    stale = page.locator(".qr-copy--stale")
    assert stale.is_visible()
    assert page.locator(".qr-reason").count() == 2  # suspended, and re-issued
    # The verdict leads (#21): a suspension outweighs the superseded paper, which follows.
    heading = "该证书已暂停——请勿采信" if locale == "zh-CN" else "suspended: do not rely on it"
    assert heading in stale.locator("h1").inner_text()
    superseded = "第 2 版" if locale == "zh-CN" else "issue no. 2"
    assert superseded in page.locator(".qr-reason--reissued").inner_text()
    fits_phone(page)
    screenshot(page, f"qr-landing-stale-{locale}")

    tampered = paths["valid"][:-1] + ("A" if paths["valid"][-1] != "A" else "B")
    response = page.goto(live_server.url + tampered)
    assert response is not None and response.status == 400
    assert page.locator(".qr-altered h1").is_visible()
    assert page.locator(".badge").count() == 0
    fits_phone(page)
    screenshot(page, f"qr-altered-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_scan_upload_works_without_javascript_on_a_phone(live_server, new_page, locale, tmp_path):
    paths = seed(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/scan")
    assert page.locator("#camera").is_hidden()
    fits_phone(page)
    screenshot(page, f"qr-scan-nojs-{locale}")
    png = page.request.get(f"{live_server.url}/certificates/SQI%2FFW%2F2025%2F0003/qr.png").body()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(phone_photo(png, seed=5))
    page.set_input_files("#scan-photo", str(photo))
    page.locator("#scan-form button[type=submit]").click()
    page.wait_for_url(live_server.url + paths["valid"])
    assert page.locator(".qr-status .badge--valid").is_visible()

    page.goto(f"{live_server.url}/scan")
    import qrcode

    foreign = io.BytesIO()
    qrcode.make("https://verify-sqi.example.com/v/SQIFW20250003/1/1.AAAAAAAAAA").save(foreign)
    photo.write_bytes(phone_photo(foreign.getvalue(), seed=6))
    page.set_input_files("#scan-photo", str(photo))
    page.locator("#scan-form button[type=submit]").click()
    warning = page.locator(".qr-result--foreign")
    assert warning.is_visible()
    assert page.locator(".qr-foreign-host").inner_text() == "verify-sqi.example.com"
    fits_phone(page)
    screenshot(page, f"qr-scan-foreign-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_scan_page_offers_the_camera_with_javascript(live_server, new_page, locale):
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{live_server.url}/scan")
    assert page.locator("#camera").is_visible()
    assert page.locator("#camera-start").is_visible()
    above_fold(page, "#camera-start")
    fits_phone(page)
    screenshot(page, f"qr-scan-{locale}")


def write_y4m(path: Path, png: bytes, size: tuple[int, int] = (640, 480)) -> None:
    """Write a still video (YUV 4:2:0) of a QR code for Chromium's fake camera."""
    code = Image.open(io.BytesIO(png)).convert("L")
    code.thumbnail((360, 360), Image.Resampling.NEAREST)
    frame = Image.new("L", size, 235)
    frame.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    chroma = bytes([128]) * (size[0] // 2 * size[1] // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_camera_reads_a_code_and_opens_the_certificate(live_server, browser, tmp_path):
    """Chromium's fake camera shows a printed code; jsQR (or BarcodeDetector) reads it."""
    import urllib.request

    paths = seed(live_server)
    video = tmp_path / "camera.y4m"
    with urllib.request.urlopen(f"{live_server.url}/certificates/SQIFW20250003/qr.png") as r:
        write_y4m(video, r.read())
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    # A second Chromium from the same Playwright, with a camera that films the code.
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                                 args=args)
    try:
        context = camera_browser.new_context(viewport=PHONE, locale="en")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan")
        page.locator("#camera-start").click()
        page.wait_for_url(live_server.url + paths["valid"], timeout=15000)
        assert page.locator(".qr-copy--current").is_visible()
    finally:
        camera_browser.close()
    assert urlsplit(paths["valid_url"]).path == paths["valid"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_qr_pages_pass_axe_wcag_aa(live_server, browser, locale):
    paths = seed(live_server)

    def receipt() -> str:
        from portal import clock
        from portal.services import certificates as certificate_service
        from portal.services import receipts as receipt_service

        cert = certificate_service.get_by_number("SQIFW20250003")
        made = receipt_service.create_receipt(cert, now=clock.utcnow(), today=clock.today())
        return "/receipts/" + receipt_service.format_id(made.id)

    urls = [paths["valid"], paths["stale"], "/v/X/1/1.AAAAAAAAAA", "/scan",
            live_server.run(receipt), "/certificates/SQIFW20250003/receipt"]
    found = {url: axe_violations(browser, live_server.url + url, locale) for url in urls}
    assert {url: v for url, v in found.items() if v} == {}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_receipt_is_made_by_the_button_and_prints(live_server, new_page, locale):
    seed(live_server)
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{live_server.url}/certificates/SQI%2FFW%2F2025%2F0003/receipt")
    fits_phone(page)
    page.locator("form.qr-receipt-form button[type=submit]").click()
    page.wait_for_url("**/receipts/*")
    assert page.locator(".qr-receipt[data-changed=no]").is_visible()
    receipt_id = page.locator(".qr-receipt__id").inner_text()
    assert len(receipt_id) == 14 and page.url.endswith(receipt_id)
    image = page.locator(".qr-receipt__qr img")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#print-receipt").is_visible()  # the script reveals the Print button
    fits_phone(page)
    screenshot(page, f"qr-receipt-{locale}")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".qr-hash").is_visible()
    assert page.locator("#print-receipt").is_hidden()


STUB_DETECTOR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { sessionStorage.setItem("formats", JSON.stringify(options.formats)); }
  detect(source) {  // sessionStorage survives the form's POST, window variables do not
    sessionStorage.setItem("source", source.tagName);
    return Promise.resolve([{rawValue: %s, format: "qr_code"}]);
  }
};
"""


def axe_on(page) -> list[str]:
    """Run axe-core's WCAG 2.1 A/AA rules on the page as it is now (e.g. after a POST)."""
    from tests.browser.test_certificate_page_browser import AXE, WCAG_AA

    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_AA)
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_camera_uses_barcode_detector_and_refuses_a_look_alike_code(live_server, browser,
                                                                    tmp_path, locale):
    """Where the browser has BarcodeDetector, jsQR is never loaded; the server still decides."""
    import json

    video = tmp_path / "camera.y4m"
    write_y4m(video, _png_of_white())
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                                 args=args)
    try:
        context = camera_browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True)
        context.grant_permissions(["camera"], origin=live_server.url)
        bait = "https://evil.example.cn\\@verify.example.test/v/SQIFW20250003/1/1.AAAAAAAAAA"
        context.add_init_script(STUB_DETECTOR % json.dumps(bait))
        page = context.new_page()
        scripts: list[str] = []
        page.on("request", lambda request: scripts.append(request.url))
        page.goto(f"{live_server.url}/scan")
        page.locator("#camera-start").click()
        warning = page.locator(".qr-result--foreign")
        warning.wait_for(timeout=15000)
        assert page.locator(".qr-foreign-host").inner_text() == "evil.example.cn"
        assert page.evaluate("JSON.parse(sessionStorage.getItem('formats'))") == ["qr_code"]
        assert page.evaluate("sessionStorage.getItem('source')") == "VIDEO"
        assert not [url for url in scripts if "jsQR" in url]
        assert page.url == f"{live_server.url}/scan"  # the form posted back, nothing opened
        fits_phone(page)
        screenshot(page, f"qr-scan-camera-foreign-{locale}")
        assert axe_on(page) == []
    finally:
        camera_browser.close()


def _png_of_white() -> bytes:
    out = io.BytesIO()
    Image.new("L", (64, 64), 255).save(out, format="PNG")
    return out.getvalue()
