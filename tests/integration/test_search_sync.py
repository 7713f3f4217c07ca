"""Search stays in step with the database across real processes (docs/contract.md §8).

Real gunicorn with 4 workers on a file SQLite database: a status change committed by the CLI,
or by another process, is searchable from every worker within 2 seconds; a writer killed in
the middle of an index update loses nothing and `portal check-index` is clean afterwards.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
VISIBLE_WITHIN = 2.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Settings of every process: one file database and one index directory."""
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "search-index"), "SECRET_KEY": "sync-test",
            "RATELIMIT_ENABLED": "false", "PYTHONPATH": str(ROOT)}


def python(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh process with the portal app context pushed."""
    prelude = ("from portal import create_app\nfrom portal.extensions import db\n"
               "app = create_app()\nctx = app.app_context()\nctx.push()\n")
    return subprocess.run([PYTHON, "-c", prelude + code], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=120, check=True)


def portal(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "portal"), *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=300, check=check)


SEED = """
from datetime import date, datetime, UTC
from portal.domain.records import CertificateData
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs
db.create_all()
for n, name in ((1, "上海同步测试电子有限公司"), (2, "苏州同步测试机械有限公司")):
    cs.create_certificate(CertificateData(
        certificate_number=f"02725Q2000{n}R0M", scheme="QMS",
        standard="GB/T 19001-2016/ISO 9001:2015", holder_name_zh=name, scope_zh="测试",
        issue_date=date(2025, 1, 1), expiry_date=date(2028, 1, 1),
        status=CertificateStatus.VALID), actor="test", now=datetime.now(UTC))
db.session.commit()
"""


@pytest.fixture
def seeded(env: dict[str, str]) -> dict[str, str]:
    python(env, SEED)
    return env


@pytest.fixture
def gunicorn(seeded: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve the portal with 4 workers; the access log names the worker of each request."""
    port = _free_port()
    log = tmp_path / "access.log"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "/dev/null", "-w", "4", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(q)s", "wsgi:app"],
        env=seeded, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def statuses_by_worker(url: str, log: Path, probes: int = 48) -> dict[str, set[str]]:
    """Search from many concurrent requests; return the statuses each worker answered."""
    start = int(time.time() * 1000)

    def probe(i: int) -> tuple[str, str]:
        tag = f"p{start}x{i}"
        with urllib.request.urlopen(f"{url}/api/v1/certificates?q=%E4%B8%8A%E6%B5%B7%E5%90%8C"
                                    f"%E6%AD%A5%E6%B5%8B%E8%AF%95&probe={tag}", timeout=10) as r:
            body = json.load(r)
        return tag, ",".join(x["status"] for x in body["results"]) or "none"

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(pool.map(probe, range(probes)))
    time.sleep(0.3)  # let gunicorn flush the access log
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        pid, _, query = line.partition(" ")
        tag = query.rpartition("probe=")[2]
        if tag in answers:
            seen.setdefault(pid, set()).add(answers[tag])
    return seen


def wait_until_all_workers_answer(url: str, log: Path, expected: str, within: float) -> float:
    """Return how long it took until every worker answered `expected` (fail after `within`)."""
    started = time.monotonic()
    while True:
        seen = statuses_by_worker(url, log)
        if len(seen) == 4 and all(s == {expected} for s in seen.values()):
            return time.monotonic() - started
        if time.monotonic() - started > within:
            pytest.fail(f"after {within} s workers still answer {seen}")


def export_with_status(env: dict[str, str], tmp_path: Path, number: str, status: str) -> Path:
    exported = tmp_path / "export.csv"
    portal(env, "export-certificates", str(exported))
    rows = list(csv.DictReader(exported.open(encoding="utf-8-sig")))
    row = next(r for r in rows if r["certificate_number"] == number)
    row.update(status=status, status_date="2026-01-05", status_reason="未按期接受监督审核")
    changed = tmp_path / "change.csv"
    with changed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(row)
    return changed


def test_every_worker_sees_a_change_from_the_cli_and_from_another_process(gunicorn, seeded,
                                                                         tmp_path):
    url, log = gunicorn
    wait_until_all_workers_answer(url, log, "valid", within=30)  # every worker opened the index

    portal(seeded, "import-certificates", str(export_with_status(seeded, tmp_path,
                                                                  "02725Q20001R0M", "suspended")))
    took = wait_until_all_workers_answer(url, log, "suspended", within=VISIBLE_WITHIN + 1.0)
    assert took <= VISIBLE_WITHIN

    python(seeded, """
from datetime import date, datetime, UTC
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs
cert = cs.get_by_number("02725Q20001R0M")
cs.change_status(cert, CertificateStatus.WITHDRAWN, effective=date(2026, 2, 1),
                 reason="暂停期满未恢复", actor="other-process", now=datetime.now(UTC))
db.session.commit()
""")
    took = wait_until_all_workers_answer(url, log, "withdrawn", within=VISIBLE_WITHIN + 1.0)
    assert took <= VISIBLE_WITHIN
    assert portal(seeded, "check-index", "--no-catch-up").returncode == 0


KILLED_WRITER = """
import sys, time
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs, search
from search_index import Batch
search.catch_up()                       # the index holds both certificates
cert = cs.get_by_number("02725Q20002R0M")
cs.change_status(cert, CertificateStatus.SUSPENDED, effective=cert.issue_date,
                 reason="test", actor="test", now=cert.updated_at)
db.session.commit()                     # committed to the database and the change log

def stall(self, state):                 # the documents are written; die before the commit
    print("writing", flush=True)
    time.sleep(120)

Batch.set_state = stall
search.apply_changes(timeout=5)
"""


def test_a_writer_killed_mid_update_loses_nothing(seeded):
    prelude = ("from portal import create_app\nfrom portal.extensions import db\n"
               "app = create_app()\nctx = app.app_context()\nctx.push()\n")
    writer = subprocess.Popen([PYTHON, "-c", prelude + KILLED_WRITER], env=seeded, cwd=ROOT,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.kill()
        writer.wait(timeout=10)

    before = portal(seeded, "check-index", "--no-catch-up", check=False)
    assert before.returncode == 1 and "outdated: 02725Q20002R0M" in before.stdout

    after = portal(seeded, "check-index")  # catches up like any process, then compares
    assert "applied 1 pending changes" in after.stdout
    assert "matches the database (2 certificates)" in after.stdout
    found = python(seeded, """
from datetime import date
from portal.services import search
page = search.search(search.SearchRequest(q="同步测试", status="suspended"), today=date.today())
print([h.certificate.certificate_number for h in page.hits])
""")
    assert found.stdout.strip() == "['02725Q20002R0M']"
