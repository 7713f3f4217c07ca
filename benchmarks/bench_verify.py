"""Time the verification checks on a 100,000-certificate register: `python -m benchmarks verify`.

Fills a fresh SQLite file (or the scratch database named by BENCH_VERIFY_DATABASE_URL, whose
tables are dropped) with BENCH_VERIFY_ROWS synthetic certificates (default 100,000; 5% of them
renamed, 3% restricted) and 50 counterfeit alerts, then times through the Flask test client:

- `POST /api/v1/certificates/verify` with 1,000 items: a third certificate numbers with the
  printed name (right, traditional characters, another company form, another company), a third
  credit codes with a name, a sixth names alone, and unknown and counterfeit numbers;
- the same with 1,000 plain `certificate_numbers`;
- `/verify?number=&name=` (one certificate, one printed name);
- `/verify?number=` with a mistyped number: the nearest register numbers (~1,000 candidate
  keys looked up through the unique index).

Each is run BENCH_VERIFY_RUNS times (default 10) after one warm-up; the table gives the median
and the slowest run. SPEC target: 1,000 items in under 1 s.
"""

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from portal import create_app
from portal.domain.codes import make_credit_code, number_key
from portal.extensions import db
from portal.models import Alert, AlertKind, Certificate

ROWS = int(os.environ.get("BENCH_VERIFY_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_VERIFY_RUNS", "10"))
DATABASE_URL = os.environ.get("BENCH_VERIFY_DATABASE_URL")
SEED = 20261203
BRANDS = "华虹东方金宝星新联创恒盛达康泰丰瑞鑫德隆源通宏晨光明远博信诚锦天安永嘉益立升辉海峰"
INDUSTRIES = (("电子", "Electronics"), ("机械", "Machinery"), ("科技", "Technology"),
              ("建设", "Construction"), ("化工", "Chemical"), ("食品", "Food"))
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def certificate_values(i: int, rng: random.Random) -> dict[str, object]:
    """Return the column values of synthetic certificate `i`."""
    brand = "".join(rng.sample(BRANDS, 3))
    industry_zh, industry_en = rng.choice(INDUSTRIES)
    number = f"027{rng.randint(12, 26):02d}Q{10000 + i}R{rng.randint(0, 4)}M"
    issued = date(2025, rng.randint(1, 12), rng.randint(1, 28))
    return {
        "certificate_number": number, "number_key": number_key(number), "scheme": "QMS",
        "standard": "GB/T 19001-2016/ISO 9001:2015",
        "holder_name_zh": f"上海{brand}{industry_zh}{i}有限公司",
        "holder_name_en": f"Shanghai {brand} {industry_en} {i} Co., Ltd.",
        "credit_code": make_credit_code(f"91310000MA{i:07d}"),
        "scope_zh": "集成电路的设计和销售", "issue_date": issued,
        "expiry_date": issued + timedelta(days=3 * 365 - 1), "status": "valid",
        "former_names": [f"上海{brand}旧名{i}有限公司"] if rng.random() < 0.05 else [],
        "restricted": rng.random() < 0.03, "created_at": NOW, "updated_at": NOW,
    }


def fill(rows: list[dict[str, object]]) -> None:
    """Insert the register and the counterfeit alerts in a few statements."""
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Certificate), rows[start : start + 5000])
    db.session.execute(insert(Alert), [
        {"kind": AlertKind.COUNTERFEIT_NUMBER, "value": f"02799Q{90000 + i}R0M",
         "published_on": date(2026, 1, 1), "created_at": NOW} for i in range(50)])
    db.session.commit()


def items_body(rows: list[dict[str, object]], rng: random.Random) -> list[dict[str, str]]:
    """Return 1,000 items mixing numbers, credit codes and names, right and wrong."""
    items: list[dict[str, str]] = []
    for n in range(1000):
        row = rng.choice(rows)
        name = str(row["holder_name_zh"])
        kind = n % 6
        if kind in (0, 1):
            printed = rng.choice([name, name.replace("华", "華").replace("东", "東"),
                                  name.replace("有限公司", "股份有限公司"), "苏州另一家贸易有限公司"])
            items.append({"certificate_number": str(row["certificate_number"]).lower(),
                          "holder_name": printed})
        elif kind in (2, 3):
            items.append({"credit_code": str(row["credit_code"]),
                          "holder_name": str(row["holder_name_en"])})
        elif kind == 4:
            items.append({"holder_name": name})
        else:
            fake = f"02799Q{90000 + rng.randint(0, 99)}R0M"
            items.append({"certificate_number": fake, "holder_name": name})
    return items


def timed(label: str, action: Callable[[], object]) -> tuple[str, float, float]:
    """Run `action` once to warm up, then RUNS times; return (label, median ms, max ms)."""
    action()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return label, statistics.median(times), max(times)


def main() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        url = DATABASE_URL or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_DIR": ":memory:", "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "http://bench.test"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            rows = [certificate_values(i, rng) for i in range(ROWS)]
            start = time.perf_counter()
            fill(rows)
            print(f"register: {ROWS:,} certificates on {db.engine.dialect.name} "
                  f"(filled in {time.perf_counter() - start:.1f} s); load average "
                  + " ".join(f"{x:.1f}" for x in os.getloadavg()) + "\n", flush=True)
            client = app.test_client()
            items = items_body(rows, rng)
            numbers = [str(rng.choice(rows)["certificate_number"]) for _ in range(1000)]
            one = rows[len(rows) // 2]
            typo = str(one["certificate_number"])
            typo = typo[:6] + typo[7] + typo[6] + typo[8:]  # two digits swapped

            def post(body: dict[str, object]) -> Callable[[], object]:
                def run() -> object:
                    response = client.post("/api/v1/certificates/verify", json=body)
                    assert response.status_code == 200, response.get_data(as_text=True)[:300]
                    return response
                return run

            def page(query: dict[str, str], status: int) -> Callable[[], object]:
                def run() -> object:
                    response = client.get("/verify", query_string=query)
                    assert response.status_code == status, response.status_code
                    return response
                return run

            results = [
                timed("POST verify, 1,000 items (numbers, credit codes, names)",
                      post({"items": items})),
                timed("POST verify, 1,000 certificate_numbers",
                      post({"certificate_numbers": numbers})),
                timed("/verify?number=&name= (one certificate)",
                      page({"number": str(one["certificate_number"]),
                            "name": "苏州另一家贸易有限公司"}, 200)),
                timed("/verify?number= mistyped (nearest numbers)",
                      page({"number": typo}, 404)),
            ]
            body = post({"items": items})().get_json()  # type: ignore[attr-defined]
            counts: dict[str, int] = {}
            for result in body["results"]:
                key = str(result["name_match"])
                counts[key] = counts.get(key, 0) + 1
            db.session.remove()
            db.drop_all()
    print(f"| check ({RUNS} runs after a warm-up) | median ms | max ms |")
    print("| --- | ---: | ---: |")
    for label, median, slowest in results:
        print(f"| {label} | {median:.0f} | {slowest:.0f} |")
    print("\nname_match of the 1,000 items: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
