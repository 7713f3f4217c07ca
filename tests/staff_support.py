"""Helpers for back-office tests: staff accounts and signing in through the real form."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from portal import clock, create_app
from portal.extensions import db
from portal.models import Role, User
from portal.services import staff as staff_service

PASSWORD = "correct horse battery staple"


def make_user(role: Role | str, email: str | None = None, *, password: str = PASSWORD,
              must_change_password: bool = False) -> User:
    """Create (and commit) a staff account with `role`."""
    role = Role(role)
    return staff_service.create_user(email or f"{role.value}@sqi.example.cn", role, password,
                                     actor="test", now=clock.utcnow(),
                                     must_change_password=must_change_password)


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Sign in through /staff/login and return the response."""
    return client.post("/staff/login", data={"email": email, "password": password})


def signed_in_client(app: Any, role: Role | str) -> Any:
    """Return a test client signed in as a new user holding `role`."""
    user = make_user(role)
    client = app.test_client()
    response = sign_in(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@contextmanager
def own_app(config: dict[str, Any]) -> Iterator[Flask]:
    """A second app with its own settings, cleaned up like the `app` fixture."""
    from tests.conftest import reset_database

    app = create_app(config)
    with app.app_context():
        db.create_all()
        reset_database()
        try:
            yield app
        finally:
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                reset_database()
            else:
                db.drop_all()
            db.engine.dispose()
