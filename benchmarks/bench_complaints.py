"""Filing and tracking complaints in-process: `python -m benchmarks complaints`.

Files BENCH_COMPLAINTS (default 200) complaints through the service on a fresh SQLite file
database (mail to a temporary outbox), then times `track()` for a right code, a wrong code and
an unknown reference, to show the tracker answers the last two in the same time.
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

FILINGS = int(os.environ.get("BENCH_COMPLAINTS", "200"))
LOOKUPS = int(os.environ.get("BENCH_COMPLAINT_LOOKUPS", "2000"))


def _times(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _row(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return f"| {name:<34} | {len(times):>6} | {statistics.median(times):>8.3f} | {p95:>8.3f} |"


def main() -> None:
    from portal import create_app
    from portal.domain.complaints import ComplaintAbout, ComplaintKind
    from portal.extensions import db
    from portal.services import complaints as complaint_service

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "SEARCH_INDEX_DIR": ":memory:", "SECRET_KEY": "bench",
                          "OUTBOX_DIR": f"{tmp}/outbox", "UPLOAD_DIR": f"{tmp}/uploads",
                          "SMTP_HOST": None})
        with app.app_context(), app.test_request_context("/"):
            db.create_all()
            data = complaint_service.NewComplaint(
                kind=ComplaintKind.COMPLAINT, about=ComplaintAbout.CERTIFICATION_BODY,
                name="李雷", email="li@example.com", subject="审核报告延误",
                description="审核结束两个月后仍未收到审核报告。")
            filed: list[complaint_service.Filed] = []
            now = datetime.now(UTC)
            filing = _times(lambda: filed.append(complaint_service.file_complaint(data, now=now)),
                            FILINGS)
            ref, code = filed[-1].complaint.reference, filed[-1].tracking_code
            unknown = ref[:-6] + "999999"
            right = _times(lambda: complaint_service.track(ref, code), LOOKUPS)
            wrong = _times(lambda: complaint_service.track(ref, "AAAA-BBBB-CCCC"), LOOKUPS)
            missing = _times(lambda: complaint_service.track(unknown, code), LOOKUPS)
            db.session.remove()
    print("| operation                          |      n | median ms |   p95 ms |")
    print("| ---------------------------------- | -----: | -------: | -------: |")
    print(_row("file_complaint (+ outbox mail)", filing))
    print(_row("track: right reference and code", right))
    print(_row("track: wrong code", wrong))
    print(_row("track: unknown reference", missing))
