"""Site-wide security: headers, HSTS, rate limits (429 in the docs/contract.md §4 shape), secrets, CSRF.

Where a check should hold for every page, the pages are read from the app's URL map (and the
templates from templates/), so a new page is checked as soon as it exists.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from portal.security import CSP
from portal.services import staff as staff_service
from tests.conftest import test_config
from tests.staff_support import PASSWORD, make_user, own_app, signed_in_client

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# POST routes that take no session cookie, so there is no CSRF to protect against: the JSON
# API, and RFC 8058 one-click unsubscribe, which mail clients send without any form.
# One-click unsubscribe (RFC 8058): mail clients POST without a session; the token is the key.
CSRF_EXEMPT = {"api.verify", "suppliers.watch_unsubscribe", "suppliers.list_watch_unsubscribe"}
CSRF_EXEMPT_TEMPLATES = {"watch/unsubscribe.html"}  # posts to suppliers.watch_unsubscribe


def fill(rule: Rule, known: dict[str, Any]) -> str:
    """Build a URL for `rule` from `known` values (others get a value naming nothing)."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if name in known:
            values[name] = known[name]
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        elif isinstance(converter, IntegerConverter):
            values[name] = 987654
        else:
            values[name] = "NO-SUCH-0000"
    return rule.build(values, append_unknown=False)[1]


def every_get_url(app: Flask, known: dict[str, Any]) -> list[str]:
    urls = {fill(r, known) for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    return sorted(urls | {"/no/such/page", "/certificates/NO-SUCH-0000"})


def inline_code(html: str) -> list[str]:
    """Return what the CSP would block in a page: inline scripts, styles and handlers."""
    page = BeautifulSoup(html, "html.parser")
    # A JSON-LD data block is never executed (and CSP does not apply to it): not code.
    found = [f"<script> without src: {s.get_text()[:40]!r}" for s in page.find_all("script")
             if not s.get("src") and s.get("type") != "application/ld+json"]
    found += [f"<style>: {s.get_text()[:40]!r}" for s in page.find_all("style")]
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            if name == "style" or name.startswith("on"):
                found.append(f"<{element.name} {name}=...>")
            if name in ("href", "src", "action", "formaction") and \
                    str(value).strip().lower().startswith("javascript:"):
                found.append(f"<{element.name} {name}=javascript:...>")
    return found


@pytest.fixture
def app_config(tmp_path):
    """Rate limits on (the suite turns them off), with a small public limit to reach."""
    return test_config(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="5 per minute")


def test_the_policy_allows_no_inline_code():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP and "*" not in CSP


def test_every_page_carries_the_security_headers(app, client, make_certificate):
    cert = make_certificate()
    known = {"number": cert.certificate_number, "filename": "css/site.css", "issue": "1",
             "token": "x", "rest": "x"}
    urls = every_get_url(app, known)
    responses = [(url, client.get(url)) for url in urls]
    responses.append(("POST /staff/login", client.post("/staff/login", data={})))
    responses.append(("DELETE /", client.delete("/")))
    statuses = set()
    for url, response in responses:
        headers = response.headers
        statuses.add(response.status_code)
        assert headers.get("Content-Security-Policy") == CSP, url
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("X-Frame-Options") == "DENY", url
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", url
        assert "Strict-Transport-Security" not in headers, url  # not in development
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], url
    assert len(responses) > 30 and {200, 302, 404, 405} <= statuses


def test_no_template_has_inline_scripts_styles_or_handlers():
    pattern = re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>|<style\b|\sstyle\s*=|"
        r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    # documents/ are rendered to PDF on the server (WeasyPrint), never sent to a browser.
    templates = [path for path in sorted(TEMPLATES.rglob("*.html")) + sorted(
        TEMPLATES.rglob("*.svg")) if path.relative_to(TEMPLATES).parts[0] != "documents"]
    assert len(templates) > 30
    found = [f"{path.relative_to(TEMPLATES)}:{text[:m.start()].count(chr(10)) + 1}: {m.group()}"
             for path in templates
             for text in [path.read_text(encoding="utf-8")]
             for m in pattern.finditer(text)]
    assert found == []


def test_the_template_scan_would_see_inline_code():
    page = ('<p style="color:red" onclick="x()">a</p><script>alert(1)</script>'
            '<a href="javascript:void(0)">b</a><script src="/static/js/ok.js"></script>')
    assert len(inline_code(page)) == 4


def test_back_office_pages_have_no_inline_code(app, make_certificate):
    cert = make_certificate()
    client = signed_in_client(app, "admin")
    known = {"number": cert.number_key, "user_id": staff_service.get_by_email(
        "admin@sqi.example.cn").id}
    pages = [fill(r, known) for r in app.url_map.iter_rules()
             if r.rule.startswith("/staff/") and "GET" in (r.methods or ())]
    checked = 0
    for url in pages:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            checked += 1
            assert inline_code(response.get_data(as_text=True)) == [], url
    assert checked >= 15


def test_production_sends_hsts_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with own_app(test_config(tmp_path, TESTING=False, SECRET_KEY="s" * 40)) as app:
        user = make_user("registrar")
        client = app.test_client()
        https = "https://verify.example.test"
        for path in ("/", "/no/such/page", "/static/css/site.css", "/api/v1/certificates/X",
                     "/staff/certificates", "/healthz"):
            response = client.get(path, base_url=https)
            assert response.headers["Strict-Transport-Security"].startswith(
                "max-age=31536000"), path
        response = client.post("/staff/login", base_url=https,
                               data={"email": user.email, "password": PASSWORD})
        cookie = next(c for c in response.headers.getlist("Set-Cookie")
                      if c.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Expires=" in cookie  # the session ends (PERMANENT_SESSION_LIFETIME)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None})


def test_public_pages_are_rate_limited_per_address(client):
    statuses = [client.get("/search?q=x").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    page = client.get("/search?q=y&lang=en")
    assert page.status_code == 429
    assert "too many requests" in page.get_data(as_text=True).lower()
    # Another address is not affected; each page has its own budget.
    other = client.get("/search?q=x", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200
    assert client.get("/").status_code == 200


def test_api_answers_429_in_the_json_error_shape(client):
    for _ in range(5):
        client.get("/api/v1/certificates?q=x")
    response = client.get("/api/v1/certificates?q=x")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.get_json()["error"]["message"]
    assert "Retry-After" in response.headers


def test_static_files_and_health_checks_are_never_limited(client):
    for _ in range(12):
        assert client.get("/static/css/site.css").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_staff_sign_in_has_its_own_tight_limit(client):
    statuses = [client.post("/staff/login", data={"email": f"x{i}@e.cn", "password": "p"})
                .status_code for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_forwarded_addresses_count_only_behind_trusted_proxies(tmp_path):
    app = create_app(test_config(tmp_path, RATELIMIT_ENABLED=True,
                                 RATELIMIT_DEFAULT="2 per minute", TRUSTED_PROXIES=1))
    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            client.get("/", headers={"X-Forwarded-For": "203.0.113.1"})
        assert client.get("/", headers={"X-Forwarded-For": "203.0.113.1"}).status_code \
            == 429
        assert client.get("/", headers={"X-Forwarded-For": "203.0.113.2"}).status_code \
            == 200


def test_staff_forms_refuse_a_post_without_its_csrf_token(csrf_app_config):
    import re

    from portal.services import certificates as certificate_service
    from tests.factories import NOW, certificate_data

    with own_app(csrf_app_config) as app:
        cert = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.commit()
        user = make_user("registrar")
        client = app.test_client()
        page = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": token})
        url = f"/staff/certificates/{cert.number_key}/status"
        form = {"status": "suspended", "effective_date": "2026-01-05",
                "reason_class": "holder_request"}
        assert client.post(url, data=form).status_code == 400
        assert client.post("/staff/logout").status_code == 400
        db.session.expire_all()
        assert cert.status.value == "valid"


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free port (skipped where Redis is not installed)."""
    import shutil
    import socket
    import subprocess
    import time

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_rate_limits_live_in_redis_when_redis_url_is_set(tmp_path, redis_url):
    import redis

    def worker(**extra: object) -> Flask:
        # Each app is a fresh worker: the limiter opens its storage again.
        return create_app(test_config(tmp_path, RATELIMIT_ENABLED=True,
                                      RATELIMIT_DEFAULT="3 per minute", **extra))

    first = worker(REDIS_URL=redis_url)
    assert [first.test_client().get("/healthz").status_code] == [200]  # exempt, not counted
    assert [first.test_client().get("/about").status_code for _ in range(3)] == [200] * 3
    assert redis.Redis.from_url(redis_url).keys("LIMITS*")  # the counter is in Redis
    # Another worker, started afterwards, sees the same counter.
    assert worker(REDIS_URL=redis_url).test_client().get("/about").status_code == 429
    # Control: without Redis each worker counts on its own, so it would not know.
    assert worker().test_client().get("/about").status_code == 200


def test_a_dead_redis_does_not_take_the_site_down(tmp_path):
    app = create_app(test_config(tmp_path, RATELIMIT_ENABLED=True,
                                 REDIS_URL="redis://127.0.0.1:1/0"))  # nothing listens there
    with app.app_context():
        assert app.test_client().get("/search?q=x").status_code == 200


def test_every_form_posts_its_csrf_token():
    form = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.DOTALL | re.IGNORECASE)
    missing, seen = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        for match in form.finditer(path.read_text(encoding="utf-8")):
            seen += 1
            if name not in CSRF_EXEMPT_TEMPLATES and not re.search(r"csrf_token|hidden_tag",
                                                                  match.group(1)):
                missing.append(name)
    assert seen > 20 and missing == []


def test_every_post_route_refuses_a_request_without_its_csrf_token(csrf_app_config):
    with own_app(csrf_app_config) as app:
        make_user("admin")
        signed_in = app.test_client()
        page = signed_in.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert signed_in.post("/staff/login", data={"email": "admin@sqi.example.cn",
                                                    "password": PASSWORD,
                                                    "csrf_token": token}).status_code == 302
        rules = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())
                 and r.endpoint not in CSRF_EXEMPT]
        assert len(rules) > 30
        for rule in sorted(rules, key=lambda r: r.endpoint == "staff.logout"):
            url = fill(rule, {"number": "02725Q10001R1M", "filename": "x"})
            for client in (app.test_client(), signed_in):
                response = client.post(url + "?lang=en", data={"email": "x@y.cn"})
                assert response.status_code == 400, (rule.rule, response.status_code)
                if rule.rule.startswith("/staff/"):
                    assert "Form expired" in response.get_data(as_text=True), rule.rule
        # The exempt ones really take no session: the API answers without a token.
        response = app.test_client().post("/api/v1/certificates/verify",
                                          json={"certificate_numbers": ["X"]})
        assert response.status_code == 200
