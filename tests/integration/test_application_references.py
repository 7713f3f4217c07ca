"""References SQ-YYYY-NNNNNN are sequential per year with no gaps, even under concurrency."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.domain.applications import RequestKind
from portal.extensions import db
from portal.models.application import Application, ApplicationCounter
from portal.services import applications as application_service
from portal.services import mail, uploads
from tests.application_support import CREDIT_CODE, distinct_form
from tests.complaint_support import Collect, free_port
from tests.conftest import TEST_DATABASE_URL

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
ON_POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")
PDF = uploads.CheckedFile("a.pdf", uploads.PDF, b"%PDF-1.4 %%EOF")
needs_postgres = pytest.mark.skipif(not ON_POSTGRES,
                                    reason="needs TEST_DATABASE_URL=postgresql://...")


def data(n: int = 0) -> application_service.NewApplication:
    """Return the content of an application; a different `n` is a different application."""
    return application_service.NewApplication(
        request_kind=RequestKind.APPLICATION, schemes=("QMS",),
        organisation_name_zh="上海申江精密机械有限公司", credit_code=CREDIT_CODE,
        address="上海市嘉定区墨玉路100号", headcount=50, shifts=1,
        scope=f"机械零部件加工（{n}）", contact_name="陈静", email="chen@example.com",
        phone="021-55550188")


def test_failed_filing_leaves_no_gap(app, monkeypatch):
    first = application_service.file_application(data(1), now=NOW).application.reference

    def broken_store(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(uploads, "store", broken_store)
    with pytest.raises(OSError):
        application_service.file_application(data(2), [PDF], now=NOW)
    monkeypatch.undo()
    second = application_service.file_application(data(3), now=NOW).application.reference

    assert (first, second) == ("SQ-2026-000001", "SQ-2026-000002")
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2


def test_each_year_starts_at_one(app):
    application_service.file_application(data(1), now=NOW)
    later = application_service.file_application(data(2), now=datetime(2027, 1, 4, 2, tzinfo=UTC))
    assert later.application.reference == "SQ-2027-000001"


def test_the_acknowledgement_goes_through_smtp(app, client):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        response = client.post("/apply?lang=en", data=distinct_form())
    finally:
        controller.stop()
    page = BeautifulSoup(response.text, "html.parser")
    reference = page.select_one("#reference").text
    code = page.select_one("#tracking-code").text
    [message] = handler.messages
    assert message["To"] == "chen.jing@example.com" and reference in message["Subject"]
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert f"Tracking code: {code}" in body
    assert mail.read_outbox() == []


def test_an_application_is_kept_when_the_mail_server_is_down(app, client):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = client.post("/apply?lang=en", data=distinct_form())
    assert response.status_code == 200
    assert "We could not send the acknowledgement e-mail just now" in response.text
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1


# --- PostgreSQL: many connections filing at the same moment ---------------------------------


def run_at_once(app, jobs: list[Callable[[], application_service.Filed]]) -> tuple[list, list]:
    """Run each job in a thread with its own app context (so its own connection), together."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], application_service.Filed]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                filed = job()
                with lock:
                    results.append((filed.application.reference, filed.duplicate))
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
def test_concurrent_applications_get_distinct_gap_free_references(app, monkeypatch):
    slow_store(monkeypatch, fail_every=4)  # 3 of 12 fail after taking a number
    jobs = [lambda n=n: application_service.file_application(data(n), [PDF], now=NOW)
            for n in range(12)]

    results, errors = run_at_once(app, jobs)

    assert len(errors) == 3 and all(isinstance(e, OSError) for e in errors)
    assert sorted(ref for ref, _ in results) == [f"SQ-2026-{n:06d}" for n in range(1, 10)]
    db.session.expire_all()
    assert db.session.get(ApplicationCounter, 2026).last_value == 9
    monkeypatch.undo()
    assert application_service.file_application(data(99), now=NOW).application.reference == \
        "SQ-2026-000010"


@pytest.mark.postgres
@needs_postgres
def test_numbering_without_the_counter_lock_would_collide(app, monkeypatch):
    """The control experiment: the same load breaks a max()+1 numbering."""

    def naive_next_sequence(year: int) -> int:
        last = db.session.scalar(select(func.coalesce(func.max(Application.sequence), 0))
                                 .where(Application.year == year))
        return int(last) + 1

    monkeypatch.setattr(application_service, "_next_sequence", naive_next_sequence)
    slow_store(monkeypatch)
    jobs = [lambda n=n: application_service.file_application(data(n), [PDF], now=NOW)
            for n in range(6)]

    results, errors = run_at_once(app, jobs)

    assert errors, "six filings at once should have fought over the same number"
    assert len(results) < 6


@pytest.mark.postgres
@needs_postgres
def test_a_double_click_on_postgresql_makes_one_application(app, monkeypatch):
    slow_store(monkeypatch)
    jobs = [lambda: application_service.file_application(data(1), [PDF], now=NOW)] * 4

    results, errors = run_at_once(app, jobs)

    assert errors == []
    assert {ref for ref, _ in results} == {"SQ-2026-000001"}
    assert sorted(duplicate for _, duplicate in results) == [False, True, True, True]
