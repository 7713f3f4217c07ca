"""Uploaded files are judged by their content, and stay inside UPLOAD_DIR."""

import io

import pytest
from PIL import Image

from portal import create_app
from portal.services import uploads


@pytest.fixture
def app_ctx(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "UPLOAD_DIR": str(tmp_path / "up"), "UPLOAD_MAX_BYTES": 1024 * 1024})
    with app.test_request_context("/?lang=en"):
        yield app


def image(fmt: str, size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, fmt)
    return buffer.getvalue()


def test_png_named_pdf_is_accepted_as_png(app_ctx):
    checked = uploads.check_file("scan.pdf", image("PNG"))
    assert checked.content_type == uploads.PNG


def test_gif_is_refused(app_ctx):
    with pytest.raises(uploads.UploadError, match="not a PDF, JPEG or PNG"):
        uploads.check_file("a.png", image("GIF"))


def test_truncated_jpeg_is_refused(app_ctx):
    with pytest.raises(uploads.UploadError):
        uploads.check_file("a.jpg", image("JPEG")[:40])


def test_huge_pixel_count_is_refused_before_decoding(app_ctx, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 10)
    with pytest.raises(uploads.UploadError):
        uploads.check_file("a.png", image("PNG", (8, 8)))


def test_file_name_is_cleaned_for_display():
    assert uploads.clean_filename("..\\..\\etc/passwd\x00") == "passwd"
    assert uploads.clean_filename("") == "file"


def test_stored_names_cannot_leave_the_upload_folder(app_ctx):
    with pytest.raises(ValueError):
        uploads.path_of("../../etc/passwd")


def test_stored_file_is_private_and_randomly_named(app_ctx):
    stored = uploads.store(uploads.check_file("我的照片.png", image("PNG")), folder="complaints")
    path = uploads.path_of(stored)
    assert path.read_bytes() == image("PNG")
    assert "我的照片" not in stored
    assert path.stat().st_mode & 0o077 == 0


def test_default_upload_folder_is_in_the_instance_folder_not_static(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        folder = uploads.upload_dir().resolve()
    assert folder == (uploads.Path(app.instance_path) / "uploads").resolve()
    assert uploads.Path(app.static_folder).resolve() not in (folder, *folder.parents)
