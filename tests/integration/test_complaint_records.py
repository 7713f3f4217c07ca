"""Complaint statistics for /transparency and the retention of personal data."""

from datetime import UTC, datetime, timedelta

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
