"""A Host header that names no host is a 400 with a short message, never a 500 (#23 point 5).

Werkzeug cannot bind the URL map to a Host whose DNS label is 64+ characters or empty, so
no page that builds a link (every page: the stylesheet link) can be drawn for it.
"""

import pytest

from tests import conftest

ODD_HOSTS = ["a" * 64 + ".example", "a..b", ".", "verify.example.test..", "a" * 300,
             "a" * 64 + ".example:8080", "a..b:443"]


@pytest.fixture
def app_config(tmp_path):
    return conftest.test_config(tmp_path, HANDLE_ALL_ERRORS=True)


@pytest.mark.parametrize("host", ODD_HOSTS)
@pytest.mark.parametrize("path", ["/", "/healthz", "/static/css/site.css", "/about?lang=en",
                                  "/certificates/02722Q10234R3M", "/api/v1/certificates"])
def test_a_host_header_naming_no_host_is_a_bad_request(client, host, path):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "bad_request"
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_the_odd_host_answer_is_in_the_readers_language(client):
    zh = client.get("/", headers={"Host": "a..b", "Accept-Language": "zh-CN"})
    en = client.get("/", headers={"Host": "a..b", "Accept-Language": "en"})
    assert "请求" in zh.get_data(as_text=True)
    assert "The request could not be understood" in en.get_data(as_text=True)


def test_a_post_with_an_odd_host_is_a_bad_request_too(client):
    response = client.post("/complaints/new", headers={"Host": "a" * 64 + ".example"},
                           data={"name": "x"})
    assert response.status_code == 400
