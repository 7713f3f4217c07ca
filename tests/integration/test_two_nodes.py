"""Scale-out: two app nodes on one PostgreSQL and one Redis stay in step (issue #14).

Each node is its own gunicorn with its own search-index directory, as on two hosts. A status
change made on node A is on node B's certificate page, API record and search results within
2 seconds, while node B serves those pages from its render cache and the shared Redis.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from bs4 import BeautifulSoup

from tests.conftest import TEST_DATABASE_URL
from tests.integration.test_search_sync import BIN, ROOT, _free_port, python

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VISIBLE_WITHIN = 2.0
NUMBER = "02725Q30001R0M"
HOLDER = "上海双节点测试电子有限公司"

SEED = f"""
from datetime import date, datetime, UTC
from sqlalchemy import text
from portal.domain.records import CertificateData
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs
db.create_all()
tables = ", ".join(f'"{{t.name}}"' for t in db.metadata.sorted_tables)
db.session.execute(text(f"TRUNCATE {{tables}} RESTART IDENTITY CASCADE"))
cs.create_certificate(CertificateData(
    certificate_number="{NUMBER}", scheme="QMS", standard="GB/T 19001-2016/ISO 9001:2015",
    holder_name_zh="{HOLDER}", scope_zh="测试", issue_date=date(2025, 1, 1),
    expiry_date=date(2030, 1, 1), status=CertificateStatus.VALID),
    actor="test", now=datetime.now(UTC))
db.session.commit()
"""
SUSPEND = f"""
from datetime import date, datetime, UTC
from portal.domain.status import CertificateStatus
from portal.services import certificates as cs, search
cert = cs.get_by_number("{NUMBER}")
cs.change_status(cert, CertificateStatus.SUSPENDED, effective=date(2026, 2, 1),
                 reason="未按期接受监督审核", actor="node-a", now=datetime.now(UTC))
db.session.commit()
search.catch_up()
"""


def _postgres_url() -> str:
    if not TEST_DATABASE_URL or not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("two nodes share one PostgreSQL: set TEST_DATABASE_URL to a PostgreSQL "
                    "database (SQLite is one file on one host)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    return TEST_DATABASE_URL


@contextmanager
def node(env: dict[str, str]) -> Iterator[str]:
    """Run one node: gunicorn, 2 workers × 2 threads; yield its address."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "/dev/null", "-w", "2", "--threads", "2",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def observed(url: str) -> dict[str, str]:
    """Return the status node `url` shows on the page, in the API and in search."""
    page = BeautifulSoup(_get(f"{url}/certificates/{NUMBER}"), "html.parser")
    record = json.loads(_get(f"{url}/api/v1/certificates/{NUMBER}"))
    found = json.loads(_get(f"{url}/api/v1/certificates?q={quote(HOLDER)}"))
    search_page = BeautifulSoup(_get(f"{url}/search?q={quote(HOLDER)}"), "html.parser")
    return {"page": page.select_one("article")["data-status"], "api": record["status"],
            "search": ",".join(r["status"] for r in found["results"]) or "none",
            "search page": ",".join(b["class"][1].removeprefix("badge--") for b in
                                    search_page.select(".result__status .badge")) or "none"}


@pytest.mark.timeout(900)  # two gunicorns boot and warm up: minutes on a busy machine
def test_a_change_on_node_a_is_on_node_b_within_two_seconds(tmp_path: Path):
    database = _postgres_url()
    base = {**os.environ, "DATABASE_URL": database, "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "two-nodes", "RATELIMIT_ENABLED": "false",
            "PUBLIC_BASE_URL": "http://verify.example.test", "PYTHONPATH": str(ROOT)}
    node_a = {**base, "SEARCH_INDEX_DIR": str(tmp_path / "node-a-index")}
    node_b = {**base, "SEARCH_INDEX_DIR": str(tmp_path / "node-b-index")}
    python(node_a, SEED)
    with node(node_a) as url_a, node(node_b) as url_b:
        for url in (url_a, url_b, url_b):  # node B twice: the second answers from its caches
            deadline = time.monotonic() + 60
            while (seen := observed(url)) != dict.fromkeys(seen, "valid"):
                assert time.monotonic() < deadline, seen  # a fresh index catches up first
                time.sleep(0.2)

        python(node_a, SUSPEND)  # a registrar's change, made on node A
        started = time.monotonic()
        while (seen := observed(url_b)) != dict.fromkeys(seen, "suspended"):
            assert time.monotonic() - started < VISIBLE_WITHIN, f"node B still shows {seen}"
            time.sleep(0.05)
        assert observed(url_a) == dict.fromkeys(seen, "suspended")
