"""Watch all rows of a checked supplier list: one confirmation, one digest per run (#15).

Mail goes through a real SMTP server (aiosmtpd), as in production.
"""

import io
import re
from datetime import UTC, date, datetime
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import CertificateEvent
from portal.models.list_watch import ListWatch
from portal.services import certificates as certificate_service
from portal.services import list_watch as list_watch_service
from tests.complaint_support import Collect, free_port

LATER = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def smtp(app):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield handler.messages
    finally:
        controller.stop()


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def path(message, kind: str) -> str:
    pattern = {"confirm": r"/lists/[\w-]+/confirm", "manage": r"/lists/[\w-]+(?=\s)",
               "unsubscribe": r"/lists/[\w-]+/unsubscribe"}[kind]
    return re.search(r"http://verify\.example\.test(" + pattern + ")", body(message)).group(1)


def check_and_watch(client, certs, email="buyer@example.com", lang="en"):
    content = "certificate_number\n" + "\n".join(c.certificate_number for c in certs) + "\nNOPE1\n"
    page = client.post(f"/verify-list?lang={lang}",
                       data={"file": (io.BytesIO(content.encode()), "list.csv"), "format": "html"},
                       content_type="multipart/form-data")
    form = BeautifulSoup(page.text, "html.parser").select_one("form[action*='/watch']")
    assert form is not None, "the result page offers to watch all rows"
    return client.post(form["action"] + f"?lang={lang}", data={"email": email})


def change(cert, status, day):
    certificate_service.change_status(cert, status, effective=date(2026, 11, day),
                                      reason="未按期接受监督审核", note="internal secret",
                                      actor="t", now=LATER)
    db.session.commit()


def test_one_confirmation_then_one_digest_for_many_changes(client, make_certificate, smtp):
    certs = [make_certificate() for _ in range(3)]
    response = check_and_watch(client, certs)
    assert response.status_code == 200 and "Check your e-mail" in response.text
    [confirmation] = smtp
    assert confirmation["To"] == "buyer@example.com"
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert all(c.certificate_number in body(confirmation) for c in certs)

    change(certs[0], CertificateStatus.SUSPENDED, 25)
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 25)) == 0  # unconfirmed

    assert client.get(path(confirmation, "confirm") + "?lang=en").status_code == 200
    change(certs[1], CertificateStatus.SUSPENDED, 26)
    change(certs[2], CertificateStatus.WITHDRAWN, 26)
    result = client.application.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "1 supplier-list digests sent" in result.output
    assert len(smtp) == 2  # one digest, not one mail per certificate
    digest = body(smtp[1])
    # every change since the list was checked, the one before the confirmation too
    assert all(c.certificate_number in digest for c in certs)
    assert "internal secret" not in digest
    assert path(smtp[1], "manage") == path(confirmation, "manage")  # links stay valid
    assert smtp[1]["List-Unsubscribe"].startswith("<http://verify.example.test/lists/")
    result = client.application.test_cli_runner().invoke(args=["send-notifications"])
    assert "0 supplier-list digests sent" in result.output and len(smtp) == 2


def test_manage_page_removes_certificates_and_unsubscribes(client, make_certificate, smtp):
    certs = [make_certificate() for _ in range(2)]
    check_and_watch(client, certs)
    client.get(path(smtp[0], "confirm"))
    manage = path(smtp[0], "manage")
    page = BeautifulSoup(client.get(manage + "?lang=en").text, "html.parser")
    boxes = page.select("input[name=certificate_id]")
    assert len(boxes) == 2
    client.post(manage, data={"certificate_id": [boxes[0]["value"]]})
    db.session.expire_all()
    watch = db.session.scalar(db.select(ListWatch))
    assert [i.certificate.certificate_number for i in watch.items] == [certs[1].certificate_number]
    change(certs[0], CertificateStatus.SUSPENDED, 26)
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 0

    unsubscribe = path(smtp[0], "unsubscribe")
    assert client.get(unsubscribe).status_code == 200  # a button; GET changes nothing
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    change(certs[1], CertificateStatus.SUSPENDED, 26)
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 0
    assert client.get(manage).status_code == 404


def test_restricted_holder_is_never_in_the_mails(client, make_certificate, smtp):
    secret = make_certificate(restricted=True, holder_name_zh="保密客户有限公司")
    check_and_watch(client, [secret])
    client.get(path(smtp[0], "confirm"))
    change(secret, CertificateStatus.SUSPENDED, 26)
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 1
    for message in smtp:
        assert "保密客户" not in body(message) and "未按期" not in body(message)
    assert "保密客户" not in client.get(path(smtp[0], "manage")).text


def test_bad_address_and_unknown_links(client, make_certificate, smtp):
    cert = make_certificate()
    response = check_and_watch(client, [cert], email="not-an-address")
    assert response.status_code == 400 and "valid e-mail address" in response.text
    assert smtp == [] and db.session.scalar(db.select(db.func.count(ListWatch.id))) == 0
    assert client.get("/lists/nope/confirm").status_code == 404
    assert client.get("/lists/nope").status_code == 404
    assert client.post("/lists/nope/unsubscribe").status_code == 404
    assert client.post("/verify-list/results/nope/watch", data={"email": "a@b.cn"}).status_code \
        == 404


def test_mail_server_down_keeps_nothing(client, make_certificate, app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = check_and_watch(client, [make_certificate()])
    assert response.status_code == 503 and "could not be sent" in response.text
    assert db.session.scalar(db.select(db.func.count(ListWatch.id))) == 0


def test_chinese_mails_by_default(client, make_certificate, smtp):
    check_and_watch(client, [make_certificate()], lang="zh")
    assert "确认" in subject(smtp[0]) and "确认" in body(smtp[0])


def test_long_unsubscribe_url_reaches_the_mail_client_unencoded(app, smtp):
    """A folded List-Unsubscribe became RFC 2047 words, unreadable as a URL (single watches too)."""
    from portal.services import mail

    url = "<https://verify.sqi.org.cn/watch/unsubscribe/" + "A" * 32 + ">"
    mail.send_mail(to="a@example.com", subject="主题" * 30, body="b",
                   headers={"List-Unsubscribe": url})
    [message] = smtp
    assert message["List-Unsubscribe"] == url
    assert subject(message) == "主题" * 30


def test_restricted_certificate_history_stays_out_of_the_digest(client, make_certificate,
                                                                 smtp):
    """Only status changes of a restricted certificate reach a list digest, as on its page:
    a re-issue (or rename, scope change, renewal) would describe the holder (#13.9)."""
    secret = make_certificate(restricted=True)
    check_and_watch(client, [secret])
    client.get(path(smtp[0], "confirm"))
    certificate_service.reissue_certificate(secret, effective=date(2026, 11, 25),
                                            reason="换证", actor="t", now=LATER)
    db.session.commit()
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 25)) == 0

    change(secret, CertificateStatus.SUSPENDED, 26)
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 1
    digest = body(smtp[-1])
    assert "Suspended" in digest
    assert "re-issued" not in digest and "2026-11-25" not in digest


def test_a_change_committed_late_with_a_lower_id_reaches_one_digest(client, make_certificate,
                                                                    smtp):
    """On PostgreSQL a transaction takes its id before it commits: a change that took a lower
    id but committed after a digest was sent must still reach the next digest, once."""
    early, late = make_certificate(), make_certificate()
    check_and_watch(client, [early, late])
    client.get(path(smtp[0], "confirm"))
    base = db.session.scalar(db.select(db.func.max(CertificateEvent.id)))

    def change_with_id(cert, event_id):
        with db.session.no_autoflush:
            event = certificate_service.change_status(
                cert, CertificateStatus.SUSPENDED, effective=date(2026, 11, 26), reason="暂停",
                actor="t", now=LATER)
            event.id = event_id
        db.session.commit()

    change_with_id(late, base + 2)  # committed first, with the higher id
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 1
    assert late.certificate_number in body(smtp[-1])
    assert early.certificate_number not in body(smtp[-1])
    change_with_id(early, base + 1)  # its lower id commits after the digest
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 1
    assert early.certificate_number in body(smtp[-1])
    assert late.certificate_number not in body(smtp[-1])
    assert list_watch_service.send_digests(now=LATER, today=date(2026, 11, 26)) == 0
    assert len(smtp) == 3
