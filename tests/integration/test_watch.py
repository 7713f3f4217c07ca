"""Subscribe to a certificate by e-mail: double opt-in, notifications, one-click unsubscribe."""

import re
from datetime import UTC, date, datetime

import pytest

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models.subscription import Subscription
from portal.services import certificates as certificate_service
from portal.services import watch as watch_service

LATER = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def outbox(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(watch_service, "_send", lambda **message: sent.append(message))
    return sent


def link(message: dict, kind: str) -> str:
    url = re.search(rf"https?://\S+/watch/{kind}/\S+", message["body"]).group(0)
    return url.split("verify.example.test", 1)[1]


def test_subscription_needs_confirmation_before_any_notification(client, make_certificate,
                                                                 outbox):
    cert = make_certificate()
    response = client.post(f"/certificates/{cert.certificate_number}/watch",
                           data={"email": "Buyer@Example.com"})
    assert response.status_code == 200
    assert len(outbox) == 1 and outbox[0]["to"] == "buyer@example.com"
    assert outbox[0]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED, effective=date(2026, 11, 25),
                                      reason="未按期接受监督审核", note="secret note", actor="t",
                                      now=LATER)
    db.session.commit()
    assert watch_service.send_notifications(now=LATER) == 0  # not confirmed yet

    assert client.get(link(outbox[0], "confirm")).status_code == 200
    certificate_service.change_status(cert, CertificateStatus.VALID, effective=date(2026, 11, 26),
                                      reason="恢复", actor="t", now=LATER)
    db.session.commit()
    assert watch_service.send_notifications(now=LATER) == 1
    body = outbox[-1]["body"]
    assert cert.certificate_number in body and "secret note" not in body
    assert watch_service.send_notifications(now=LATER) == 0  # nothing new


def test_one_click_unsubscribe_stops_notifications(client, make_certificate, outbox):
    cert = make_certificate()
    client.post(f"/certificates/{cert.certificate_number}/watch", data={"email": "a@example.com"})
    client.get(link(outbox[0], "confirm"))
    unsubscribe = link(outbox[0], "unsubscribe")
    assert client.get(unsubscribe).status_code == 200  # a page with a button; GET changes nothing
    assert db.session.scalar(db.select(Subscription)).active
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert not db.session.scalar(db.select(Subscription)).active
    certificate_service.change_status(cert, CertificateStatus.WITHDRAWN, effective=date(2026, 11, 25),
                                      reason="x", actor="t", now=LATER)
    db.session.commit()
    assert watch_service.send_notifications(now=LATER) == 0


def test_bad_email_is_explained_and_nothing_stored(client, make_certificate, outbox):
    cert = make_certificate()
    response = client.post(f"/certificates/{cert.certificate_number}/watch?lang=en",
                           data={"email": "not-an-address"})
    assert response.status_code == 400
    assert "valid e-mail address" in response.text
    assert db.session.scalar(db.select(db.func.count(Subscription.id))) == 0
    assert outbox == []


def test_unknown_token_and_unknown_certificate(client):
    assert client.get("/watch/confirm/nope").status_code == 404
    assert client.post("/watch/unsubscribe/nope").status_code == 404
    assert client.get("/certificates/NOPE1234/watch").status_code == 404


def test_subscribing_twice_answers_the_same(client, make_certificate, outbox):
    cert = make_certificate()
    first = client.post(f"/certificates/{cert.certificate_number}/watch",
                        data={"email": "a@example.com"})
    client.get(link(outbox[0], "confirm"))
    second = client.post(f"/certificates/{cert.certificate_number}/watch",
                         data={"email": "a@example.com"})
    assert first.text == second.text
    assert len(outbox) == 1


def test_confirmation_mail_reaches_the_outbox_without_smtp(client, make_certificate):
    from portal.services.mail import read_outbox

    cert = make_certificate()
    client.post(f"/certificates/{cert.certificate_number}/watch?lang=en",
                data={"email": "buyer@example.com"})
    messages = read_outbox()
    assert len(messages) == 1
    assert messages[0]["To"] == "buyer@example.com"
    assert cert.certificate_number in messages[0]["Subject"]
    assert "/watch/confirm/" in messages[0].get_content()


def test_mail_failure_is_explained_not_a_500(client, make_certificate, monkeypatch):
    from portal.services.mail import MailError

    def fail(**message):
        raise MailError("smtp down")

    monkeypatch.setattr(watch_service, "_send", fail)
    cert = make_certificate()
    response = client.post(f"/certificates/{cert.certificate_number}/watch?lang=en",
                           data={"email": "buyer@example.com"})
    assert response.status_code == 503
    assert "could not be sent" in response.text
