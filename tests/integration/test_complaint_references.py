"""References TS-YYYY-NNNNNN are sequential per year with no gaps, even under concurrency."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.domain.complaints import ComplaintAbout, ComplaintKind
from portal.extensions import db
from portal.models.complaint import Complaint
from portal.services import complaints as complaint_service
from portal.services import uploads
from tests.conftest import TEST_DATABASE_URL

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
DATA = complaint_service.NewComplaint(
    kind=ComplaintKind.COMPLAINT, about=ComplaintAbout.CERTIFICATION_BODY, name="Li Lei",
    email="li@example.com", subject="Delay", description="The audit report never arrived.")
ON_POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")


def test_failed_filing_leaves_no_gap(app, monkeypatch):
    first = complaint_service.file_complaint(DATA, now=NOW).complaint.reference

    def broken_store(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(uploads, "store", broken_store)
    with pytest.raises(OSError):
        complaint_service.file_complaint(
            DATA, [uploads.CheckedFile("a.pdf", uploads.PDF, b"%PDF-1.4 %%EOF")], now=NOW)
    monkeypatch.undo()
    second = complaint_service.file_complaint(DATA, now=NOW).complaint.reference

    assert (first, second) == ("TS-2026-000001", "TS-2026-000002")
    assert len(db.session.scalars(select(Complaint)).all()) == 2


def test_each_year_starts_at_one(app):
    complaint_service.file_complaint(DATA, now=NOW)
    next_year = complaint_service.file_complaint(DATA, now=datetime(2027, 1, 4, 2, tzinfo=UTC))

    assert next_year.complaint.reference == "TS-2027-000001"


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL=postgresql://...")
def test_concurrent_filings_get_distinct_gap_free_references(app):
    workers = 12
    barrier = threading.Barrier(workers)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def file_one() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                filed = complaint_service.file_complaint(DATA, now=NOW)
                with lock:
                    references.append(filed.complaint.reference)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_one) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(references) == [f"TS-2026-{n:06d}" for n in range(1, workers + 1)]
