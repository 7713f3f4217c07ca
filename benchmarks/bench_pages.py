"""Certificate page, record API and the 1000-number batch check, in process on SQLite.

`python -m benchmarks pages` — builds a register of 20,000 certificates in a temporary SQLite
file and prints the median and p95 time per request (Flask test client, no network).
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from urllib.parse import quote

from sqlalchemy import insert

REGISTER = int(os.environ.get("BENCH_PAGES_REGISTER", "20000"))
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", "100"))


def _rows(count: int) -> list[dict[str, object]]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return [{
        "certificate_number": f"027-{n % 30:02d}-Q-{n:06d}-R0",
        "number_key": f"027{n % 30:02d}Q{n:06d}R0",
        "scheme": "QMS", "standard": "GB/T 19001-2016/ISO 9001:2015",
        "holder_name_zh": f"上海测试{n}有限公司", "holder_name_en": f"Shanghai Test {n} Co., Ltd.",
        "credit_code": "", "address_zh": "上海市浦东新区张江路100号", "address_en": "",
        "province": "上海市", "city": "上海市", "scope_zh": "集成电路的设计和销售", "scope_en": "",
        "initial_issue_date": date(2020, 1, 1), "issue_date": date(2025, 1, 1),
        "expiry_date": date(2028, 1, 1), "status": "valid", "status_date": None,
        "status_reason": "", "accreditation": "CNAS", "former_names": [], "restricted": False,
        "issue_number": 1, "is_demo": False, "created_at": now, "updated_at": now,
    } for n in range(count)]


def _time(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    from portal import create_app
    from portal.extensions import db
    from portal.models import Certificate

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                          "SEARCH_INDEX_DIR": ":memory:", "RATELIMIT_ENABLED": False,
                          "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            db.session.execute(insert(Certificate), _rows(REGISTER))
            db.session.commit()
            numbers = db.session.scalars(db.select(Certificate.certificate_number)
                                         .limit(500)).all()
        client = app.test_client()
        batch = [n.lower() for n in numbers] + [f"02799Q{i:05d}R9" for i in range(500)]
        page = f"/certificates/{quote(numbers[7], safe='')}"
        api = f"/api/v1/certificates/{quote(numbers[7], safe='')}"

        def verify() -> None:
            response = client.post("/api/v1/certificates/verify",
                                   json={"certificate_numbers": batch})
            assert sum(r["found"] for r in response.get_json()["results"]) == 500

        cases = {
            "GET /certificates/<n> (page)": lambda: client.get(page),
            "GET /certificates/<unknown> (404 page)": lambda: client.get("/certificates/X1Y2Z3"),
            "GET /api/v1/certificates/<n>": lambda: client.get(api),
            "POST /api/v1/certificates/verify (1000 numbers)": verify,
        }
        print(f"register of {REGISTER} certificates, SQLite file, {ROUNDS} requests per row, "
              f"in process on {os.cpu_count()} cores\n")
        print("| request | median ms | p95 ms |")
        print("| --- | ---: | ---: |")
        for name, fn in cases.items():
            fn()  # warm up
            rounds = max(10, ROUNDS // 5) if "verify" in name else ROUNDS
            median, p95 = _time(fn, rounds)
            print(f"| {name} | {median:.1f} | {p95:.1f} |", flush=True)


if __name__ == "__main__":
    main()
