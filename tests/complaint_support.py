"""Helpers for the complaint tests: staff accounts, signing in, filing through the form."""

import itertools
import re
import socket
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.handlers import Message as MessageHandler

from portal.extensions import db
from portal.models import Role, User
from portal.services import mail

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
VALID_FORM = {
    "kind": "complaint",
    "about": "certified_organization",
    "name": "王小明",
    "email": "wang@example.com",
    "phone": "+86 21 5555 0101",
    "subject": "证书范围与实际生产不符",
    "description": "该公司宣传的认证范围包含了注塑件生产，但证书上没有这一项。",
}
REFERENCE = re.compile(r"TS-\d{4}-\d{6}")


def make_staff(email: str, role: Role = Role.COMPLAINTS) -> User:
    """Create an active staff account that may sign in without changing its password."""
    user = User(email=email, password_hash="x", role=role, created_at=NOW,
                password_changed_at=NOW)
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client: Any, user: User) -> None:
    """Put `user` in the test client's session, as the login page would."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["staff_login_at"] = datetime.now(UTC).isoformat()


_filings = itertools.count(1)


def distinct_form(**changes: Any) -> dict[str, Any]:
    """Return VALID_FORM with `changes` and a description of its own (not a duplicate)."""
    description = f"{VALID_FORM['description']}（第 {next(_filings)} 份）"
    return {**VALID_FORM, "description": description, **changes}


def file_via_form(client: Any, **changes: Any) -> tuple[str, str]:
    """File a distinct complaint through /complaints/new; return (reference, tracking code)."""
    response = client.post("/complaints/new", data=distinct_form(**changes))
    assert response.status_code == 200, response.text
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.text, "html.parser")
    return (page.select_one("#reference").text.strip(),
            page.select_one("#tracking-code").text.strip())


def outbox() -> list[Any]:
    """Return every message written to the outbox so far."""
    return mail.read_outbox()


class Collect(MessageHandler):
    """Keep every message the SMTP server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    """Return a port nothing listens on (aiosmtpd needs a real port number)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
