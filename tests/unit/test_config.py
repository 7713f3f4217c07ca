"""Settings come from the environment exactly as docs/contract.md §8 names them; README documents them."""

from pathlib import Path

import pytest

from portal import create_app
from portal.config import SPEC_SETTINGS, ConfigError, environment_settings, settings_from_environ

README = Path(__file__).resolve().parents[2] / "README.md"
# Settings of one feature may be documented on its own docs page instead (docs/*.md).
DOC_PAGES = sorted((README.parent / "docs").glob("*.md"))


def test_spec_settings_are_read_from_the_environment():
    env = {"DATABASE_URL": "postgresql://u@h/db", "SEARCH_INDEX_DIR": "/srv/idx",
           "SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://verify.example.cn",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "SMTP_HOST": "mail", "SMTP_PORT": "2525",
           "MAIL_FROM": "noreply@example.cn", "RATELIMIT_ENABLED": "false"}
    settings = settings_from_environ(env)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["SMTP_PORT"] == 2525
    assert settings["RATELIMIT_ENABLED"] is False
    for name in SPEC_SETTINGS[1:]:
        assert name in settings


def test_bad_number_in_environment_is_named():
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        settings_from_environ({"SMTP_PORT": "twenty-five"})


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_redis_url_is_used_for_rate_limits():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                      "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("name", environment_settings())
def test_every_setting_is_documented_in_readme(name):
    documented = [page for page in (README, *DOC_PAGES)
                  if f"`{name}`" in page.read_text(encoding="utf-8")]
    assert documented, f"neither README nor a docs/*.md page documents {name}"
