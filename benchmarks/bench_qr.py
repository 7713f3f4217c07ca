"""QR images and the QR landing page: generation time per image, and pages under gunicorn.

`python -m benchmarks bench_qr` — part 1 times image generation in process (median and p95 ms per
image); part 2 serves a temporary SQLite register of a few certificates with real gunicorn on
127.0.0.1 (rate limits off) and measures requests/s and latency with a bounded request loop.
"""

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from benchmarks.gunicorn_server import gunicorn
from benchmarks.http_load import run_load
from benchmarks.processes import python

ROUNDS = int(os.environ.get("BENCH_QR_ROUNDS", "200"))
REQUESTS = int(os.environ.get("BENCH_QR_REQUESTS", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_QR_CONCURRENCY", "4"))
WORKERS = int(os.environ.get("BENCH_QR_WORKERS", "2"))
URL = "https://verify.sqi.org.cn/v/02722Q10234R3M/1/1.ABCDEFGHIJ"

SEED = """
from portal import create_app
from portal.extensions import db
from portal.services import certificates as certificate_service
from portal.services import qr as qr_service
from tests.factories import NOW, certificate_data
import json
app = create_app()
with app.app_context():
    db.create_all()
    certs = [certificate_service.create_certificate(
        certificate_data(certificate_number=f"02726Q{10400 + i}R0M"), actor="bench", now=NOW)
        for i in range(20)]
    db.session.commit()
    print(json.dumps({"numbers": [c.certificate_number for c in certs],
                      "codes": [qr_service.code_path(c, app.config) for c in certs]}))
"""


def _time(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def _load() -> str:
    """Return the machine's load averages, which the figures depend on."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def _large_photo(photo: bytes) -> bytes:
    """Return a 24 MP (6000 x 4000) JPEG with the photographed code in the middle."""
    import io

    from PIL import Image

    shot = Image.open(io.BytesIO(photo)).convert("RGB")
    shot = shot.resize((shot.width * 3, shot.height * 3), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (6000, 4000), (90, 90, 90))
    canvas.paste(shot, ((6000 - shot.width) // 2, (4000 - shot.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=80)
    return out.getvalue()


def generation() -> None:
    """Print the time to make one image (and to read one photo on the server)."""
    from portal.services import qr as qr_service
    from tests.qr_support import phone_photo

    png = qr_service.qr_png(URL, print_size=True)
    photo = phone_photo(png, seed=3)
    big_photo = _large_photo(photo)
    # `__wrapped__`: time the real work, not the per-worker cache of recent images.
    cases = {
        "PNG, screen (8 px/module)": lambda: qr_service.qr_png.__wrapped__(URL),
        "PNG, print (?size=print, 24 px/module)":
            lambda: qr_service.qr_png.__wrapped__(URL, print_size=True),
        "SVG": lambda: qr_service.qr_svg.__wrapped__(URL),
        "decode a 1.2 MP phone photo (/scan upload)": lambda: qr_service.decode_photo(photo),
        "decode a 24 MP phone photo (/scan upload)":
            lambda: qr_service.decode_photo(big_photo),
    }
    sizes = {"decode a 1.2 MP phone photo (/scan upload)": len(photo),
             "decode a 24 MP phone photo (/scan upload)": len(big_photo)}
    print(f"in process, {ROUNDS} rounds per row, URL of {len(URL)} characters "
          f"(version 5, error correction Q); {_load()}\n")
    print("| work | median ms | p95 ms | bytes |")
    print("| --- | ---: | ---: | ---: |")
    for name, fn in cases.items():
        result = fn()
        size = len(result) if isinstance(result, bytes) else sizes[name]
        rounds = ROUNDS // 4 if name.startswith("decode") else ROUNDS
        median, p95 = _time(fn, rounds)
        print(f"| {name} | {median:.2f} | {p95:.2f} | {size} |", flush=True)


def served() -> None:
    """Print requests/s and latency of the QR routes under gunicorn."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
               "SEARCH_INDEX_DIR": f"{tmp}/index", "SECRET_KEY": "bench-secret",
               "RATELIMIT_ENABLED": "false", "PUBLIC_BASE_URL": "http://127.0.0.1"}
        seeded = json.loads(python(env, SEED).strip().splitlines()[-1])
        numbers, codes = seeded["numbers"], seeded["codes"]
        cases = {
            "GET /v/<n>/<issue>/<sig> (landing page)": codes,
            "GET /certificates/<n>/qr.png": [f"/certificates/{n}/qr.png" for n in numbers],
            "GET /certificates/<n>/qr.svg": [f"/certificates/{n}/qr.svg" for n in numbers],
            "GET /certificates/<n>/badge.svg": [f"/certificates/{n}/badge.svg" for n in numbers],
        }
        with gunicorn(env, workers=WORKERS) as url:
            for paths in cases.values():  # warm every worker
                run_load(url, paths, total=40, concurrency=CONCURRENCY)
            print(f"\ngunicorn {WORKERS} workers, SQLite file with {len(numbers)} certificates, "
                  f"{CONCURRENCY} concurrent clients on 127.0.0.1, {REQUESTS} requests per row, "
                  f"{os.cpu_count()} cores; {_load()}\n")
            print("| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for name, paths in cases.items():
                r = run_load(url, paths, total=REQUESTS, concurrency=CONCURRENCY,
                             max_seconds=60)
                print(f"| {name} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | "
                      f"{r.p99_ms:.1f} | {r.errors} |", flush=True)


def main() -> None:
    generation()
    served()


if __name__ == "__main__":
    main()
