"""Issue #14's table: public pages under wrk beside a hello-world Flask app, in one run.

`python -m benchmarks wrk` (or `make bench-http`, which also writes the table into
docs/performance.md). Both apps run under `gunicorn.conf.py` with 4
workers × 2 threads; wrk drives each row for 10 s over 16 keep-alive connections on loopback.
The portal reads 100,000 certificates from PostgreSQL (`BENCH_DATABASE_URL`, default the
scratch database `portal_bench` on 127.0.0.1; it is filled once with the rows of
bench_import and reused while it holds them), rate limits off, with the shared render cache
in Redis as in production when `BENCH_REDIS_URL` (default: the local Redis, db 15) answers.
The hello app is measured before and after the portal rows and the ratios use the mean of the
two, so a machine shared with other work is judged fairly.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from benchmarks.gunicorn_server import ROOT, free_port, wait_until_up
from benchmarks.processes import portal, python

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/portal_bench")
# Production runs with Redis (docs/operating.md, deploying): the render cache is shared by every worker,
# so a page is rendered once, not once per worker. BENCH_REDIS_URL=none measures without it.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
# A search index kept between runs (rebuilding 100,000 documents takes minutes).
INDEX_DIR = os.environ.get("BENCH_SEARCH_INDEX_DIR", "")
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "16"))
SAMPLE = 200  # certificate numbers spread over the register, requested round-robin
FRAGMENTS = ("上海", "苏州", "杭州", "深圳", "华信", "精密")  # two-character searches
TABLE_PAGE = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench-http:begin -->", "<!-- bench-http:end -->"
HELLO = "from flask import Flask\napp = Flask(__name__)\n\n\n@app.get('/')\ndef hello():\n" \
        "    return 'Hello, World!'\n"
# Goals of the issue: share of the hello app's req/s and p99 ceiling in ms.
GOALS = {"page": (0.50, 50.0), "api": (0.50, 50.0), "api-search": (0.25, 100.0),
         "search": (0.25, 100.0)}
LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%.6f %%.1f %%.1f %%d\\n", summary.requests,
      summary.duration / 1e6, latency:percentile(50), latency:percentile(99), bad))
end
"""


@dataclass(frozen=True)
class Row:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(base: str, paths: Sequence[str], name: str, seconds: int = SECONDS) -> Row:
    """Run wrk against `paths` round-robin; return requests/s and latency percentiles."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s",
                              script.name, base], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", out.stdout)
    if match is None:
        raise SystemExit(f"wrk gave no result:\n{out.stdout}{out.stderr}")
    requests, duration, p50, p99, errors = match.groups()
    return Row(name, int(requests) / float(duration), float(p50) / 1000, float(p99) / 1000,
               int(errors))


def redis_available(url: str) -> bool:
    """Tell whether the Redis at `url` answers (`none` or empty: measure without Redis)."""
    if not url or url == "none":
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        print(f"no Redis at {url}: measuring with per-worker caches only", flush=True)
        return False


def visit_each(base: str, paths: Sequence[str]) -> None:
    """GET every path once: with Redis, each page is then rendered and shared."""
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()


def warm_up(base: str, paths: Sequence[str], *, most: float = 120.0) -> None:
    """Drive every route until each worker has booted and answers without errors or stalls
    (a worker's first requests load templates, catalogs and the index: seconds each)."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        row = wrk(base, paths, "warm-up", seconds=3)
        if row.errors == 0 and row.p99_ms < 1000:
            return
    print("warning: the portal still stalls after two minutes of warm-up", flush=True)


class Server:
    """`gunicorn -c gunicorn.conf.py APP` with 4 workers × 2 threads on a free port."""

    def __init__(self, app: str, env: dict[str, str], cwd: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        full = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "4", "GUNICORN_THREADS": "2", "GUNICORN_ACCESSLOG": ""}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.proc = subprocess.Popen(
            [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile", "/dev/null",
             "--error-logfile", "/dev/null", app], cwd=cwd, env=full,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until_up(self.proc, self.url + ("/healthz" if app == "wsgi:app" else "/"))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _count(env: dict[str, str]) -> int:
    code = ("from portal import create_app\nfrom portal.extensions import db\n"
            "from portal.models import Certificate\n"
            "from sqlalchemy import inspect\napp = create_app()\nwith app.app_context():\n"
            "    ok = inspect(db.engine).has_table('certificates')\n"
            "    print(db.session.scalar(db.select(db.func.count()).select_from(Certificate))"
            " if ok else 0)\n")
    return int(python(env, code).strip() or 0)


def create_database(url: str) -> None:
    """Create the scratch database on its server when it does not exist yet (a new machine
    has only the server's own databases)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    target = make_url(url).set(drivername="postgresql+psycopg")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": target.database})
            if not exists:
                print(f"creating the scratch database {target.database}", flush=True)
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except OperationalError as exc:
        raise SystemExit(str(exc)) from exc
    finally:
        server.dispose()


def prepare(env: dict[str, str], folder: Path) -> None:
    """Fill the scratch database with ROWS certificates unless it already holds them."""
    create_database(env["DATABASE_URL"])
    if _count(env) == ROWS:
        print(f"reusing {ROWS:,} certificates in {DATABASE_URL}", flush=True)
        if not any(Path(env["SEARCH_INDEX_DIR"]).glob("*")):
            portal(env, "reindex")
        return
    from benchmarks.bench_import import write_csv

    print(f"loading {ROWS:,} certificates into {DATABASE_URL} (a few minutes)", flush=True)
    python(env, "from portal import create_app\nfrom portal.extensions import db\n"
                "from sqlalchemy import text\napp = create_app()\nwith app.app_context():\n"
                "    db.drop_all()\n"
                "    with db.engine.begin() as c:\n"
                "        c.execute(text('DROP TABLE IF EXISTS alembic_version'))\n")
    write_csv(folder / "certificates.csv", ROWS)
    portal(env, "init-db")
    portal(env, "import-certificates", str(folder / "certificates.csv"))
    portal(env, "reindex")


def sample_numbers(env: dict[str, str]) -> list[str]:
    code = ("from portal import create_app\nfrom portal.extensions import db\n"
            "from portal.models import Certificate\napp = create_app()\n"
            "with app.app_context():\n"
            "    rows = db.session.scalars(db.select(Certificate.certificate_number)"
            f".where(Certificate.id % {max(ROWS // SAMPLE, 1)} == 7)"
            f".order_by(Certificate.id).limit({SAMPLE})).all()\n"
            "    print('\\n'.join(rows))\n")
    return [line for line in python(env, code).splitlines() if line.strip()]


def table(rows: dict[str, Row], hello: float, hello_runs: Sequence[Row], *,
          shared: bool) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=False,
                            capture_output=True, text=True).stdout.strip() or "?"
    lines = [
        (f"Measured {started} at commit `{commit}` on {os.cpu_count()} cores, load average "
        f"after the run {load}; {ROWS:,} certificates on PostgreSQL"
        f"{', Redis (shared render cache)' if shared else ''}, gunicorn.conf.py with 4 workers × 2 threads, "
        f"rate limits off, wrk {SECONDS} s × {CONNECTIONS} connections on loopback (wrk runs on "
        f"the same cores). The hello app ran before and after the portal rows "
        f"({hello_runs[0].rps:,.0f} and {hello_runs[1].rps:,.0f} req/s); shares use the mean."),
        "",
        "| route | req/s | p50 ms | p99 ms | share of the hello app | goal | met |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        (f"| hello-world Flask app (the ceiling) | {hello:,.0f} | {hello_runs[0].p50_ms:.1f} | "
        f"{hello_runs[0].p99_ms:.0f} | 100% | | |"),
    ]
    for key, row in rows.items():
        share = row.rps / hello if hello else 0.0
        goal = GOALS.get(key)
        if goal:
            met = share >= goal[0] and row.p99_ms < goal[1]
            goal_text = f"≥ {goal[0]:.0%}, p99 < {goal[1]:.0f} ms"
            verdict = "yes" if met else "no"
        else:
            goal_text = verdict = ""
        errors = f" ({row.errors} errors)" if row.errors else ""
        lines.append(f"| {row.name}{errors} | {row.rps:,.0f} | {row.p50_ms:.1f} | "
                     f"{row.p99_ms:.0f} | {share:.1%} | {goal_text} | {verdict} |")
    return "\n".join(lines)


def write_table(text: str) -> None:
    """Put the table between the bench-http markers of docs/performance.md."""
    current = TABLE_PAGE.read_text(encoding="utf-8")
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{TABLE_PAGE}: the markers {BEGIN} and {END} are missing")
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    TABLE_PAGE.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] = ()) -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {"DATABASE_URL": DATABASE_URL,
               "SEARCH_INDEX_DIR": INDEX_DIR or str(folder / "index"),
               "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "false",
               "PUBLIC_BASE_URL": "http://127.0.0.1", "PORTAL_ENV": "development"}
        if redis_available(REDIS_URL):
            env["REDIS_URL"] = REDIS_URL
        try:
            prepare(env, folder)
        except SystemExit as exc:  # no PostgreSQL here: `make bench` goes on with the rest
            print(f"skipped: no scratch database at {DATABASE_URL}\n{str(exc)[-300:]}")
            return
        numbers = sample_numbers(env)
        (folder / "hello.py").write_text(HELLO)
        hello_runs = []
        server = Server("hello:app", {}, folder)
        try:
            warm_up(server.url, ["/"])
            hello_runs.append(wrk(server.url, ["/"], "hello"))
        finally:
            server.stop()
        print(f"hello: {hello_runs[0].rps:,.0f} req/s", flush=True)
        routes = {
            "page": ("`/certificates/<n>` (HTML)",
                     [f"/certificates/{quote(n, safe='')}" for n in numbers]),
            "api": ("`/api/v1/certificates/<n>`",
                    [f"/api/v1/certificates/{quote(n, safe='')}" for n in numbers]),
            "api-search": ("`/api/v1/certificates?q=<2-char fragment>`",
                           [f"/api/v1/certificates?q={quote(f)}" for f in FRAGMENTS]),
            "search": ("`/search?q=<2-char fragment>` (HTML)",
                       [f"/search?q={quote(f)}" for f in FRAGMENTS]),
        }
        rows: dict[str, Row] = {}
        server = Server("wsgi:app", env, ROOT)
        try:
            warm_up(server.url, [p for _, paths in routes.values() for p in paths])
            for key, (name, paths) in routes.items():
                visit_each(server.url, paths)
                wrk(server.url, paths, "warm-up", seconds=3)  # every worker has each answer
                rows[key] = wrk(server.url, paths, name)
                print(f"{name}: {rows[key].rps:,.0f} req/s, p99 {rows[key].p99_ms:.0f} ms",
                      flush=True)
        finally:
            server.stop()
        server = Server("hello:app", {}, folder)
        try:
            warm_up(server.url, ["/"])
            hello_runs.append(wrk(server.url, ["/"], "hello"))
        finally:
            server.stop()
    hello = sum(r.rps for r in hello_runs) / len(hello_runs)
    text = table(rows, hello, hello_runs, shared="REDIS_URL" in env)
    print("\n" + text)
    if "--write" in argv:
        write_table(text)
        print(f"\nwritten to {TABLE_PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
