"""Rate limits on filing, tracking and reporting: per client, shared through Redis, explained."""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests.complaint_support import distinct_form
from tests.conftest import test_config

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# What one client may send before the limit: (path, POST allowance, what the page explains)
ROUTES = [
    ("/complaints/new", 5, {"en": "at most 5 forms an hour", "zh": "每小时最多可提交 5 份表单"}),
    ("/report-fake", 5, {"en": "at most 5 forms an hour", "zh": "每小时最多可提交 5 份表单"}),
    ("/complaints/track", 10, {"en": "at most 10 references and codes a minute",
                               "zh": "每分钟最多可尝试 10 次"}),
]


def client_address() -> str:
    """Return an address no other test (or other run sharing Redis) uses."""
    return "10." + ".".join(str(b) for b in secrets.token_bytes(3))


@pytest.fixture
def limited_app(tmp_path) -> Iterator[Flask]:
    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://",
                                 RATELIMIT_ENABLED=True))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


def use_up(client, path: str, allowance: int, address: str) -> None:
    """Send `allowance` empty forms from `address`: each refused (400), none limited."""
    for _ in range(allowance):
        response = client.post(path, data={}, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 400, path


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "allowance", "explained"), ROUTES)
def test_over_the_limit_gets_an_html_page_in_the_users_language(limited_app, path, allowance,
                                                                explained, lang):
    client = limited_app.test_client()
    address = client_address()
    use_up(client, path, allowance, address)

    response = client.post(f"{path}?lang={lang}", data={}, environ_base={"REMOTE_ADDR": address})

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Retry-After"]) > 0
    page = BeautifulSoup(response.text, "html.parser")
    assert page.html["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert page.select_one("h1").text == ("请求过于频繁" if lang == "zh" else "Too many requests")
    assert explained[lang] in page.select_one("main").text
    assert page.select_one("#retry-at") is not None  # when to come back
    assert limited_app.config["BODY_EMAIL"] in page.select_one("main").text


@pytest.mark.parametrize(("path", "allowance", "explained"), ROUTES)
def test_the_limit_is_per_client_and_reading_the_form_stays_open(limited_app, path, allowance,
                                                                  explained):
    client = limited_app.test_client()
    first, second = client_address(), client_address()
    use_up(client, path, allowance, first)
    assert client.post(path, data={}, environ_base={"REMOTE_ADDR": first}).status_code == 429

    assert client.post(path, data={}, environ_base={"REMOTE_ADDR": second}).status_code == 400
    assert client.get(path, environ_base={"REMOTE_ADDR": first}).status_code == 200


def redis_or_skip():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    return connection


WORKER = """
import sys
from portal import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "SEARCH_INDEX_DIR": ":memory:", "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_ENABLED": True, "REDIS_URL": sys.argv[1],
                  "OUTBOX_DIR": sys.argv[3], "UPLOAD_DIR": sys.argv[3]})
response = app.test_client().post("/complaints/new?lang=en", data={},
                                  environ_base={"REMOTE_ADDR": sys.argv[2]})
print(response.status_code, app.config["RATELIMIT_STORAGE_URI"])
"""


def test_with_redis_url_every_worker_shares_the_counters(tmp_path):
    """Five filings in this process use up the allowance of a second process (a worker)."""
    connection = redis_or_skip()
    address = client_address()
    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://",
                                 RATELIMIT_ENABLED=True, REDIS_URL=REDIS_URL))
    try:
        with app.app_context():
            db.create_all()
            assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
            client = app.test_client()
            for _ in range(5):
                response = client.post("/complaints/new", data=distinct_form(),
                                       environ_base={"REMOTE_ADDR": address})
                assert response.status_code == 200
            assert list(connection.scan_iter(f"*{address}*")), "no counter in Redis"

            worker = subprocess.run(
                [sys.executable, "-c", WORKER, REDIS_URL, address, str(tmp_path / "worker")],
                check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
                env={**os.environ, "PYTHONPATH": str(ROOT)})

            assert worker.returncode == 0, worker.stderr
            assert worker.stdout.split() == ["429", REDIS_URL]
            db.session.remove()
            db.drop_all()
    finally:
        for key in connection.scan_iter(f"*{address}*"):
            connection.delete(key)
