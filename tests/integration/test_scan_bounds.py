"""/scan bounds what one upload may cost: pixels decoded, and decodes running at once (#13.6)."""

import io
import threading
import time

import pytest
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image, ImageDraw, ImageFile

from portal.services import qr as qr_service
from tests.qr_support import phone_photo


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def upload(client, data: bytes, name: str = "photo.png", lang: str = "en"):
    return client.post(f"/scan?lang={lang}", data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _big_png(side: int = 7000) -> bytes:
    """A real, small-on-disk PNG of `side` x `side` pixels (the review's 208 KB 7000 x 7000)."""
    image = Image.new("RGB", (side, side), "white")
    ImageDraw.Draw(image).rectangle((side // 3, side // 3, side // 2, side // 2), fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch):
    """Record every image Pillow decodes, and every image handed to the QR reader."""
    seen: dict[str, list[tuple[int, int]]] = {"loaded": [], "read": []}
    real_load, real_read = ImageFile.ImageFile.load, zxingcpp.read_barcodes

    def load(self):
        seen["loaded"].append(self.size)
        return real_load(self)

    def read(image, **kwargs):
        seen["read"].append(image.size)
        return real_read(image, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    monkeypatch.setattr(qr_service.zxingcpp, "read_barcodes", read)
    return seen


def test_a_7000_by_7000_png_is_refused_before_any_pixel_is_decoded(client, decoded):
    data = _big_png()
    assert len(data) < 1024 * 1024  # small on the wire, 49 MP (~150 MB) once decoded
    response = upload(client, data)
    assert response.status_code == 413
    assert "too many pixels" in page(response).select_one(".qr-error").text
    assert decoded["loaded"] == []


def test_too_many_pixels_is_explained_in_chinese(client):
    response = upload(client, _big_png(4000), lang="zh")
    assert response.status_code == 413
    assert "像素" in page(response).select_one(".qr-error").text


def test_a_50_megapixel_jpeg_is_decoded_at_a_fraction_of_its_size(client, make_certificate,
                                                                   decoded):
    """JPEG decodes at 1/2..1/8 scale: a big phone photo costs what a small one does."""
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png?size=print").data
    shot = Image.open(io.BytesIO(phone_photo(qr_png, seed=4))).convert("L")
    shot = shot.resize((shot.width * 4, shot.height * 4), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (8000, 6000), 90)
    canvas.paste(shot, ((8000 - shot.width) // 2, (6000 - shot.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=70)
    response = upload(client, out.getvalue(), name="photo.jpg")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/v/{cert.number_key}/1/")
    side = qr_service.SCAN_DECODE_SIDE
    assert all(w * h <= (2 * side) ** 2 for w, h in decoded["loaded"])
    assert all(max(size) <= 2 * side for size in decoded["read"])


def test_a_phone_screenshot_png_is_still_read(client, make_certificate):
    cert = make_certificate()
    qr_png = client.get(f"/certificates/{cert.certificate_number}/qr.png?size=print").data
    screen = Image.new("RGBA", (1290, 2796), (250, 250, 250, 255))
    code = Image.open(io.BytesIO(qr_png)).convert("RGBA").resize((800, 800))
    screen.paste(code, (245, 900))
    out = io.BytesIO()
    screen.save(out, format="PNG")
    response = upload(client, out.getvalue())
    assert response.status_code == 303


@pytest.mark.parametrize("lang, words", [("en", "try again"), ("zh", "重试")])
def test_when_every_decoding_slot_is_taken_the_upload_is_told_to_retry(client, monkeypatch,
                                                                       lang, words):
    monkeypatch.setattr(qr_service, "SCAN_WAIT_SECONDS", 0.05)
    assert qr_service._decode_slots.acquire(timeout=1)  # another upload is being decoded
    try:
        response = upload(client, _big_png(200), lang=lang)
    finally:
        qr_service._decode_slots.release()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(qr_service.SCAN_RETRY_AFTER_SECONDS)
    assert words in page(response).select_one(".qr-error").text
    assert page(response).select_one("form#scan-form") is not None  # can try again at once


def test_decodes_in_one_worker_never_overlap(monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    def slow_decode(data: bytes) -> list[str]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return ["text"]

    monkeypatch.setattr(qr_service, "_decode", slow_decode)
    threads = [threading.Thread(target=qr_service.decode_photo, args=(b"x",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == qr_service.SCAN_CONCURRENT_DECODES
