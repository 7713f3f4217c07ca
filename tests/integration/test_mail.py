"""The mail service: a real SMTP server when SMTP_HOST is set, else the outbox and the log."""

import logging

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
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


def test_filing_sends_the_acknowledgement_through_smtp(app, client, smtp_server):
    controller, handler = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)

    response = client.post("/complaints/new?lang=en", data=VALID_FORM)

    page = BeautifulSoup(response.text, "html.parser")
    reference = page.select_one("#reference").text
    code = page.select_one("#tracking-code").text
    [message] = handler.messages
    assert message["To"] == VALID_FORM["email"]
    assert message["From"] == app.config["MAIL_FROM"]
    assert reference in message["Subject"]
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert f"Tracking code: {code}" in body
    assert "http://verify.example.test/complaints/track" in body
    assert mail.read_outbox() == []


def test_stage_emails_go_through_smtp_in_the_complainants_language(app, client, smtp_server):
    from email.header import decode_header, make_header

    from tests.complaint_support import file_via_form, make_staff, sign_in

    controller, handler = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    reference, _ = file_via_form(client)  # filed in Chinese, the default
    sign_in(client, make_staff("li@sqi.example"))

    client.post(f"/staff/complaints/{reference}/acknowledge?lang=en",
                data={"acknowledge-text": "已受理。"})

    assert len(handler.messages) == 2
    stage = handler.messages[-1]
    assert str(make_header(decode_header(stage["Subject"]))) == f"{reference}：已确认受理"
    assert "已受理。" in stage.get_payload(decode=True).decode("utf-8")
