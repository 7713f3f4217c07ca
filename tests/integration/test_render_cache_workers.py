"""The render cache never serves a stale status across real worker processes (issue #14).

Real gunicorn with 4 workers, each with its own cache of the certificate page, API record and
search answers (HTML and API).
Once every worker holds the page, a status change committed by another process is what the
very next request shows, whichever worker answers it.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.integration.test_search_sync import BIN, ROOT, SEED, _free_port, python

pytestmark = pytest.mark.slow

NUMBER = "02725Q20001R0M"
WORKERS = 4


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
           "SEARCH_INDEX_DIR": str(tmp_path / "search-index"), "SECRET_KEY": "cache-test",
           "RATELIMIT_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)  # per-worker caches only: the hardest case for staleness
    python(env, SEED)
    port = _free_port()
    log = tmp_path / "access.log"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "/dev/null", "-w", str(WORKERS), "--threads", "2",
         "-b", f"127.0.0.1:{port}", "--access-logfile", str(log),
         "--access-logformat", "%(p)s %({x-probe}i)s", "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        yield url, log, env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(path: str, body: bytes) -> str:
    if path.startswith("/api/v1/certificates?"):
        results = json.loads(body)["results"]
        return results[0]["status"] if results else "not found yet"
    if path.startswith("/api/"):
        return json.loads(body)["status"]
    if path.startswith("/search"):
        badge = BeautifulSoup(body, "html.parser").select_one(".result .badge")
        if badge is None:
            return "not found yet"
        return next(c.removeprefix("badge--") for c in badge["class"] if c != "badge")
    return BeautifulSoup(body, "html.parser").select_one("article")["data-status"]


def statuses_by_worker(url: str, log: Path, path: str, probes: int = 40) -> dict[str, set[str]]:
    """GET `path` from many concurrent clients; return the statuses each worker answered."""
    start = int(time.time() * 1000)

    def probe(i: int) -> tuple[str, str]:
        tag = f"p{start}x{i}"
        request = urllib.request.Request(url + path, headers={"X-Probe": tag})
        with urllib.request.urlopen(request, timeout=10) as response:
            return tag, _status(path, response.read())

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(pool.map(probe, range(probes)))
    time.sleep(0.3)  # let gunicorn flush the access log
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        pid, _, tag = line.partition(" ")
        if tag in answers:
            seen.setdefault(pid, set()).add(answers[tag])
    return seen


@pytest.mark.parametrize("path", [f"/certificates/{NUMBER}", f"/api/v1/certificates/{NUMBER}",
                                  "/search?q=%E5%90%8C%E6%AD%A5%E6%B5%8B%E8%AF%95%E7%94%B5%E5%AD%90",
                                  f"/api/v1/certificates?q={NUMBER}"])
def test_a_change_is_seen_by_the_next_request_on_every_worker(served, path):
    url, log, env = served
    cached: set[str] = set()
    deadline = time.monotonic() + 60
    while len(cached) < WORKERS:  # until every worker has rendered (and cached) the page
        seen = statuses_by_worker(url, log, path)
        # A worker's first searches may run before its index caught up with the seed
        # (another worker holds the index lock): "within 2 s", as test_search_sync shows.
        assert all(s <= {"valid", "not found yet"} for s in seen.values()), seen
        cached |= {pid for pid, answers in seen.items() if answers == {"valid"}}
        assert time.monotonic() < deadline, f"only workers {cached} answered"

    python(env, f"""
from datetime import date, datetime, UTC
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs
cert = cs.get_by_number("{NUMBER}")
cs.change_status(cert, CertificateStatus.SUSPENDED, effective=date(2026, 2, 1),
                 reason="未按期接受监督审核", actor="other-process", now=datetime.now(UTC))
db.session.commit()
""")
    seen = statuses_by_worker(url, log, path)  # the very next requests, no waiting
    assert seen and all(s == {"suspended"} for s in seen.values()), seen
    assert len(seen) >= 2, f"the probes reached only {sorted(seen)}"
