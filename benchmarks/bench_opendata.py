"""Time the open-data downloads on 100,000 certificates: `python -m benchmarks opendata`.

Imports BENCH_OPENDATA_ROWS (default 100,000) generated certificates into a fresh SQLite file,
then streams `/register.csv` and `/register.json` through the test client chunk by chunk
(as a client reads them), answers a conditional request with 304, and writes
`portal export-iaf` as XLSX. Prints seconds, rows/s and the peak memory the Python heap grew
by during each download (tracemalloc, in a second untimed run): streaming keeps it flat whatever the row count.
"""

import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_import import write_csv

ROWS = int(os.environ.get("BENCH_OPENDATA_ROWS", "100000"))


def _read(client: Any, url: str) -> int:
    """GET `url` and read the streamed body chunk by chunk; return its size."""
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _peak(action: Callable[[], Any]) -> int:
    """Return how far the Python heap grew while `action` ran (a second, untimed run)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    """Print rows, seconds, rows/s and peak heap growth per download."""
    from portal import clock, create_app
    from portal.extensions import db
    from portal.services import iaf_export, importing

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "certificates.csv"
        write_csv(source, ROWS)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                          "SEARCH_INDEX_DIR": str(folder / "index"), "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False})
        results: list[tuple[str, float, int, int]] = []
        with app.app_context():
            db.create_all()
            with source.open("rb") as stream:
                plan = importing.plan_certificate_import(stream, source.name)
            importing.apply_certificate_import(plan, actor="bench", now=clock.utcnow())
            client = app.test_client()
            for fmt in ("csv", "json"):
                seconds, size = _timed(lambda fmt=fmt: _read(client, f"/register.{fmt}"))
                peak = _peak(lambda fmt=fmt: _read(client, f"/register.{fmt}"))
                results.append((f"/register.{fmt} ({size / 1e6:.0f} MB)", seconds, ROWS, peak))
                etag = client.get(f"/register.{fmt}").headers["ETag"]
                seconds, status = _timed(lambda fmt=fmt, etag=etag: client.get(
                    f"/register.{fmt}", headers={"If-None-Match": etag}).status_code)
                assert status == 304
                results.append((f"/register.{fmt} 304", seconds, 1, 0))

            def iaf() -> int:
                with (folder / "iaf.xlsx").open("wb") as out:
                    return iaf_export.write_iaf(out, "iaf.xlsx", today=clock.today())

            seconds, _ = _timed(iaf)
            results.append(("portal export-iaf (xlsx)", seconds, ROWS, _peak(iaf)))
    print(f"{'operation':<28} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'peak heap MB':>13}")
    for name, seconds, rows, peak in results:
        print(f"{name:<28} {rows:>8} {seconds:>8.2f} {rows / seconds:>9.0f} {peak / 1e6:>13.1f}")
