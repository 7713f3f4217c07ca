"""Issue #11: no public output of a restricted certificate holds any of its hidden values.

Every hidden field of one restricted certificate is a unique marker; its history holds a
rename, a scope change, a renewal, a re-issue and a suspension, each with a marked reason and
an exact time. Then every public output is rendered, in Chinese and English, and searched.
"""

import html
import io
import re
import zipfile
from datetime import UTC, date, datetime
from urllib.parse import quote, urlsplit

import pytest

from portal.domain.codes import make_credit_code
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import EventKind
from portal.services import certificates as certificate_service
from portal.services import watch as watch_service
from tests.factories import certificate_data
from tests.qr_support import decode_png, decode_svg

NUMBER = "02725Q77777R1M"
CODE = make_credit_code("91310115MAQXQX7Q7")
OLD_NAME = "保密旧名QXOLDNAME有限公司"
MARKERS = {
    "holder_name_zh": "保密QXNAMEZH控股有限公司",
    "holder_name_en": "QXNAMEEN Holdings Co., Ltd.",
    "address_zh": "上海市QXADDRZH路1号",
    "address_en": "1 QXADDREN Road, Shanghai",
    "credit_code": CODE,
    "scope_zh": "QXSCOPEZH设备的制造",
    "scope_en": "Manufacture of QXSCOPEEN equipment",
    "city": "QXCITY市",
}
SITE = "QXSITE分厂，上海市闵行区2号"
REASONS = ("QXREASONSUSPEND", "QXREASONSCOPE", "QXREASONREISSUE")
# Times of the hidden changes (UTC) and as they read in China Standard Time.
TIMES = [datetime(2026, 11, 24, 3, 17, 41, tzinfo=UTC), datetime(2026, 11, 24, 4, 29, 53,
                                                                  tzinfo=UTC)]
TIME_MARKS = ("03:17:41", "11:17:41", "04:29:53", "12:29:53", "03:17", "11:17", "04:29",
              "12:29")
FORBIDDEN = (*MARKERS.values(), OLD_NAME, SITE, *REASONS, "QXSITE", "QXOLDNAME", "QXNAME",
             "QXADDR", "QXSCOPE", "QXCITY", "QXREASON")


def data(**overrides):
    values = {"certificate_number": NUMBER, "restricted": True, "sites": [SITE],
              "former_names": [], "status_reason": "", **MARKERS}
    values["holder_name_zh"] = OLD_NAME
    values.update(overrides)
    return certificate_data(**values)


@pytest.fixture
def outbox(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(watch_service, "_send", lambda **message: sent.append(message))
    return sent


@pytest.fixture
def restricted(app, client, outbox):
    """A restricted certificate with a subscriber, a receipt and an old QR code."""
    cert = certificate_service.create_certificate(data(), actor="t",
                                                  now=datetime(2026, 1, 5, 2, tzinfo=UTC))
    db.session.commit()
    old_qr = urlsplit(decode_png(client.get(f"/certificates/{NUMBER}/qr.png").data)[0]).path
    client.post(f"/certificates/{NUMBER}/watch", data={"email": "buyer@example.com"})
    confirm = re.search(r"/watch/confirm/\S+", outbox[0]["body"]).group(0)
    assert client.get(confirm).status_code == 200
    receipt = client.post(f"/certificates/{NUMBER}/receipt").headers["Location"]
    # Hidden changes: a rename (the old name becomes a former name), a renewal and a scope
    # change with a reason; then a re-issue and a suspension with reasons.
    certificate_service.update_certificate(
        cert, data(holder_name_zh=MARKERS["holder_name_zh"], expiry_date=date(2031, 2, 27),
                   scope_zh=MARKERS["scope_zh"] + "和销售"),
        actor="t", now=TIMES[0], scope_change=EventKind.SCOPE_EXTENDED, reason=REASONS[1])
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 24),
                                            reason=REASONS[2], actor="t", now=TIMES[1])
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 24), reason=REASONS[0],
                                      actor="t", now=TIMES[1])
    db.session.commit()
    assert OLD_NAME in cert.former_names and cert.holder_name_zh == MARKERS["holder_name_zh"]
    assert {e.kind for e in cert.events} >= {EventKind.RENAMED, EventKind.RENEWED,
                                             EventKind.SCOPE_EXTENDED, EventKind.REISSUED}
    return {"cert": cert, "old_qr": old_qr, "receipt": receipt,
            "new_qr": urlsplit(decode_png(client.get(f"/certificates/{NUMBER}/qr.png")
                                          .data)[0]).path}


def assert_clean(label: str, text: str, *, times: bool = False) -> None:
    found = [marker for marker in FORBIDDEN if marker in text]
    assert not found, f"{label} shows {found}"
    if times:
        found = [mark for mark in TIME_MARKS if mark in text]
        assert not found, f"{label} shows the exact time {found}"


def xlsx_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        # Character references (&#20445;) are how a writer may spell any character: unescape.
        return html.unescape("".join(book.read(name).decode("utf-8")
                                     for name in book.namelist() if name.endswith(".xml")))


def get_ok(client, path: str, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return response


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_public_output_shows_a_hidden_value_of_a_restricted_certificate(
        client, restricted, outbox, lang):
    q = {"lang": lang}
    base = f"/certificates/{NUMBER}"
    pages = {
        "certificate page": get_ok(client, base, query_string=q),
        "API record": get_ok(client, f"/api/v1{base}"),
        "certificate feed": get_ok(client, f"{base}/feed.atom", query_string=q),
        "global feed": get_ok(client, "/feed.atom", query_string=q),
        "receipt form": get_ok(client, f"{base}/receipt", query_string=q),
        "reopened receipt": get_ok(client, restricted["receipt"], query_string=q),
        "badge": get_ok(client, f"{base}/badge.svg", query_string={"lang": lang}),
        "QR landing (stale copy)": get_ok(client, restricted["old_qr"], query_string=q),
        "QR landing (current copy)": get_ok(client, restricted["new_qr"], query_string=q),
        "QR SVG": get_ok(client, f"{base}/qr.svg"),
        "watch form": get_ok(client, f"{base}/watch", query_string=q),
        "search by number": client.get("/search", query_string={"q": NUMBER, **q}),
        "API search": client.get("/api/v1/certificates", query_string={"q": CODE}),
    }
    # A search page repeats what was typed; the rest of it must be clean.
    for typed in ("QXNAMEZH", MARKERS["holder_name_zh"], CODE):
        text = client.get("/search", query_string={"q": typed, **q}).get_data(as_text=True)
        pages[f"search for {typed}"] = text.replace(typed, "").replace(quote(typed), "")
    fresh = client.post(f"{base}/receipt", query_string=q)
    pages["new receipt"] = get_ok(client, fresh.headers["Location"], query_string=q)
    pages["API batch check"] = client.post("/api/v1/certificates/verify",
                                           json={"certificate_numbers": [NUMBER]})
    listing = ("number,credit_code,name\n"
               f"{NUMBER},,\n,{CODE},\n,,{MARKERS['holder_name_zh']}\n").encode()
    for fmt in ("html", "xlsx"):
        response = client.post("/verify-list", query_string=q, data={
            "file": (io.BytesIO(listing), "list.csv"), "format": fmt},
            content_type="multipart/form-data")
        assert response.status_code == 200
        text = xlsx_text(response.data) if fmt == "xlsx" else response.get_data(as_text=True)
        # The list's own cells are echoed back as typed; the register's columns must be clean.
        pages[f"bulk check ({fmt})"] = text.replace(MARKERS["holder_name_zh"], "").replace(
            CODE, "")
        assert NUMBER in text
    for label, response in pages.items():
        text = response if isinstance(response, str) else response.get_data(as_text=True)
        assert_clean(label, text, times="feed" in label)
    # The QR images hold an address, nothing else.
    png = decode_png(get_ok(client, f"{base}/qr.png", query_string={"size": "print"}).data)
    assert_clean("QR PNG", " ".join(png) + " ".join(
        decode_svg(get_ok(client, f"{base}/qr.svg").data)))
    # Watch e-mails: the confirmation and the notification of the changes.
    assert watch_service.send_notifications(now=datetime(2026, 11, 25, tzinfo=UTC)) == 1
    assert len(outbox) == 2
    for message in outbox:
        assert_clean("watch e-mail", message["subject"] + message["body"], times=True)
    # The page, API and feed still say what the public may know.
    assert "suspended" in pages["API record"].get_json()["status"]
    assert pages["API record"].get_json()["holder_name_zh"] is None


def test_restricted_certificate_feed_lists_only_status_changes_by_day(client, restricted):
    """Issue #13.9: no renames, scope changes, renewals or re-issues, and no exact times."""
    feed = get_ok(client, f"/certificates/{NUMBER}/feed.atom?lang=en").get_data(as_text=True)
    titles = re.findall(r"<title>(.*?)</title>", feed)[1:]
    assert titles == [f"{NUMBER}: Status changed — Suspended", f"{NUMBER}: Certificate issued"]
    assert re.findall(r"<updated>(.*?)</updated>", feed) == [
        "2026-11-24T00:00:00+08:00", "2026-11-24T00:00:00+08:00", "2019-03-01T00:00:00+08:00"]


def test_restricted_certificate_watch_mail_lists_only_status_changes(restricted, outbox):
    """Issue #13.9: the watcher learns of the suspension, not of the hidden changes."""
    assert watch_service.send_notifications(now=datetime(2026, 11, 25, tzinfo=UTC)) == 1
    body = outbox[-1]["body"]
    assert re.findall(r"^- .*$", body, flags=re.MULTILINE) == ["- 2026-11-24: 状态变更 — 暂停"]
