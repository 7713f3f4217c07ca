"""Throwaway servers for the fault tests: PostgreSQL, Redis and gunicorn, each our own.

The machine's shared PostgreSQL and Redis are never stopped: every test starts its own on a
free loopback port, breaks it, and removes it. `FAULT_TEST_PORTS=15180-15199` keeps the ports
in a range (default: any free port).
"""

import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a free loopback port (from FAULT_TEST_PORTS when set, e.g. "15180-15199")."""
    span = os.environ.get("FAULT_TEST_PORTS", "")
    candidates = [0]
    if re.fullmatch(r"\d+-\d+", span):
        low, high = map(int, span.split("-"))
        candidates = list(range(low, high + 1))
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError(f"no free port in FAULT_TEST_PORTS={span}")


def wait_for_port(port: int, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """Return the directory of initdb/pg_ctl, or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


class Postgres:
    """A PostgreSQL cluster of our own in a temporary directory (run as `postgres` if root)."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        assert bindir is not None
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=check)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB "
                   "-c max_connections=60")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l",
                  str(self.log), "-o", options)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", "fast",
                  check=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- Redis ------------------------------------------------------------------------------------


class Redis:
    """A redis-server of our own on a free port, without persistence."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        assert self.binary is not None
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


# -- the portal -------------------------------------------------------------------------------


def portal_env(tmp: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Settings of every portal process of one test."""
    return {**os.environ, "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SECRET_KEY": "fault-test",
            "PUBLIC_BASE_URL": "http://verify.example.test", "RATELIMIT_ENABLED": "false",
            "OUTBOX_DIR": str(tmp / "outbox"), "UPLOAD_DIR": str(tmp / "uploads"),
            "SMTP_HOST": "", "REDIS_URL": "", "PYTHONPATH": str(ROOT), **extra}


def portal(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a `portal` command with `env`."""
    return subprocess.run([str(BIN / "portal"), *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=300, check=check)


SEED = """
from datetime import date, datetime, UTC
from flask_migrate import upgrade
from portal import create_app
from portal.domain.records import CertificateData
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as cs
from portal.services import search
app = create_app()
with app.app_context():
    upgrade()
    for n in range({count}):
        cs.create_certificate(CertificateData(
            certificate_number=f"02725Q3{{n:04d}}R0M", scheme="QMS",
            standard="GB/T 19001-2016/ISO 9001:2015", holder_name_zh=f"上海故障测试第{{n}}有限公司",
            scope_zh="测试", issue_date=date(2025, 1, 1), expiry_date=date(2028, 1, 1),
            status=CertificateStatus.VALID), actor="test", now=datetime.now(UTC))
    db.session.commit()
    search.reindex()
"""


def number(n: int) -> str:
    return f"02725Q3{n:04d}R0M"


def seed(env: dict[str, str], count: int = 20) -> None:
    """Create the schema (migrations), `count` certificates, and the search index."""
    done = subprocess.run([sys.executable, "-c", SEED.format(count=count)], env=env, cwd=ROOT,
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"seeding failed:\n{done.stderr[-3000:]}"


@dataclass
class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` (gthread) on a free port."""

    env: dict[str, str]
    workers: int = 4
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def errors(self) -> str:
        """Return the tracebacks the workers logged (for a failing test's message)."""
        text = self.log.read_text(errors="replace") if self.log and self.log.exists() else ""
        return "\n".join(line for line in text.splitlines()
                         if "Error" in line or "Traceback" in line or "ERROR" in line)[-3000:]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
               "GUNICORN_WORKERS": str(self.workers), "GUNICORN_THREADS": "2",
               "GUNICORN_ACCESSLOG": "/dev/null"}
        folder = Path(os.environ.get("FAULT_TEST_LOGS") or Path(self.env["SEARCH_INDEX_DIR"]).parent)
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"gunicorn-{self.port}.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 90
        while len(self.worker_pids()) < self.workers or not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            status, _ = get(self.url, "/about", timeout=5)
            return status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def worker_rss_mb(self) -> dict[int, float]:
        """Return the resident memory of each worker, in MB."""
        sizes = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes[pid] = int(match.group(1)) / 1024
        return sizes

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def serving(env: dict[str, str], workers: int = 4) -> Iterator[Gunicorn]:
    server = Gunicorn(env, workers=workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# -- load -------------------------------------------------------------------------------------


def fetch(base_url: str, method: str, path: str, *, body: bytes | None = None,
          headers: dict[str, str] | None = None,
          timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """Send one request on a fresh connection; return (status, headers, body)."""
    port = int(base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content
    finally:
        conn.close()


def get(base_url: str, path: str, *, timeout: float = 30.0,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """GET `path` on a fresh connection; return (status, headers)."""
    status, response_headers, _ = fetch(base_url, "GET", path, headers=headers,
                                        timeout=timeout)
    return status, response_headers


@dataclass(frozen=True)
class Outcome:
    """One request of a load run: when it started and ended, and how it went."""

    path: str
    started: float
    ended: float
    status: int | None  # None: the connection failed
    retry_after: str | None = None
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500 and self.status != 503


class Load:
    """GET `paths` round-robin from `concurrency` threads until stopped (loopback only).

    Each request opens its own connection, so a failure belongs to the request that was in
    flight, not to an idle keep-alive connection.
    """

    def __init__(self, base_url: str, paths: Sequence[str], *, concurrency: int = 6,
                 max_seconds: float = 60.0) -> None:
        self.base_url = base_url
        self.paths = list(paths)
        self.concurrency = concurrency
        self.max_seconds = max_seconds
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _worker(self, offset: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        i = offset
        while not self._stop.is_set() and time.monotonic() < deadline:
            path = self.paths[i % len(self.paths)]
            i += self.concurrency
            started = time.monotonic()
            try:
                status, headers = get(self.base_url, path, timeout=30)
                outcome = Outcome(path, started, time.monotonic(), status,
                                  headers.get("retry-after"))
            except (OSError, http.client.HTTPException) as exc:
                outcome = Outcome(path, started, time.monotonic(), None, error=repr(exc))
            with self._lock:
                self.outcomes.append(outcome)

    def __enter__(self) -> Self:
        self._threads = [threading.Thread(target=self._worker, args=(n,), daemon=True)
                         for n in range(self.concurrency)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_for(self, count: int, *, timeout: float = 30.0) -> None:
        """Wait until `count` more requests have been answered (a busy machine is slow)."""
        with self._lock:
            target = len(self.outcomes) + count
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.outcomes) >= target:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"fewer than {count} requests answered in {timeout} s")

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.started and o.ended <= end]
