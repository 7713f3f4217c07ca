"""Requests no page can answer get a plain 4xx page before any view runs (#13)."""

import pytest

from tests import conftest

FORMS = ["/complaints/new", "/report-fake", "/scan", "/verify-list", "/complaints/track",
         "/apply", "/apply/track", "/webhooks/new"]


@pytest.fixture
def app_config(tmp_path):
    # CSRF on, as in production: its "form expired" page must not be the one that fails on
    # the body (under gunicorn these requests answered 500 before the refusal ran first).
    return conftest.test_config(tmp_path, HANDLE_ALL_ERRORS=True, WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("path", FORMS)
def test_a_multipart_part_without_a_name_is_a_bad_request(client, path):
    body = b"--x\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--x--\r\n"
    response = client.post(f"{path}?lang=en", data=body,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("body", [b"[" * 50_000 + b"]" * 50_000, b"1e999999", b"\xff\xfe{\x00}",
                                  b'{"csrf_token": ["x"]}'])
@pytest.mark.parametrize("path", FORMS)
def test_json_sent_to_a_form_is_a_bad_request_page(client, path, body):
    response = client.post(f"{path}?lang=en", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/certificates/a%00b", "/certificates/a%00b/feed.atom",
                                  "/receipts/%ED%A0%80"])
def test_an_address_with_nul_names_no_page(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("path", "mimetype"), [("/v/A%00/1/X.Y", "text/html"),
                                                ("/certificates/a%00b/badge.svg",
                                                 "image/svg+xml")])
def test_scanned_and_embedded_addresses_with_nul_answer_in_their_own_format(client, path,
                                                                            mimetype):
    """A QR address with NUL is explained as altered; a badge stays an image."""
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.mimetype == mimetype
