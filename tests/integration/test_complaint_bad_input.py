"""Odd input on every complaint form answers with a page, never a 500 (on PostgreSQL too).

The test app propagates exceptions, so an error that would be a 500 fails the test outright.
"""

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Alert
from portal.models.complaint import Complaint, ComplaintEvent, FakeReport
from tests.complaint_support import (
    VALID_FORM,
    distinct_form,
    file_via_form,
    make_staff,
    outbox,
    sign_in,
)

ODD = ["\x00", "a\x00b", "\x1b[31m红\x7f", "\u202eevil", "😀" * 300, "x" * 20000, "%_\\",
       "' OR 1=1 --", "   ", "\r\n\r\n", "<script>alert(1)</script>"]
FAKE_REPORT = {"kind": "other", "url": "https://fake.example", "description": "A copy of us."}


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def no_nul_stored() -> bool:
    texts = [*db.session.scalars(select(Complaint.name)), *db.session.scalars(
        select(Complaint.description)), *db.session.scalars(select(ComplaintEvent.text))]
    return not any("\x00" in t for t in texts)


@pytest.mark.parametrize("field", ["kind", "about", "certificate_number", "name", "email",
                                   "phone", "subject", "description"])
def test_odd_values_in_the_complaint_form(client, field):
    for value in ODD:
        response = client.post("/complaints/new?lang=en", data=distinct_form(**{field: value}))

        assert response.status_code in (200, 400), repr(value)
    assert no_nul_stored()


@pytest.mark.parametrize("field", ["reference", "code"])
def test_odd_values_in_the_tracker(client, field):
    reference, code = file_via_form(client)
    for value in ODD:
        response = client.post("/complaints/track?lang=en",
                               data={"reference": reference, "code": code, field: value})

        assert response.status_code in (200, 400), repr(value)
        assert VALID_FORM["subject"] not in response.text


@pytest.mark.parametrize("field", ["kind", "certificate_number", "url", "description", "name",
                                   "email"])
def test_odd_values_in_the_fake_report_form(client, field):
    for value in ODD:
        response = client.post("/report-fake?lang=en", data={**FAKE_REPORT, field: value})

        assert response.status_code in (200, 400), repr(value)
    assert not any("\x00" in r.description + r.name + r.url
                   for r in db.session.scalars(select(FakeReport)))


def test_control_characters_are_removed_and_line_breaks_kept(client):
    reference, _ = file_via_form(client, name="王\x00小明\x1b", subject="证书\t范围\r\n不符",
                                 description="第一行\r\n第二行\x00\r第三行，内容足够长。")

    complaint = db.session.scalar(select(Complaint).where(Complaint.reference == reference))
    assert complaint.name == "王小明"
    assert complaint.subject == "证书 范围 不符"
    assert complaint.description == "第一行\n第二行\n第三行，内容足够长。"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "data", "message"), [
    ("/complaints/new", {"kind": "complaint_or_what"},
     {"en": "Choose complaint or appeal.", "zh": "请选择投诉或申诉。"}),
    ("/complaints/new", {"about": "the_weather"},
     {"en": "Choose what the case is about.", "zh": "请选择案件涉及的对象。"}),
    ("/report-fake", {**FAKE_REPORT, "kind": "unicorn"},
     {"en": "Choose what you suspect.", "zh": "请选择您怀疑的情况。"}),
])
def test_unknown_choices_are_explained_in_the_users_language(client, path, data, message,
                                                             lang):
    form = distinct_form(**data) if path == "/complaints/new" else data
    response = client.post(f"{path}?lang={lang}", data=form)

    assert response.status_code == 400
    summary = BeautifulSoup(response.text, "html.parser").select_one(".error-summary").text
    assert message[lang] in summary
    assert "Not a valid choice" not in summary and "不是有效的选择" not in summary
    assert ("：:" not in summary) and ("?:" not in summary)
    assert count(Complaint) == count(FakeReport) == 0


@pytest.mark.parametrize(("data", "kwargs"), [
    ({**VALID_FORM, "kind": ["complaint", "appeal"]}, {}),
    ({**VALID_FORM, "attachments": "not a file"}, {}),
    ({**VALID_FORM, "attachments": (io.BytesIO(b""), "")}, {"content_type": "multipart/form-data"}),
    ({**VALID_FORM, "attachments": (io.BytesIO(b"%PDF-1.4 %%EOF"), "\x00../../x.pdf")},
     {"content_type": "multipart/form-data"}),
    (b"kind=%ff%fe&name=%c3&email=%00", {"content_type": "application/x-www-form-urlencoded"}),
    ('{"kind": "complaint"}', {"content_type": "application/json"}),
    ("--x\r\nbroken", {"content_type": "multipart/form-data; boundary=x"}),
    ("", {"content_type": "multipart/form-data"}),  # no boundary at all
])
def test_wrong_types_and_broken_bodies_get_a_page(client, data, kwargs):
    response = client.post("/complaints/new?lang=en", data=data, **kwargs)

    assert response.status_code in (200, 400)
    assert response.mimetype == "text/html"


def test_a_photo_field_sent_twice_or_as_text_is_handled(client):
    assert client.post("/report-fake", data={**FAKE_REPORT, "photo": "text"}).status_code == 200
    response = client.post("/report-fake", data={**FAKE_REPORT, "photo": [
        (io.BytesIO(b"a"), "a.png"), (io.BytesIO(b"b"), "b.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_field_larger_than_the_form_memory_limit_gets_the_413_page(client, app):
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    response = client.post("/complaints/new?lang=en",
                           data=distinct_form(description="长" * 100_000),
                           content_type="multipart/form-data")

    assert response.status_code == 413
    assert "Too large" in response.text
    assert count(Complaint) == 0


@pytest.mark.parametrize(("path", "data"), [
    ("/complaints/new", VALID_FORM),
    ("/complaints/track", {"reference": "TS-2026-000001", "code": "AAAA-BBBB-CCCC"}),
    ("/report-fake", FAKE_REPORT),
])
def test_every_public_form_needs_its_csrf_token(csrf_app_config, path, data):
    from portal import create_app

    app = create_app(csrf_app_config)
    with app.app_context():
        db.create_all()
        response = app.test_client().post(f"{path}?lang=zh", data=data)

        assert response.status_code == 400
        assert "表单已过期，未发送任何内容" in response.text
        assert "AAAA-BBBB-CCCC" not in response.text  # a tracking code is never echoed
        assert count(Complaint) == count(FakeReport) == 0
        assert outbox() == []
        db.session.remove()
        db.drop_all()


# --- sending the same form twice -----------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_case_and_one_email(client):
    form = distinct_form()
    first = client.post("/complaints/new?lang=en", data=form)
    again = client.post("/complaints/new?lang=en", data=form)

    assert first.status_code == again.status_code == 200
    reference = BeautifulSoup(first.text, "html.parser").select_one("#reference").text
    page = BeautifulSoup(again.text, "html.parser")
    assert page.select_one("h1").text == "We already have this complaint"
    assert page.select_one("#reference").text == reference
    assert page.select_one("#tracking-code") is None  # the code is never shown twice
    assert again.headers["Cache-Control"] == "no-store"
    assert count(Complaint) == 1
    assert len(outbox()) == 1


def test_the_duplicate_page_is_in_chinese_too(client):
    form = distinct_form()
    client.post("/complaints/new", data=form)
    again = client.post("/complaints/new?lang=zh", data=form)

    assert BeautifulSoup(again.text, "html.parser").select_one("h1").text == "我们已收到这份投诉"


def test_a_changed_form_is_a_new_case(client):
    form = distinct_form()
    client.post("/complaints/new", data=form)
    client.post("/complaints/new", data={**form, "kind": "appeal"})
    client.post("/complaints/new", data={**form, "subject": "另一件事"})

    assert count(Complaint) == 3


# --- the back office ------------------------------------------------------------------------

STEPS = [("acknowledge", "acknowledge-text"), ("reject", "reject-text"),
         ("assign", "assign-handler"), ("investigate", "investigate-text"),
         ("action", "action-text"), ("note", "note-text"), ("link", "link-reference"),
         ("decide", "decide-outcome"), ("close", "close-text")]


@pytest.mark.parametrize(("step", "field"), STEPS)
def test_odd_values_in_every_staff_step(client, step, field):
    sign_in(client, make_staff("li@sqi.example"))
    reference, _ = file_via_form(client, kind="appeal")
    for value in ODD:
        response = client.post(f"/staff/complaints/{reference}/{step}?lang=en",
                               data={field: value, "action-tell_complainant": "y",
                                     "decide-note": value})
        assert response.status_code in (200, 302, 400, 409), repr(value)
    assert no_nul_stored()


def test_odd_values_when_triaging_a_report(client):
    sign_in(client, make_staff("li@sqi.example"))
    for value in ODD:
        client.post("/report-fake", data=FAKE_REPORT)
        report_id = db.session.scalar(select(func.max(FakeReport.id)))

        alert = client.post(f"/staff/fake-reports/{report_id}/alert", data={
            "alert-value": value, "alert-description_zh": value, "alert-description_en": value})
        dismiss = client.post(f"/staff/fake-reports/{report_id}/dismiss",
                              data={"dismiss-note": value})

        assert alert.status_code in (302, 400) and dismiss.status_code in (302, 400)
    assert not any("\x00" in a.value + a.description_zh for a in db.session.scalars(
        select(Alert)))
    assert not any("\x00" in r.triage_note for r in db.session.scalars(select(FakeReport)))


@pytest.mark.parametrize("url", [
    "/staff/complaints?q=%00", "/staff/complaints?q=%25%5F",
    "/staff/complaints?stage=%00&kind=zz&overdue=maybe&mine=1",
    "/staff/complaints/%00", "/staff/complaints/TS-2026-000001%27",
    "/staff/complaints/TS-2026-000001/attachments/99999999999999999999",
    "/staff/fake-reports?status=%00", "/staff/fake-reports/99999999999999999999",
    "/staff/fake-reports/99999999999999999999/photo",
])
def test_odd_staff_addresses_answer_without_error(client, url):
    sign_in(client, make_staff("li@sqi.example"))
    file_via_form(client)

    assert client.get(url).status_code in (200, 400, 404)


def test_huge_ids_in_staff_posts_are_not_found(client):
    sign_in(client, make_staff("li@sqi.example"))

    response = client.post("/staff/fake-reports/99999999999999999999/dismiss",
                           data={"dismiss-note": "x"})

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["certificate_number=%00%ff", "kind=%00", "reference=%00",
                                   "url=%00&certificate_number=" + "9" * 5000])
@pytest.mark.parametrize("path", ["/complaints/new", "/complaints/track", "/report-fake"])
def test_odd_prefill_values_are_cleaned(client, path, query):
    response = client.get(f"{path}?{query}")

    assert response.status_code == 200
    assert "\x00" not in response.text
