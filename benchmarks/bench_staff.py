"""Staff sign-in timing: `python -m benchmarks staff`.

Times `authenticate()` on a fresh SQLite file database for a right password, a wrong password
and an e-mail with no account, to show the three cost the same (one argon2 verification each;
no timing oracle for user enumeration). BENCH_STAFF_LOGINS (default 20) attempts per row; the
lock-out counters are cleared between attempts so every one is measured in full.
"""

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable

LOGINS = int(os.environ.get("BENCH_STAFF_LOGINS", "20"))


def _times(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _row(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"| {name:<30} | {len(times):>6} | {statistics.median(times):>8.1f} | {p95:>8.1f} |"


def main() -> None:
    from portal import clock, create_app
    from portal.extensions import db
    from portal.models.staff import LoginThrottle
    from portal.services import staff as staff_service

    logging.getLogger("portal.services.staff").setLevel(logging.ERROR)  # one line per failure
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "SEARCH_INDEX_DIR": ":memory:", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            password = "benchmark passphrase 1"
            staff_service.create_user("bench@example.cn", "registrar", password, actor="bench",
                                      now=clock.utcnow())

            def attempt(email: str, secret: str) -> Callable[[], object]:
                def run() -> object:
                    result = staff_service.authenticate(email, secret, ip="198.51.100.1",
                                                        now=clock.utcnow())
                    db.session.execute(db.delete(LoginThrottle))
                    db.session.commit()
                    return result
                return run

            rows = [
                ("right password", attempt("bench@example.cn", password)),
                ("wrong password", attempt("bench@example.cn", "wrong passphrase 12")),
                ("unknown e-mail", attempt("nobody@example.cn", "wrong passphrase 12")),
            ]
            print(f"staff sign-in, {LOGINS} attempts each (ms)")
            print("| attempt                        |      n |   median |      p95 |")
            print("| ------------------------------ | -----: | -------: | -------: |")
            for name, fn in rows:
                fn()  # warm up
                print(_row(name, _times(fn, LOGINS)))


if __name__ == "__main__":
    main()
