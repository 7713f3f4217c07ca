"""Webhooks: signed deliveries from the change log, retries, no duplicates, SSRF guard (#15)."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import CertificateEvent
from portal.models.webhook import DeliveryStatus, WebhookDelivery
from portal.services import certificates as certificate_service
from portal.services import outbound
from portal.services import webhooks as webhook_service
from tests.conftest import TEST_DATABASE_URL, test_config

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)


@pytest.fixture
def app_config(tmp_path):
    # The explicit test-only allowance: a loopback http receiver (refused in production).
    return test_config(tmp_path, WEBHOOK_ALLOW_PRIVATE_FOR_TESTS=True)


class Receiver:
    """A loopback HTTP server that records every call and answers with the given codes."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.codes: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"boom")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/certificates"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        return [json.loads(body) for _, body in self.calls]


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def mails(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(webhook_service, "_send", lambda **message: sent.append(message))
    return sent


def confirmed_hook(receiver, mails, numbers=()):
    hook = webhook_service.register(organisation="采购系统", email="it@buyer.example",
                                    url=receiver.url, numbers=list(numbers), lang="en", now=NOW)
    token = mails[-1]["body"].split("/webhooks/", 1)[1].split("/confirm", 1)[0]
    assert webhook_service.confirm(token, now=NOW) is hook
    return hook


def suspend(cert, day=25):
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, day), reason="未按期接受监督审核",
                                      note="internal note", actor="t", now=NOW)
    db.session.commit()


def test_delivery_carries_a_verifiable_signature(app, make_certificate, receiver, mails):
    cert = make_certificate()
    hook = confirmed_hook(receiver, mails)
    suspend(cert)
    summary = webhook_service.run(now=NOW, today=TODAY)
    assert (summary.queued, summary.delivered, summary.failed) == (1, 1, 0)
    [(headers, body)] = receiver.calls
    payload = json.loads(body)
    assert payload["type"] == "certificate.changed"
    assert payload["certificate"]["certificate_number"] == cert.certificate_number
    assert payload["certificate"]["status"] == "suspended"
    assert payload["change"] == {"kind": "status", "status": "suspended",
                                 "effective_date": "2026-11-25", "reason": "未按期接受监督审核"}
    assert "internal note" not in body.decode()
    assert headers["X-Portal-Event-Id"] == payload["id"]
    # What docs/features/open-data.md tells a receiver to do, written out independently of the portal code:
    secret = webhook_service.secret_for(hook)
    fields = dict(part.split("=", 1) for part in headers["X-Portal-Signature"].split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])
    assert abs(int(fields["t"]) - NOW.timestamp()) < 5
    assert webhook_service.verify_signature(secret, headers["X-Portal-Signature"], body,
                                            now=int(NOW.timestamp()))
    # a replay outside the window, a changed body or another secret are refused
    late = int((NOW + timedelta(minutes=6)).timestamp())
    assert not webhook_service.verify_signature(secret, headers["X-Portal-Signature"], body,
                                                now=late)
    assert not webhook_service.verify_signature(secret, headers["X-Portal-Signature"],
                                                body + b" ", now=int(NOW.timestamp()))
    assert not webhook_service.verify_signature("whsec_other", headers["X-Portal-Signature"],
                                                body, now=int(NOW.timestamp()))


def test_failing_receiver_is_retried_with_backoff_then_succeeds(app, make_certificate, receiver,
                                                                mails):
    cert = make_certificate()
    confirmed_hook(receiver, mails)
    suspend(cert)
    receiver.codes = [500, 503]
    assert webhook_service.run(now=NOW, today=TODAY).failed == 1
    delivery = db.session.scalar(db.select(WebhookDelivery))
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1)
    assert delivery.last_status_code == 500 and "HTTP 500" in delivery.last_error
    assert webhook_service.run(now=NOW + timedelta(seconds=30), today=TODAY).failed == 0  # not due
    assert len(receiver.calls) == 1
    assert webhook_service.run(now=NOW + timedelta(minutes=1), today=TODAY).failed == 1
    assert delivery.next_attempt_at == NOW + timedelta(minutes=3)  # 1, then 2 minutes
    assert webhook_service.run(now=NOW + timedelta(minutes=3), today=TODAY).delivered == 1
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3
    ids = {headers["X-Portal-Event-Id"] for headers, _ in receiver.calls}
    assert len(receiver.calls) == 3 and len(ids) == 1  # one event, the same id every time
    assert webhook_service.run(now=NOW + timedelta(hours=1), today=TODAY).delivered == 0


def test_gives_up_after_the_last_attempt_and_keeps_the_log(app, make_certificate, receiver, mails):
    cert = make_certificate()
    confirmed_hook(receiver, mails)
    suspend(cert)
    receiver.codes = [500] * webhook_service.MAX_ATTEMPTS
    at = NOW
    for _ in range(webhook_service.MAX_ATTEMPTS):
        webhook_service.run(now=at, today=TODAY)
        at += webhook_service.BACKOFF_CAP
    delivery = db.session.scalar(db.select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.GIVEN_UP
    assert delivery.attempts == webhook_service.MAX_ATTEMPTS
    assert webhook_service.backoff(3) == timedelta(minutes=4)


def test_no_duplicate_after_a_worker_dies_while_enqueueing(app, make_certificate, receiver, mails,
                                                          monkeypatch):
    certs = [make_certificate() for _ in range(3)]
    confirmed_hook(receiver, mails)
    for cert in certs:
        suspend(cert)
    real_commit = db.session.commit

    def die() -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(db.session, "commit", die)
    with pytest.raises(SystemExit):
        webhook_service.enqueue(now=NOW, today=TODAY)
    db.session.rollback()  # what the database does for a killed process
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
    webhook_service.run(now=NOW, today=TODAY)
    webhook_service.run(now=NOW, today=TODAY)  # a second round finds nothing new
    assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 3
    ids = [p["id"] for p in receiver.payloads()]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_a_worker_killed_after_sending_resends_the_same_event_id(app, make_certificate, receiver,
                                                                 mails, monkeypatch):
    cert = make_certificate()
    confirmed_hook(receiver, mails)
    suspend(cert)
    webhook_service.enqueue(now=NOW, today=TODAY)
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (_ for _ in ()).throw(SystemExit()))
    with pytest.raises(SystemExit):
        webhook_service.deliver_due(now=NOW)
    db.session.rollback()
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert webhook_service.deliver_due(now=NOW) == (1, 0)
    first, second = (headers["X-Portal-Event-Id"] for headers, _ in receiver.calls)
    assert first == second  # at least once; the receiver de-duplicates by event id
    assert webhook_service.deliver_due(now=NOW) == (0, 0)


def test_only_watched_numbers_and_no_restricted_holder(app, make_certificate, receiver, mails):
    watched = make_certificate(restricted=True, holder_name_zh="保密客户有限公司")
    other = make_certificate()
    confirmed_hook(receiver, mails, numbers=[watched.certificate_number.lower()])
    suspend(watched)
    suspend(other)
    webhook_service.run(now=NOW, today=TODAY)
    [payload] = receiver.payloads()
    assert payload["certificate"]["certificate_number"] == watched.certificate_number
    assert "holder_name_zh" not in payload["certificate"] and "reason" not in payload["change"]
    assert "保密客户" not in json.dumps(payload, ensure_ascii=False)


def test_unconfirmed_or_disabled_webhooks_get_nothing(app, make_certificate, receiver, mails):
    cert = make_certificate()
    webhook_service.register(organisation="x", email="a@b.example", url=receiver.url, numbers=[],
                             lang="zh", now=NOW)
    suspend(cert)
    assert webhook_service.run(now=NOW, today=TODAY).queued == 0
    hook = confirmed_hook(receiver, mails)
    webhook_service.disable(hook, now=NOW)
    suspend(make_certificate())
    assert webhook_service.run(now=NOW, today=TODAY).queued == 0
    assert receiver.calls == []


# -- changes that commit out of id order ----------------------------------------------------


def suspend_with_id(cert, event_id):
    """Suspend `cert`, its history entry taking `event_id`: as if its transaction took that id
    from the sequence and committed only now (PostgreSQL hands out ids before commit)."""
    with db.session.no_autoflush:
        event = certificate_service.change_status(
            cert, CertificateStatus.SUSPENDED, effective=date(2026, 11, 25), reason="暂停",
            actor="t", now=NOW)
        event.id = event_id
    db.session.commit()


def test_a_change_committed_late_with_a_lower_id_is_delivered_once(app, make_certificate,
                                                                   receiver, mails):
    early, late = make_certificate(), make_certificate()
    hook = confirmed_hook(receiver, mails)
    base = db.session.scalar(db.select(db.func.max(CertificateEvent.id)))
    suspend_with_id(late, base + 2)  # committed first, with the higher id
    assert webhook_service.run(now=NOW, today=TODAY).delivered == 1
    suspend_with_id(early, base + 1)  # its lower id commits after the cursor passed it
    assert webhook_service.run(now=NOW + timedelta(minutes=1), today=TODAY).delivered == 1
    assert webhook_service.run(now=NOW + timedelta(minutes=2), today=TODAY).queued == 0
    assert [p["id"] for p in receiver.payloads()] == [f"evt_{base + 2}", f"evt_{base + 1}"]
    assert [p["certificate"]["certificate_number"] for p in receiver.payloads()] == [
        late.certificate_number, early.certificate_number]
    assert hook.event_gaps == {}  # nothing left to wait for


def test_an_id_that_never_commits_is_waited_for_a_while_only(app, make_certificate, receiver,
                                                             mails):
    cert = make_certificate()
    hook = confirmed_hook(receiver, mails)
    base = db.session.scalar(db.select(db.func.max(CertificateEvent.id)))
    suspend_with_id(cert, base + 2)  # base + 1 was taken by a transaction that rolled back
    webhook_service.run(now=NOW, today=TODAY)
    assert hook.event_gaps == {str(base + 1): NOW.timestamp()}
    webhook_service.run(now=NOW + timedelta(minutes=5), today=TODAY)
    assert list(hook.event_gaps) == [str(base + 1)]  # still read on every run
    webhook_service.run(now=NOW + timedelta(minutes=16), today=TODAY)
    assert hook.event_gaps == {}  # given up after GAP_TIMEOUT
    assert len(receiver.calls) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="needs TEST_DATABASE_URL=postgresql://...")
def test_a_transaction_that_commits_after_a_later_one_is_not_skipped(app, make_certificate,
                                                                     receiver, mails):
    """Two real transactions on PostgreSQL: the first takes the lower id and commits last."""
    early, late = make_certificate(), make_certificate()
    early_id = early.id
    confirmed_hook(receiver, mails)
    flushed, may_commit = threading.Event(), threading.Event()
    taken: list[int] = []

    def slow_writer() -> None:
        with app.app_context():
            cert = db.session.get(type(early), early_id)
            event = certificate_service.change_status(
                cert, CertificateStatus.SUSPENDED, effective=date(2026, 11, 25), reason="暂停",
                actor="t", now=NOW)
            db.session.flush()
            taken.append(event.id)
            flushed.set()
            may_commit.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert flushed.wait(timeout=30)
    suspend(late)  # takes the next id and commits at once
    assert webhook_service.run(now=NOW, today=TODAY).delivered == 1
    may_commit.set()
    writer.join(timeout=30)
    assert webhook_service.run(now=NOW + timedelta(minutes=1), today=TODAY).delivered == 1
    assert webhook_service.run(now=NOW + timedelta(minutes=2), today=TODAY).queued == 0
    numbers = [p["certificate"]["certificate_number"] for p in receiver.payloads()]
    assert numbers == [late.certificate_number, early.certificate_number]
    assert receiver.payloads()[1]["id"] == f"evt_{taken[0]}"


# -- SSRF guard -------------------------------------------------------------------------------


def resolver_for(table):
    def resolve(host, port):
        return table[host]
    return resolve


@pytest.mark.parametrize(("url", "why"), [
    ("https://127.0.0.1/hook", "127.0.0.1"),
    ("https://localhost/hook", "127.0.0.1"),
    ("https://10.1.2.3/hook", "10.1.2.3"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://[::1]/hook", "::1"),
    ("https://hooks.example.com/x", "192.168.7.7"),  # a public-looking name, a private address
    ("https://metadata.google.internal/x", "metadata"),
    ("http://hooks.example.com/x", "https://"),
    ("https://user:pw@hooks.example.com/x", "password"),
])
def test_ssrf_guard_refuses_non_public_targets(url, why):
    table = {"127.0.0.1": ["127.0.0.1"], "localhost": ["127.0.0.1"], "10.1.2.3": ["10.1.2.3"],
             "169.254.169.254": ["169.254.169.254"], "::1": ["::1"],
             "hooks.example.com": ["93.184.216.34", "192.168.7.7"]}
    with pytest.raises(outbound.UnsafeAddressError, match=why):
        outbound.check_url(url, resolver=resolver_for(table))


@pytest.mark.parametrize("address", [
    "2002:7f00:1::1",                   # 6to4 of 127.0.0.1
    "2002:a00:1::",                     # 6to4 of 10.0.0.1
    "2002:a9fe:a9fe::1",                # 6to4 of 169.254.169.254 (cloud metadata)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:5ef5:79fd:0:0:80ff:fffe",   # Teredo whose client is 127.0.0.1 (XOR-ed)
    "64:ff9b::7f00:1",                  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",               # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",                 # local-use NAT64
    "::ffff:127.0.0.1",                 # IPv4-mapped
    "::ffff:0:a00:1",                   # IPv4-translated 10.0.0.1
    "::127.0.0.1",                      # IPv4-compatible (deprecated)
])
def test_ssrf_guard_refuses_ipv6_forms_of_private_ipv4(address):
    with pytest.raises(outbound.UnsafeAddressError, match="not a public address"):
        outbound.check_url(f"https://[{address}]/hook",
                           resolver=resolver_for({address: [address]}))
    with pytest.raises(outbound.UnsafeAddressError, match="not a public address"):
        outbound.check_url("https://hooks.example.com/in",
                           resolver=resolver_for({"hooks.example.com": [address]}))


@pytest.mark.parametrize("address", ["2002:5db8:d822::1", "64:ff9b::5db8:d822",
                                     "2606:2800:220:1:248:1893:25c8:1946"])
def test_ssrf_guard_accepts_ipv6_that_leads_to_a_public_address(address):
    target = outbound.check_url("https://hooks.example.com/in",
                                resolver=resolver_for({"hooks.example.com": [address]}))
    assert target.address == address


def test_a_6to4_address_of_loopback_is_refused_on_the_form_and_at_delivery(
        app, make_certificate, mails, monkeypatch):
    cert = make_certificate()
    app.config["WEBHOOK_ALLOW_PRIVATE_FOR_TESTS"] = False
    with pytest.raises(outbound.UnsafeAddressError):
        webhook_service.register(organisation="x", email="a@b.example",
                                 url="https://[2002:7f00:1::1]/", numbers=[], lang="en",
                                 now=NOW)
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.216.34"])
    hook = webhook_service.register(organisation="x", email="a@b.example",
                                    url="https://hooks.example.com/in", numbers=[], lang="en",
                                    now=NOW)
    webhook_service.confirm(mails[-1]["body"].split("/webhooks/")[1].split("/confirm")[0],
                            now=NOW)
    suspend(cert)
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["2002:7f00:1::1"])
    assert webhook_service.run(now=NOW, today=TODAY).failed == 1
    [delivery] = hook.deliveries
    assert "2002:7f00:1::1" in delivery.last_error


def test_ssrf_guard_accepts_a_public_https_target():
    target = outbound.check_url("https://hooks.example.com:8443/in?x=1",
                                resolver=resolver_for({"hooks.example.com": ["93.184.216.34"]}))
    assert (target.address, target.port, target.path) == ("93.184.216.34", 8443, "/in?x=1")


def test_a_redirect_to_a_private_address_is_refused(monkeypatch):
    class Redirecting:
        status = 302

        def __init__(self, *args, **kwargs):
            self.requests = []

        def request(self, *args, **kwargs):
            pass

        def getresponse(self):
            return self

        def read(self, n):
            return b""

        def getheader(self, name):
            return "https://internal.example/admin" if name == "Location" else None

        def close(self):
            pass

    monkeypatch.setattr(outbound, "_PinnedHTTPSConnection", Redirecting)
    resolver = resolver_for({"hooks.example.com": ["93.184.216.34"],
                             "internal.example": ["10.0.0.7"]})
    with pytest.raises(outbound.UnsafeAddressError, match="redirect to https://internal.example"
                       "/admin refused: internal.example resolves to 10.0.0.7"):
        outbound.post_json("https://hooks.example.com/in", b"{}", {}, resolver=resolver)


def test_a_name_that_starts_resolving_privately_is_refused_at_delivery(app, make_certificate,
                                                                       mails, monkeypatch):
    cert = make_certificate()
    app.config["WEBHOOK_ALLOW_PRIVATE_FOR_TESTS"] = False
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.216.34"])
    hook = webhook_service.register(organisation="x", email="a@b.example",
                                    url="https://hooks.example.com/in", numbers=[], lang="en",
                                    now=NOW)
    webhook_service.confirm(mails[-1]["body"].split("/webhooks/")[1].split("/confirm")[0],
                            now=NOW)
    suspend(cert)
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["10.9.9.9"])  # DNS rebinding
    assert webhook_service.run(now=NOW, today=TODAY).failed == 1
    [delivery] = hook.deliveries
    assert delivery.last_error.startswith("refused: hooks.example.com resolves to 10.9.9.9")


def test_the_allowance_is_ignored_outside_tests(app):
    app.config["TESTING"] = False
    try:
        assert webhook_service.allow_private() is False
    finally:
        app.config["TESTING"] = True


# -- pages ------------------------------------------------------------------------------------


def test_register_confirm_and_read_the_log_through_the_pages(client, make_certificate, receiver,
                                                             mails):
    cert = make_certificate()
    form = {"organisation": "采购部", "email": "it@buyer.example", "url": receiver.url,
            "numbers": f"{cert.certificate_number}\n"}
    assert client.get("/webhooks/new?lang=en").status_code == 200
    response = client.post("/webhooks/new?lang=en", data=form)
    assert response.status_code == 200 and "Check your e-mail" in response.text
    [message] = mails
    confirm = "/webhooks/" + message["body"].split("/webhooks/", 1)[1].split()[0]
    page = client.get(confirm + "?lang=en")
    assert page.status_code == 200 and "whsec_" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    suspend(cert)
    webhook_service.run(now=NOW, today=TODAY)
    manage = confirm.removesuffix("/confirm")
    log = client.get(manage + "?lang=en").text
    assert "Delivered" in log and "evt_" in log
    assert client.post(manage + "?lang=en").status_code == 200  # switch off
    suspend(make_certificate(), day=26)
    assert webhook_service.run(now=NOW, today=TODAY).queued == 0


def test_private_or_plain_http_url_is_refused_on_the_form(client, mails, app):
    app.config["WEBHOOK_ALLOW_PRIVATE_FOR_TESTS"] = False
    for url in ("https://127.0.0.1/hook", "http://example.com/hook", "https://10.0.0.8/x"):
        response = client.post("/webhooks/new?lang=en", data={
            "organisation": "x", "email": "a@b.example", "url": url})
        assert response.status_code == 400
        assert "cannot receive webhooks" in response.text
    assert mails == []


def test_staff_read_the_delivery_log(app, client, make_certificate, receiver, mails):
    from tests.staff_support import signed_in_client

    cert = make_certificate()
    hook = confirmed_hook(receiver, mails)
    suspend(cert)
    receiver.codes = [500]
    webhook_service.run(now=NOW, today=TODAY)
    assert client.get("/staff/webhooks").status_code in (302, 401)
    assert signed_in_client(app, "registrar").get("/staff/webhooks").status_code == 403
    client = signed_in_client(app, "admin")
    listing = client.get("/staff/webhooks?lang=en")
    assert listing.status_code == 200 and receiver.url in listing.text
    log = client.get(f"/staff/webhooks/{hook.id}?lang=en")
    assert "HTTP 500" in log.text and "pending" in log.text
    assert client.get("/staff/webhooks/999999").status_code == 404


def test_a_restricted_certificate_sends_status_changes_only_and_by_day(
        app, make_certificate, receiver, mails):
    """As its page, feed and watch mails (issue #13.9): a rename, scope change, renewal or
    re-issue of a restricted certificate is not announced, and no exact time is given."""
    from portal.models import EventKind
    from tests.factories import certificate_data

    cert = make_certificate(restricted=True, holder_name_zh="保密客户有限公司")
    confirmed_hook(receiver, mails, numbers=[cert.certificate_number])
    exact = datetime(2026, 11, 24, 3, 17, 41, tzinfo=UTC)
    certificate_service.update_certificate(
        cert, certificate_data(certificate_number=cert.certificate_number, restricted=True,
                               holder_name_zh="保密新名有限公司", scope_zh="新的范围",
                               expiry_date=cert.expiry_date + timedelta(days=365)),
        actor="t", now=exact, scope_change=EventKind.SCOPE_EXTENDED, reason="QXSCOPE")
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 24), reason="QXRE",
                                            actor="t", now=exact)
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 24), reason="QXSUSPEND",
                                      actor="t", now=exact)
    db.session.commit()
    webhook_service.run(now=NOW, today=TODAY)
    [payload] = receiver.payloads()
    assert payload["change"] == {"kind": "status", "status": "suspended",
                                 "effective_date": "2026-11-24"}
    text = json.dumps(payload, ensure_ascii=False)
    for hidden in ("保密", "QX", "03:17", "11:17"):
        assert hidden not in text, hidden
    assert payload["occurred_at"] == "2026-11-24T00:00:00+08:00"  # the day only, as the feed
