"""Site-wide security: headers, HSTS, rate limits (429 in the SPEC §4 shape), secrets, CSRF."""

import pytest

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from tests.conftest import test_config
from tests.staff_support import PASSWORD, make_user, own_app


@pytest.fixture
def app_config(tmp_path):
    """Rate limits on (the suite turns them off), with a small public limit to reach."""
    return test_config(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="5 per minute")


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # not in development


def test_production_sends_hsts_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with own_app(test_config(tmp_path, TESTING=False, SECRET_KEY="s" * 40)) as app:
        user = make_user("registrar")
        client = app.test_client()
        response = client.get("/", base_url="https://verify.example.test")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        response = client.post("/staff/login", base_url="https://verify.example.test",
                               data={"email": user.email, "password": PASSWORD})
        cookie = next(c for c in response.headers.getlist("Set-Cookie")
                      if c.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


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


def test_a_dead_redis_does_not_take_the_site_down(tmp_path):
    app = create_app(test_config(tmp_path, RATELIMIT_ENABLED=True,
                                 REDIS_URL="redis://127.0.0.1:1/0"))  # nothing listens there
    with app.app_context():
        assert app.test_client().get("/search?q=x").status_code == 200
