"""Complaint statistics for /transparency and the retention of personal data."""

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.domain.complaints import ComplaintAbout, ComplaintKind
from portal.extensions import db
from portal.models import Role, User
from portal.models.complaint import Complaint
from portal.services import complaints as complaint_service
from portal.services import uploads


def officer() -> User:
    user = User(email="li@sqi.example", password_hash="x", role=Role.COMPLAINTS,
                created_at=datetime(2025, 1, 1, tzinfo=UTC))
    db.session.add(user)
    db.session.commit()
    return user


def file(at: datetime, **files) -> Complaint:
    data = complaint_service.NewComplaint(
        kind=ComplaintKind.COMPLAINT, about=ComplaintAbout.CERTIFICATION_BODY, name="张三",
        email="zhang@example.com", subject="延误", description="审核报告迟迟没有发出。")
    return complaint_service.file_complaint(data, **files, now=at).complaint


def close_case(complaint: Complaint, user: User, start: datetime, ack_days: float,
               close_days: float) -> None:
    complaint_service.acknowledge(complaint, actor=user, message="",
                                  now=start + timedelta(days=ack_days))
    complaint_service.assign_handler(complaint, user, actor=user, now=start + timedelta(days=2))
    complaint_service.start_investigation(complaint, actor=user, message="",
                                          now=start + timedelta(days=3))
    complaint_service.decide(complaint, actor=user, outcome="Upheld.", note="",
                             now=start + timedelta(days=close_days - 1))
    complaint_service.close(complaint, actor=user, message="",
                            now=start + timedelta(days=close_days))


def test_statistics_count_received_and_closed_with_medians(app):
    user = officer()
    starts = [datetime(2025, 3, 1, 2, tzinfo=UTC), datetime(2025, 5, 1, 2, tzinfo=UTC),
              datetime(2025, 12, 1, 2, tzinfo=UTC)]
    cases = [file(s) for s in starts]
    close_case(cases[0], user, starts[0], ack_days=1, close_days=20)
    close_case(cases[1], user, starts[1], ack_days=3, close_days=40)
    complaint_service.acknowledge(cases[2], actor=user, message="",
                                  now=starts[2] + timedelta(days=5))

    stats = complaint_service.complaint_statistics(2025)

    assert stats["received"] == 3
    assert stats["closed"] == 2
    assert stats["median_days_to_acknowledge"] == 3.0
    assert stats["median_days_to_close"] == 30.0


def test_statistics_of_a_year_without_cases_have_no_medians(app):
    stats = complaint_service.complaint_statistics(2019)

    assert stats == {"year": 2019, "received": 0, "closed": 0, "complaints": 0, "appeals": 0,
                     "median_days_to_acknowledge": None, "median_days_to_close": None}


def test_year_follows_shanghai_dates(app):
    file(datetime(2025, 12, 31, 17, tzinfo=UTC))  # 1 January 2026 in Shanghai

    assert complaint_service.complaint_statistics(2025)["received"] == 0
    assert complaint_service.complaint_statistics(2026)["received"] == 1
    assert db.session.scalar(select(Complaint.reference)) == "TS-2026-000001"


def test_purge_removes_personal_data_after_the_retention_period(app):
    app.config["COMPLAINT_RETENTION_DAYS"] = 365
    user = officer()
    old_start = datetime(2023, 1, 5, 2, tzinfo=UTC)
    png = uploads.CheckedFile("a.png", uploads.PNG, b"\x89PNG fake")
    old = file(old_start, files=[png])
    stored = uploads.path_of(old.attachments[0].stored_name)
    close_case(old, user, old_start, ack_days=1, close_days=10)
    recent = file(datetime(2026, 1, 5, 2, tzinfo=UTC))

    result = app.test_cli_runner().invoke(args=["purge-complaints"])

    assert result.exit_code == 0, result.output
    assert "1 closed cases" in result.output
    assert old.name == "" and old.email == "" and old.description == ""
    assert old.attachments == [] and not stored.exists()
    assert old.purged_at is not None
    assert recent.name == "张三"
    assert complaint_service.complaint_statistics(2023)["closed"] == 1  # dates are kept


def test_retention_period_follows_the_setting(app):
    user = officer()
    start = datetime.now(UTC) - timedelta(days=420)
    case = file(start)
    close_case(case, user, start, ack_days=1, close_days=20)  # closed 400 days ago

    assert complaint_service.purge_expired(now=datetime.now(UTC), actor="cli:test") == 0
    assert case.name == "张三"  # the default keeps it three years

    app.config["COMPLAINT_RETENTION_DAYS"] = 399
    assert complaint_service.purge_expired(now=datetime.now(UTC), actor="cli:test") == 1
    assert case.name == "" and case.purged_at is not None
    assert complaint_service.purge_expired(now=datetime.now(UTC), actor="cli:test") == 0


def test_nothing_anyone_wrote_about_a_purged_case_is_left(app, client):
    """Texts live in the case record only; the append-only audit log points at them."""
    from portal.models import AuditLogEntry
    from tests.complaint_support import sign_in

    app.config["COMPLAINT_RETENTION_DAYS"] = 30
    user = officer()
    sign_in(client, user)
    start = datetime.now(UTC) - timedelta(days=60)
    case = file(start)
    reference = case.reference
    complaint_service.add_note(case, actor=user, text="备注：投诉人李四的电话 139", now=start)
    complaint_service.record_action(case, actor=user, text="已致电李四。", tell_complainant=True,
                                    now=start)
    close_case(case, user, start, ack_days=1, close_days=5)
    client.post(f"/staff/complaints/{reference}/export")

    complaint_service.purge_expired(now=datetime.now(UTC), actor="cli:test")

    entries = db.session.scalars(select(AuditLogEntry).where(
        AuditLogEntry.entity_id == reference)).all()
    assert {e.action for e in entries} >= {"complaint.note", "complaint.action",
                                           "complaint.decide", "complaint.purge"}
    logged = repr([(e.before, e.after) for e in entries])
    for text in ("李四", "张三", "zhang@example.com", "审核报告", "Upheld."):
        assert text not in logged
    record = repr([(e.text, e.actor) for e in case.events])
    assert "李四" not in record and "Upheld." not in record
    note = next(e for e in entries if e.action == "complaint.note")
    assert note.after["chars"] == len("备注：投诉人李四的电话 139")


def test_purge_removes_contact_and_photo_of_old_triaged_fake_reports(app):
    from portal.domain.complaints import FakeReportKind

    app.config["COMPLAINT_RETENTION_DAYS"] = 30
    user = officer()
    photo = uploads.CheckedFile("p.png", uploads.PNG, b"\x89PNG fake")
    data = complaint_service.NewFakeReport(kind=FakeReportKind.COUNTERFEIT_CERTIFICATE,
                                           description="Fake.", certificate_number="X1",
                                           name="Informant", email="inf@example.com")
    report = complaint_service.file_fake_report(data, photo,
                                                now=datetime(2025, 1, 1, tzinfo=UTC))
    stored = uploads.path_of(report.photo_stored_name)
    complaint_service.dismiss_fake_report(report, actor=user, note="Genuine.",
                                          now=datetime(2025, 1, 2, tzinfo=UTC))

    complaint_service.purge_expired(now=datetime(2026, 1, 1, tzinfo=UTC), actor="cli:test")

    assert report.email == "" and report.name == "" and report.photo_stored_name == ""
    assert not stored.exists()
    assert report.description == "Fake."  # what was reported stays for the record


def test_overdue_command_lists_late_cases_for_cron(app):
    file(datetime.now(UTC) - timedelta(days=30))
    file(datetime.now(UTC))

    result = app.test_cli_runner().invoke(args=["overdue-complaints"])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and "\treceived\tacknowledge by" in lines[0]


def test_transparency_page_shows_the_complaint_figures(app, client):
    user = officer()
    start = datetime(2025, 3, 1, 2, tzinfo=UTC)
    close_case(file(start), user, start, ack_days=2, close_days=30)
    file(datetime(2025, 4, 1, 2, tzinfo=UTC))

    page = BeautifulSoup(client.get("/transparency?year=2025&lang=en").text, "html.parser")

    figures = {d["data-figure"]: d.select_one("dd").text for d in page.select(
        "#complaint-figures [data-figure]")}
    assert figures["received"] == "2" and figures["closed"] == "1"
    assert figures["complaints"] == "2" and figures["appeals"] == "0"
