"""The mail service: a real SMTP server when SMTP_HOST is set, else the outbox and the log."""

import logging

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.extensions import db
from portal.models.complaint import Complaint
from portal.services import mail
from tests.complaint_support import VALID_FORM, Collect, free_port


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_without_smtp_host_mail_goes_to_the_outbox_and_the_log(app, caplog):
    with caplog.at_level(logging.INFO, logger="portal.services.mail"):
        mail.send_mail(to="a@example.com", subject="你好", body="正文 body")

    [message] = mail.read_outbox()
    assert message["Subject"] == "你好"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "正文 body" in message.get_content()
    assert "a@example.com" in caplog.text


def test_with_smtp_host_mail_is_sent_through_smtp(app, smtp_server):
    controller, handler = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)

    mail.send_mail(to="a@example.com", subject="Reference TS-2026-000001", body="Hello",
                   headers={"X-Test": "1"})

    [message] = handler.messages
    assert message["To"] == "a@example.com"
    assert message["X-Test"] == "1"
    assert mail.read_outbox() == []


def test_unreachable_smtp_server_raises_mail_error(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())

    with pytest.raises(mail.MailError):
        mail.send_mail(to="a@example.com", subject="s", body="b")


def test_complaint_is_kept_when_the_mail_server_is_down(app, client):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())

    response = client.post("/complaints/new?lang=en", data=VALID_FORM)

    assert response.status_code == 200
    assert "We could not send the acknowledgement e-mail just now" in response.text
    assert db.session.scalar(select(Complaint)) is not None
