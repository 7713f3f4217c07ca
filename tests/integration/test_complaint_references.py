"""References TS-YYYY-NNNNNN are sequential per year with no gaps, even under concurrency."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.domain.complaints import ComplaintAbout, ComplaintKind
from portal.extensions import db
from portal.models.complaint import Complaint, ComplaintCounter
from portal.services import complaints as complaint_service
from portal.services import uploads
from portal.services.complaints import filing as complaint_filing
from tests.conftest import TEST_DATABASE_URL

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
ON_POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")
PDF = uploads.CheckedFile("a.pdf", uploads.PDF, b"%PDF-1.4 %%EOF")
needs_postgres = pytest.mark.skipif(not ON_POSTGRES,
                                    reason="needs TEST_DATABASE_URL=postgresql://...")


def data(n: int = 0) -> complaint_service.NewComplaint:
    """Return the content of a filing; a different `n` is a different case."""
    return complaint_service.NewComplaint(
        kind=ComplaintKind.COMPLAINT, about=ComplaintAbout.CERTIFICATION_BODY, name="Li Lei",
        email="li@example.com", subject="Delay",
        description=f"The audit report never arrived (letter {n}).")


def test_failed_filing_leaves_no_gap(app, monkeypatch):
    first = complaint_service.file_complaint(data(1), now=NOW).complaint.reference

    def broken_store(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(uploads, "store", broken_store)
    with pytest.raises(OSError):
        complaint_service.file_complaint(data(2), [PDF], now=NOW)
    monkeypatch.undo()
    second = complaint_service.file_complaint(data(3), now=NOW).complaint.reference

    assert (first, second) == ("TS-2026-000001", "TS-2026-000002")
    assert len(db.session.scalars(select(Complaint)).all()) == 2


def test_files_stored_before_a_failure_are_removed(app, monkeypatch):
    real_store = uploads.store
    stored: list[str] = []

    def store_once_then_fail(file, *, folder):
        if stored:
            raise OSError("disk full")
        stored.append(real_store(file, folder=folder))
        return stored[-1]

    monkeypatch.setattr(uploads, "store", store_once_then_fail)
    with pytest.raises(OSError):
        complaint_service.file_complaint(data(1), [PDF, PDF], now=NOW)

    assert len(stored) == 1 and not uploads.path_of(stored[0]).exists()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_each_year_starts_at_one(app):
    complaint_service.file_complaint(data(1), now=NOW)
    next_year = complaint_service.file_complaint(data(2),
                                                 now=datetime(2027, 1, 4, 2, tzinfo=UTC))

    assert next_year.complaint.reference == "TS-2027-000001"


def test_the_same_form_filed_twice_is_one_case_and_leaves_no_gap(app):
    first = complaint_service.file_complaint(data(1), [PDF], now=NOW)
    again = complaint_service.file_complaint(data(1), [PDF], now=NOW.replace(minute=5))
    other = complaint_service.file_complaint(data(2), now=NOW.replace(minute=6))

    assert again.duplicate and not first.duplicate
    assert again.complaint.reference == first.complaint.reference == "TS-2026-000001"
    assert again.tracking_code == "" and not again.mail_sent
    assert other.complaint.reference == "TS-2026-000002"
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2
    assert len(first.complaint.attachments) == 1


def test_the_same_text_an_hour_later_is_a_new_case(app):
    complaint_service.file_complaint(data(1), now=NOW)
    later = complaint_service.file_complaint(data(1), now=NOW.replace(hour=3, minute=1))

    assert not later.duplicate and later.complaint.reference == "TS-2026-000002"


# --- PostgreSQL: many processes' worth of connections filing at the same moment -------------


def run_at_once(app, jobs: list[Callable[[], complaint_service.Filed]]) -> tuple[list, list]:
    """Run each job in a thread with its own app context (so its own connection), together."""
    barrier = threading.Barrier(len(jobs))
    results: list[complaint_service.Filed] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], complaint_service.Filed]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                filed = job()
                with lock:
                    results.append((filed.complaint.reference, filed.duplicate))
            except BaseException as exc:  # noqa: BLE001 - reported by the caller
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def slow_store(monkeypatch, *, fail_every: int = 0) -> None:
    """Keep each filing's transaction open a while (and fail some) while it stores its file."""
    real_store = uploads.store
    calls = iter(range(1, 1000))
    lock = threading.Lock()

    def store(file, *, folder):
        with lock:
            n = next(calls)
        time.sleep(0.1)
        if fail_every and n % fail_every == 0:
            raise OSError("disk full")
        return real_store(file, folder=folder)

    monkeypatch.setattr(uploads, "store", store)


@pytest.mark.postgres
@needs_postgres
def test_concurrent_filings_get_distinct_gap_free_references(app, monkeypatch):
    slow_store(monkeypatch, fail_every=4)  # 3 of 12 fail after taking a number
    jobs = [lambda n=n: complaint_service.file_complaint(data(n), [PDF], now=NOW)
            for n in range(12)]

    results, errors = run_at_once(app, jobs)

    assert len(errors) == 3 and all(isinstance(e, OSError) for e in errors)
    assert sorted(ref for ref, _ in results) == [f"TS-2026-{n:06d}" for n in range(1, 10)]
    db.session.expire_all()
    assert db.session.get(ComplaintCounter, 2026).last_value == 9
    monkeypatch.undo()
    assert complaint_service.file_complaint(data(99), now=NOW).complaint.reference == \
        "TS-2026-000010"


@pytest.mark.postgres
@needs_postgres
def test_numbering_without_the_counter_lock_would_collide(app, monkeypatch):
    """The control experiment: the same load breaks a max()+1 numbering, so the test above
    really runs the filings at the same time."""

    def naive_next_sequence(year: int) -> int:
        last = db.session.scalar(select(func.coalesce(func.max(Complaint.sequence), 0))
                                 .where(Complaint.year == year))
        return int(last) + 1

    monkeypatch.setattr(complaint_filing, "_next_sequence", naive_next_sequence)
    slow_store(monkeypatch)
    jobs = [lambda n=n: complaint_service.file_complaint(data(n), [PDF], now=NOW)
            for n in range(6)]

    results, errors = run_at_once(app, jobs)

    assert errors, "six filings at once should have fought over the same number"
    assert len(results) < 6


@pytest.mark.postgres
@needs_postgres
def test_a_double_click_on_postgresql_makes_one_case(app, monkeypatch):
    slow_store(monkeypatch)
    jobs = [lambda: complaint_service.file_complaint(data(1), [PDF], now=NOW)] * 4

    results, errors = run_at_once(app, jobs)

    assert errors == []
    assert {ref for ref, _ in results} == {"TS-2026-000001"}
    assert sorted(duplicate for _, duplicate in results) == [False, True, True, True]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
    monkeypatch.undo()
    assert complaint_service.file_complaint(data(2), now=NOW).complaint.reference == \
        "TS-2026-000002"
