"""Helpers for back-office tests: staff accounts and signing in through the real form."""

from typing import Any

from portal import clock
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
