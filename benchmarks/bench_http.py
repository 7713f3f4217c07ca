"""Public pages and API under real gunicorn (4 workers, SQLite file DB, rate limits off).

`python -m benchmarks http` — prints requests/s and latency percentiles per endpoint.
"""

import os
import tempfile

from benchmarks.gunicorn_server import gunicorn
from benchmarks.http_load import run_load
from benchmarks.processes import portal, python

REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_HTTP_CONCURRENCY", "8"))


def _sample_numbers(env: dict[str, str]) -> list[str]:
    code = ("from portal import create_app\nfrom portal.extensions import db\n"
            "from portal.models import Certificate\napp = create_app()\n"
            "with app.app_context():\n"
            "    rows = db.session.scalars(db.select(Certificate.certificate_number)"
            ".order_by(Certificate.id).limit(50)).all()\n"
            "    print('\\n'.join(rows))\n")
    return [line for line in python(env, code).splitlines() if line.strip()]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
               "SEARCH_INDEX_DIR": f"{tmp}/index", "SECRET_KEY": "bench-secret",
               "RATELIMIT_ENABLED": "false", "PUBLIC_BASE_URL": "http://127.0.0.1"}
        portal(env, "init-db")
        portal(env, "demo-data")
        numbers = _sample_numbers(env)
        from urllib.parse import quote

        cases = {
            "GET /healthz": ["/healthz"],
            "GET /": ["/"],
            "GET /certificates/<n>": [f"/certificates/{quote(n, safe='')}" for n in numbers],
            "GET /api/v1/certificates/<n>": [f"/api/v1/certificates/{quote(n, safe='')}"
                                             for n in numbers],
            "GET /search?q=…": ["/search?q=%E4%B8%8A%E6%B5%B7", "/search?q=quality",
                                "/search?q=%E7%94%B5%E5%AD%90&scheme=QMS"],
            "GET /services, /certification-rules, /about": [
                "/services", "/certification-rules", "/about", "/complaints"],
            "GET /transparency?year=2022": ["/transparency?year=2022"],
            "GET /alerts": ["/alerts"],
            "GET /api/v1/stats?year=2022": ["/api/v1/stats?year=2022"],
        }
        with gunicorn(env, workers=4) as url:
            for path in ("/", "/search?q=warmup"):  # warm every worker
                run_load(url, [path], total=40, concurrency=8)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"gunicorn 4 workers (gthread), {CONCURRENCY} concurrent clients, "
                  f"{REQUESTS} requests per row, on {os.cpu_count()} cores; "
                  f"load average before: {load}\n")
            print("| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for name, paths in cases.items():
                r = run_load(url, paths, total=REQUESTS, concurrency=CONCURRENCY)
                print(f"| {name} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | "
                      f"{r.p99_ms:.1f} | {r.errors} |", flush=True)


if __name__ == "__main__":
    main()
