"""Conditional requests and the render cache of certificate pages and API records (issue #14).

A page is rendered once per change of the certificate and served from the cache (or `304`)
until then; a status change, a warning, the language, the date (expiry) and the demo marker
each give a new validator, and the live "status as of" time is correct on every response.
"""

import os
import time
import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import template_rendered

from portal import clock
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import AlertKind
from portal.services import alerts as alert_service
from portal.services import certificates as certificate_service
from tests.factories import NOW

CHINA = clock.CHINA
PAGE = "/certificates/{}"
API = "/api/v1/certificates/{}"


@pytest.fixture
def renders(app):
    """Count the templates rendered during the test."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def suspend(cert, *, reason="未按期接受监督审核"):
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=clock.today() - timedelta(days=1),
                                      reason=reason, actor="registrar@example.test", now=NOW)
    db.session.commit()


def status_of(response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one("article")["data-status"]


def as_of(response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one(".cert-status__asof").text


@pytest.mark.parametrize("template", [PAGE, API])
def test_response_has_strong_validators_and_304_carries_them(client, make_certificate, template):
    cert = make_certificate()
    url = template.format(cert.certificate_number)
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "no-cache"

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    # RFC 9110 §15.4.5: ETag and Cache-Control again; Last-Modified is left out beside an ETag.
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "no-cache"
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_304_and_repeat_views_render_nothing(client, make_certificate, renders):
    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    etag = client.get(url).headers["ETag"]
    assert renders.count("certificates/detail.html") == 1
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert renders.count("certificates/detail.html") == 1


@pytest.mark.parametrize("template", [PAGE, API])
def test_status_change_is_served_on_the_next_request(client, make_certificate, template):
    cert = make_certificate()
    url = template.format(cert.certificate_number)
    before = client.get(url)
    suspend(cert)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    if template == API:
        assert after.json["status"] == "suspended"
    else:
        assert status_of(after) == "suspended"


def test_validator_differs_by_language_and_each_language_is_right(client, make_certificate):
    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    zh = client.get(url)
    en = client.get(url + "?lang=en")
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert "有效" in zh.text and "Valid until" in en.text
    # The remembered choice and the browser's language pick the English copy too.
    client.delete_cookie("lang")
    by_header = client.get(url, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Valid until" in by_header.text
    assert "Accept-Language" in by_header.headers["Vary"]
    assert client.get(url, headers={"If-None-Match": zh.headers["ETag"],
                                    "Accept-Language": "en"}).status_code == 200


def test_validator_changes_at_the_expiry_date(client, make_certificate):
    cert = make_certificate(expiry_date=date(2028, 2, 28))
    url = PAGE.format(cert.certificate_number)
    with time_machine.travel(datetime(2028, 2, 28, 23, 59, tzinfo=CHINA), tick=False):
        last_day = client.get(url)
        assert status_of(last_day) == "valid"
    with time_machine.travel(datetime(2028, 2, 29, 0, 1, tzinfo=CHINA), tick=False):
        expired = client.get(url, headers={"If-None-Match": last_day.headers["ETag"]})
        assert expired.status_code == 200
        assert status_of(expired) == "expired"
        assert expired.headers["ETag"] != last_day.headers["ETag"]
        api = client.get(API.format(cert.certificate_number))
        assert api.json["status"] == "expired"


def test_status_as_of_time_is_live_on_a_cached_page(client, make_certificate, renders):
    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, 5, tzinfo=CHINA), tick=False):
        first = client.get(url)
    with time_machine.travel(datetime(2026, 11, 24, 10, 30, 45, tzinfo=CHINA), tick=False):
        later = client.get(url)
        english = client.get(url + "?lang=en")
    assert renders.count("certificates/detail.html") == 2  # zh once, en once
    assert "09:00:05" in as_of(first)
    assert "10:30:45" in as_of(later) and "09:00:05" not in later.text
    assert "10:30:45" in as_of(english) and "Status as of" in as_of(english)
    assert "\ue000" not in later.text


def test_a_new_warning_changes_the_page(client, make_certificate):
    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    before = client.get(url)
    alert = alert_service.create_alert(
        AlertKind.COUNTERFEIT_NUMBER, cert.certificate_number.lower(),
        description_zh="发现伪造证书", published_on=date(2026, 11, 20), actor="admin", now=NOW)
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "发现伪造证书" in after.text
    alert_service.set_alert_active(alert, False, actor="admin", now=NOW)
    db.session.commit()
    withdrawn = client.get(url, headers={"If-None-Match": after.headers["ETag"]})
    assert withdrawn.status_code == 200 and "发现伪造证书" not in withdrawn.text


def test_other_query_arguments_are_rendered_not_cached(client, make_certificate, renders):
    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    client.get(url)
    client.get(url + "?holder_name=x")
    client.get(url + "?holder_name=y")
    assert renders.count("certificates/detail.html") == 3


def test_unknown_number_is_not_cached(client):
    first = client.get(PAGE.format("02799Q99999R0M"))
    assert first.status_code == 404 and "ETag" not in first.headers
    assert client.get(API.format("02799Q99999R0M")).status_code == 404


def test_the_shared_cache_serves_another_worker(tmp_path):
    """With REDIS_URL, a page rendered by one worker is not rendered again by another."""
    import redis

    from portal import create_app
    from tests.conftest import TEST_DATABASE_URL, reset_database, test_config
    from tests.factories import certificate_data

    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(redis_url, socket_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    config = test_config(tmp_path, REDIS_URL=redis_url, RENDER_CACHE_NAMESPACE=uuid.uuid4().hex,
                         SQLALCHEMY_DATABASE_URI=(
        TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'shared.sqlite3'}"))
    workers = [create_app(config) for _ in range(3)]
    with workers[0].app_context():
        db.create_all()
        reset_database()
        cert = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.commit()
        url = PAGE.format(cert.certificate_number)
    seen: list[tuple[str, str]] = []

    def record(sender, template, context, **extra):
        seen.append((sender.name, template.name))

    for worker in workers[1:]:
        worker.name = f"worker{workers.index(worker)}"
        template_rendered.connect(record, worker)
    first = workers[1].test_client().get(url)
    second = workers[2].test_client().get(url)
    assert second.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]
    assert ("worker1", "certificates/detail.html") in seen
    assert ("worker2", "certificates/detail.html") not in seen  # from Redis, not rendered
    with workers[0].app_context():
        suspend(certificate_service.get_by_number(cert.certificate_number))
    third = workers[2].test_client().get(url)
    assert status_of(third) == "suspended"


@pytest.mark.parametrize("path", ["badge.svg", "badge.svg?lang=en", "feed.atom"])
def test_badge_and_feed_revalidate_and_change_with_the_status(client, make_certificate, path):
    cert = make_certificate()
    url = f"/certificates/{cert.certificate_number}/{path}"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    suspend(cert)
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    if path.startswith("badge"):
        assert 'data-status="suspended"' in after.text
    else:
        assert after.text.count("<entry") == first.text.count("<entry") + 1


def test_badge_language_comes_from_its_own_argument(client, make_certificate):
    cert = make_certificate()
    url = f"/certificates/{cert.certificate_number}/badge.svg"
    zh, en = client.get(url), client.get(url + "?lang=en")
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert 'xml:lang="zh-CN"' in zh.text and 'xml:lang="en"' in en.text
    again = client.get(url + "?lang=en")  # from the cache
    assert again.text == en.text
    assert "Set-Cookie" not in en.headers and "Set-Cookie" not in again.headers  # an image


@pytest.fixture
def statements():
    """Count the statements every engine sends (the version reads have an engine of their own
    on PostgreSQL)."""
    from sqlalchemy import Engine, event

    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield sent
    event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("template", [PAGE, API])
def test_a_repeat_view_costs_one_statement(client, make_certificate, statements, template):
    cert = make_certificate()
    url = template.format(cert.certificate_number)
    client.get(url)
    statements.clear()
    again = client.get(url)
    assert again.status_code == 200
    assert len(statements) == 1, statements  # the version read: row, changes, warnings, demo


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL only: SQLite has no server to drop a connection")
def test_version_reads_survive_a_connection_the_server_closed(app, client, make_certificate):
    from sqlalchemy import text

    cert = make_certificate()
    url = PAGE.format(cert.certificate_number)
    assert client.get(url).status_code == 200
    reader = app.extensions["render_versions"][db.engine]
    with reader.connect() as connection:  # the pooled connection the next request reuses
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    with db.engine.connect() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    time.sleep(0.2)
    again = client.get(url)
    assert again.status_code == 200 and status_of(again) == "valid"


SEARCH = "/search?q={}"
API_SEARCH = "/api/v1/certificates?q={}"


def _search_status(response) -> str:
    if response.is_json:
        return response.get_json()["results"][0]["status"]
    badge = BeautifulSoup(response.text, "html.parser").select_one(".result .badge")["class"]
    return next(c.removeprefix("badge--") for c in badge if c != "badge")


@pytest.mark.parametrize("template", [SEARCH, API_SEARCH])
def test_search_answers_come_from_the_cache_until_the_register_changes(
        client, make_certificate, renders, statements, template):
    cert = make_certificate()
    url = template.format(cert.holder_name_zh)
    first = client.get(url)
    assert first.status_code == 200 and _search_status(first) == "valid"
    searched = len(statements)
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert renders.count("search/results.html") == (1 if template == SEARCH else 0)
    assert len(statements) - searched < searched  # no search, no loading of the hits

    suspend(cert)
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and _search_status(after) == "suspended"


def test_search_answers_differ_by_language_and_query(client, make_certificate):
    cert = make_certificate()
    zh = client.get(SEARCH.format(cert.holder_name_zh))
    en = client.get(SEARCH.format(cert.holder_name_zh) + "&lang=en")
    other = client.get(SEARCH.format("没有这个名字"))
    assert len({zh.headers["ETag"], en.headers["ETag"], other.headers["ETag"]}) == 3
    assert BeautifulSoup(en.text, "html.parser").html["lang"] == "en"
    assert cert.certificate_number in zh.text and cert.certificate_number not in other.text
