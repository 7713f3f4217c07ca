"""gunicorn under faults: a worker killed under load, and a worker's memory under hostile input.

gunicorn runs as in production (`gunicorn.conf.py`: 4 gthread workers, 2 threads each) on a
database of its own: a throwaway PostgreSQL when the suite runs on PostgreSQL
(TEST_DATABASE_URL), otherwise a SQLite file. The load comes from a bounded number of loopback
threads, each request on a fresh connection so that a failure belongs to the request that was
in flight.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Self
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import create_engine, text

from tests import conftest
from tests.fault.servers import (
    ROOT,
    Load,
    Outcome,
    Postgres,
    fetch,
    number,
    portal,
    portal_env,
    postgres_bin,
    seed,
    serving,
)

pytestmark = pytest.mark.slow

CERTIFICATES = 20
READERS = 6
FILERS = 2
MAX_STATUS_CHANGES = 2000
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
REFERENCE = re.compile(rb'id="reference">\s*(TS-\d{4}-\d{6})\s*<')
FORM = {"kind": "complaint", "about": "certified_organization", "name": "王小明",
        "phone": "+86 21 5555 0101", "subject": "证书范围与实际生产不符"}


@pytest.fixture
def database_url(tmp_path):
    """PostgreSQL of our own when the suite runs on PostgreSQL, else a SQLite file."""
    if conftest.database_url().startswith("postgresql"):
        if postgres_bin() is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        server = Postgres()
        server.start()
        yield server.create_database("portal")
        server.remove()
    else:
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"


class Filings:
    """File complaints through /complaints/new from `threads` threads until stopped.

    Each filing is two requests (the form, for its CSRF token and session cookie; then the
    post), each on a fresh connection. `filed` holds (reference, description) of every filing
    the portal confirmed with a reference.
    """

    def __init__(self, base_url: str, *, threads: int, max_seconds: float = 60.0) -> None:
        self.base_url = base_url
        self.threads = threads
        self.max_seconds = max_seconds
        self.outcomes: list[Outcome] = []
        self.filed: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _send(self, method: str, path: str, **kwargs) -> tuple[int, dict[str, str], bytes] | None:
        started = time.monotonic()
        try:
            status, headers, body = fetch(self.base_url, method, path, **kwargs)
        except (OSError, HTTPException) as exc:
            with self._lock:
                self.outcomes.append(Outcome(f"{method} {path}", started, time.monotonic(),
                                             None, error=repr(exc)))
            return None
        with self._lock:
            self.outcomes.append(Outcome(f"{method} {path}", started, time.monotonic(), status))
        return status, headers, body

    def _file(self, thread: int, n: int) -> None:
        got = self._send("GET", "/complaints/new")
        if got is None or got[0] != 200:
            return
        _, headers, page = got
        token = CSRF.search(page)
        assert token is not None and "set-cookie" in headers, "the form has no CSRF token"
        description = f"故障测试投诉：线程 {thread} 第 {n} 份，证书范围与实际不符。"
        body = urlencode({**FORM, "email": f"filer{thread}x{n}@example.com",
                          "description": description, "csrf_token": token.group(1).decode()})
        got = self._send("POST", "/complaints/new", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": headers["set-cookie"].split(";", 1)[0]})
        if got is not None and got[0] == 200:
            found = REFERENCE.search(got[2])
            assert found is not None, got[2][:2000]
            with self._lock:
                self.filed.append((found.group(1).decode(), description))

    def _run(self, thread: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        n = 0
        while not self._stop.is_set() and time.monotonic() < deadline:
            n += 1
            self._file(thread, n)

    def __enter__(self) -> Self:
        self._workers = [threading.Thread(target=self._run, args=(t,), daemon=True)
                         for t in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)


CHANGER = """
import os, sys, time
from datetime import datetime, UTC
from sqlalchemy import select
from portal import clock, create_app
from portal.domain.status import CertificateStatus as S
from portal.extensions import db
from portal.models import Certificate
from portal.services import certificates as cs
numbers = {numbers!r}
app = create_app()
with app.app_context():
    for i in range({count}):
        if os.path.exists({stop!r}):
            break
        cert = db.session.scalar(select(Certificate).filter_by(
            certificate_number=numbers[i % len(numbers)]))
        target = S.SUSPENDED if cert.status is S.VALID else S.VALID
        cs.change_status(cert, target, effective=clock.today(), reason="故障测试",
                         actor="fault-test", now=datetime.now(UTC))
        db.session.commit()
        print(cert.certificate_number, target.value, flush=True)
        time.sleep({pause})
"""

def stored(database_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return what the database holds: status by certificate number, description by reference."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            statuses = dict(conn.execute(text(
                "SELECT certificate_number, status FROM certificates")).all())
            complaints = dict(conn.execute(text(
                "SELECT reference, description FROM complaints")).all())
    finally:
        engine.dispose()
    return statuses, complaints


def lock_holder(lock_file: Path, pids: list[int]) -> int | None:
    """Return the worker holding the search index's write lock (flock), if one does now."""
    try:
        inode = lock_file.stat().st_ino
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    for line in table.splitlines():
        parts = line.split()  # "7: FLOCK  ADVISORY  WRITE 8534 fe:00:2147653 0 EOF"
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5].endswith(f":{inode}"):
            pid = int(parts[4])
            if pid in pids:
                return pid
    return None


@pytest.mark.timeout(300)
def test_a_worker_killed_under_load_fails_only_its_own_requests_and_loses_nothing(
        database_url, tmp_path):
    env = portal_env(tmp_path, database_url)
    seed(env, count=CERTIFICATES)
    numbers = [number(n) for n in range(CERTIFICATES)]
    name_query = quote("上海故障测试")
    paths = [f"/certificates/{n}" for n in numbers[:8]]
    paths += [f"/api/v1/certificates/{n}" for n in numbers[8:16]]
    paths += [f"/search?q={name_query}", f"/api/v1/certificates?q={name_query}&per_page=50",
              f"/verify?number={numbers[16]}", "/about"]
    lock_file = Path(env["SEARCH_INDEX_DIR"]) / "MAIN_WRITELOCK"
    stop = tmp_path / "stop-changing"
    # Another process (as `portal import-certificates` or a registrar) changes statuses all
    # along: the workers keep writing the search index as they catch up.
    changer = subprocess.Popen(
        [sys.executable, "-c", CHANGER.format(numbers=numbers, count=MAX_STATUS_CHANGES,
                                              pause=0.02, stop=str(stop))],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with serving(env, workers=4) as server, \
                Load(server.url, paths, concurrency=READERS) as load, \
                Filings(server.url, threads=FILERS) as filings:
            load.wait_for(40)
            workers = server.worker_pids()
            victim, deadline = None, time.monotonic() + 15
            while victim is None and time.monotonic() < deadline:
                victim = lock_holder(lock_file, workers)  # best: one writing the index
                time.sleep(0.002)
            mid_write = victim is not None
            victim = victim or workers[0]
            killed_before = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            killed_after = time.monotonic()
            replaced = time.monotonic() + 60
            while victim in server.worker_pids() or len(server.worker_pids()) < 4:
                assert time.monotonic() < replaced, "gunicorn did not replace the worker"
                time.sleep(0.1)
            load.wait_for(60)
            stop.touch()
            out, err = changer.communicate(timeout=120)
            assert changer.returncode == 0, err[-3000:]
            errors = server.errors()
    finally:
        if changer.poll() is None:
            changer.kill()

    outcomes = load.outcomes + filings.outcomes
    failed = [o for o in outcomes if o.status is None or o.status >= 500]
    in_flight = [o for o in outcomes if o.started <= killed_after and o.ended >= killed_before]
    print(f"\n{len(outcomes)} requests ({len(filings.filed)} complaints filed) from "
          f"{READERS + FILERS} threads, {len(out.splitlines())} status changes by another "
          f"process; worker {victim} killed "
          f"{'while writing the search index' if mid_write else '(none was writing the index)'}"
          f"; {len(in_flight)} requests in flight then, {len(failed)} failed")
    assert all(o.started <= killed_after for o in failed), \
        ([o for o in failed if o.started > killed_after][:5], errors)
    assert all(o.status is None for o in failed), (failed[:5], errors)  # no 5xx, only drops
    assert len(failed) <= READERS + FILERS
    assert filings.filed, "no complaint was filed"

    # No lost change: every confirmed complaint and every committed status change is stored.
    statuses, complaints = stored(database_url)
    for reference, description in filings.filed:
        assert complaints.get(reference) == description, reference
    last = dict(line.split() for line in out.splitlines())
    assert last, err[-3000:]
    assert all(statuses[n] == status for n, status in last.items())

    # The index killed mid-write (or not) matches the database.
    checked = portal(env, "check-index", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"matches the database ({CERTIFICATES} certificates)" in checked.stdout


# -- a worker's memory under hostile input ------------------------------------------------------

# The bound a worker stays under while it answers every hostile input of tests/fault/hostile.py:
# its peak resident memory (the kernel's high-water mark, VmHWM, so a spike between two samples
# counts) may grow at most this much above what it held once it had answered ordinary pages.
# Before the streaming spreadsheet reader, one 1.6 KB workbook took a worker from 357 MB to
# 2.7 GB; a 7000 × 7000 PNG cost 240 MB per upload.
MAX_WORKER_GROWTH_MB = 64
HOSTILE_THREADS = 4


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert match, status
    return int(match.group(1)) / 1024


def _wire(probe) -> tuple[bytes | None, dict[str, str]]:
    """Encode a probe's body and headers as Werkzeug's test client would send them."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(method=probe.method, data=probe.data,
                             content_type=probe.content_type)
    try:
        environ = builder.get_environ()
        body = environ["wsgi.input"].read()
    finally:
        builder.close()
    headers = dict(probe.headers)
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    if body:
        headers["Content-Length"] = str(len(body))
    return body or None, headers


def _answer(port: int, method: str, url: str, body: bytes | None,
            headers: dict[str, str]) -> tuple[int, str]:
    """Send one request; return its status and Retry-After.

    A server may answer (413, 400) and close before a large body is all sent: the answer is
    still read, as a browser would, rather than counted as a failure.
    """
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        try:
            conn.request(method, url, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After") or ""
    finally:
        conn.close()


@pytest.mark.timeout(1200)
def test_no_worker_grows_past_its_memory_bound_under_every_hostile_input(app, database_url,
                                                                         tmp_path):
    from tests.fault.hostile import probes_for
    from tests.fault.test_hostile_inputs import MIN_PROBES_PER_ROUTE, public_routes

    env = portal_env(tmp_path, database_url, GUNICORN_MAX_REQUESTS="0")  # no recycling
    seed(env, count=CERTIFICATES)
    probes = [probe for offset, (rule, methods) in enumerate(public_routes(app))
              for probe in probes_for(rule, methods, count=MIN_PROBES_PER_ROUTE,
                                      offset=offset)]
    ordinary = [f"/certificates/{number(1)}", f"/api/v1/certificates/{number(2)}",
                f"/search?q={quote('故障测试')}", "/verify-list", "/scan", "/complaints/new",
                "/apply", "/register.csv", "/about", "/"]
    outcomes: list[tuple[str, int | None, str]] = []
    lock = threading.Lock()

    def send(chunk) -> None:
        for probe in chunk:
            body, headers = _wire(probe)
            try:
                status, note = _answer(server.port, probe.method, probe.url, body, headers)
            except (OSError, HTTPException) as error:
                status, note = None, repr(error)
            with lock:
                outcomes.append((probe.describe(), status, note))

    with serving(env, workers=4) as server:
        workers = sorted(server.worker_pids())
        for _ in range(3):  # every worker has answered ordinary pages: its working size
            for path in ordinary:
                for _ in workers:
                    fetch(server.url, "GET", path)
        settled = {pid: _peak_rss_mb(pid) for pid in workers}
        threads = [threading.Thread(target=send, args=(probes[i::HOSTILE_THREADS],))
                   for i in range(HOSTILE_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        peaks = {pid: _peak_rss_mb(pid) for pid in workers}
        after = sorted(server.worker_pids())
        errors = server.errors()

    growth = {pid: peaks[pid] - settled[pid] for pid in workers}
    print(f"\n{len(outcomes)} hostile requests from {HOSTILE_THREADS} threads to 4 workers; "
          "peak resident memory per worker (MB): "
          + ", ".join(f"{settled[p]:.0f} → {peaks[p]:.0f}" for p in workers))
    assert len(outcomes) == len(probes)
    assert after == workers, "a worker died or was replaced (out of memory, or timed out)"
    crashed = [o for o in outcomes if o[1] is None or o[1] == 500 or o[1] > 503
               or (o[1] == 503 and not o[2])]
    assert not crashed, (crashed[:20], errors)  # 503 only with Retry-After (busy /scan)
    assert max(growth.values()) <= MAX_WORKER_GROWTH_MB, (growth, settled, peaks)
