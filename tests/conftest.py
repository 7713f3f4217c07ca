"""Shared fixtures: an app on in-memory SQLite (or TEST_DATABASE_URL), a client, factories."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.services import staff as staff_service

pytest_plugins = ["tests.factories", "tests.browser_support"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def database_url() -> str:
    """Return the database the suite runs on: in-memory SQLite unless TEST_DATABASE_URL."""
    return TEST_DATABASE_URL or "sqlite://"


def test_config(tmp_path: Path, **extra: object) -> dict[str, object]:
    """Return the settings every test app starts from."""
    config: dict[str, object] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "SEARCH_INDEX_DIR": ":memory:",
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "http://verify.example.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SMTP_HOST": None,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    config.update(extra)
    return config


test_config.__test__ = False  # a helper, not a test, when imported into test modules


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Hash staff passwords with argon2id at its lowest cost in tests (production: the default).

    Every sign-in in the suite hashed at production cost (about 0.28 s each); the hashes stay
    argon2id, so what the tests assert about them still holds.
    """
    from argon2 import PasswordHasher

    production = staff_service._hasher
    staff_service._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    staff_service._dummy_hash.cache_clear()
    yield
    staff_service._hasher = production
    staff_service._dummy_hash.cache_clear()


_schema_rebuilt: list[bool] = []


def fresh_schema_once() -> None:
    """On PostgreSQL, drop what an earlier run left (an older schema) once per session."""
    if _schema_rebuilt or db.engine.dialect.name != "postgresql":
        return
    _schema_rebuilt.append(True)
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def reset_database() -> None:
    """Empty every table (PostgreSQL) so tests do not see each other's rows."""
    if db.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    """Settings for the `app` fixture; override in a module to change them."""
    return test_config(tmp_path)


@pytest.fixture
def app(app_config: dict[str, object]) -> Iterator[Flask]:
    """A portal app with an empty database, inside an app context."""
    app = create_app(app_config)
    with app.app_context():
        fresh_schema_once()
        db.create_all()
        reset_database()
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            reset_database()  # tests with apps of their own share this database too
        else:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def csrf_app_config(tmp_path: Path) -> dict[str, object]:
    """Settings with CSRF protection on (as in production)."""
    return test_config(tmp_path, WTF_CSRF_ENABLED=True)
