"""Time `portal import-certificates` on 100,000 rows: `python -m benchmarks import`.

Generates a CSV of valid certificates in a temporary folder, imports it into a fresh SQLite
file database (or the scratch database named by BENCH_IMPORT_DATABASE_URL, whose tables are
dropped) through the service the CLI uses, and prints a table: the dry run (checking only),
the real import, a re-import of 10,000 unchanged rows and an export. BENCH_IMPORT_ROWS
changes the number of rows. Then, through the real `portal` CLI in a fresh process (SQLite
only), it times `portal reindex` (the full search-index rebuild from the database, issue #7)
and `portal check-index` (comparing every indexed certificate with the database).
"""

import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from benchmarks.processes import portal, python
from portal.domain.codes import make_credit_code
from portal.domain.records import CERTIFICATE_COLUMNS

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
REIMPORT_ROWS = min(10_000, ROWS)
# An empty scratch database to measure instead of a fresh SQLite file (its tables are dropped).
DATABASE_URL = os.environ.get("BENCH_IMPORT_DATABASE_URL")
SCHEMES = ("QMS", "EMS", "OHSMS", "SRMS", "VOLUNTARY_PRODUCT", "REAL_ESTATE_SERVICE")
CITIES = (
    ("上海市", "上海市", "浦东新区张江路"),
    ("江苏省", "苏州市", "工业园区星湖街"),
    ("浙江省", "杭州市", "滨江区江南大道"),
    ("广东省", "深圳市", "南山区科技园"),
)


def certificate_row(n: int, rng: random.Random) -> dict[str, str]:
    """Return one valid CSV row with realistic bilingual content."""
    province, city, street = CITIES[n % len(CITIES)]
    issued = date(2020, 1, 1) + timedelta(days=rng.randrange(1800))
    status = rng.choices(("valid", "suspended", "withdrawn", "cancelled"), (90, 3, 3, 4))[0]
    return {
        "certificate_number": f"0272{n % 10}Q{n:07d}R{n % 4}M",
        "scheme": SCHEMES[n % len(SCHEMES)],
        "standard": "GB/T 19001-2016/ISO 9001:2015",
        "holder_name_zh": f"{city[:-1]}华信精密制造{n}有限公司",
        "holder_name_en": f"Huaxin Precision Manufacturing {n} Co., Ltd.",
        "credit_code": make_credit_code(f"91{310000 + n % 1000:06d}MA{n:07d}"[:17]),
        "address_zh": f"{province}{city}{street}{n % 900 + 1}号",
        "address_en": f"No. {n % 900 + 1}, {city}",
        "province": province,
        "city": city,
        "scope_zh": "精密机械零部件的设计、生产和销售",
        "scope_en": "Design, production and sale of precision machine parts",
        "sites": f"{city}{street}{n % 50 + 2}号" if n % 5 == 0 else "",
        "initial_issue_date": (issued - timedelta(days=1095)).isoformat() if n % 3 else "",
        "issue_date": issued.isoformat(),
        "expiry_date": (issued + timedelta(days=1095)).isoformat(),
        "status": status,
        "status_date": (issued + timedelta(days=200)).isoformat() if status != "valid" else "",
        "status_reason": "未按期接受监督审核" if status != "valid" else "",
        "accreditation": "CNAS",
        "former_names": f"{city[:-1]}华信机械{n}厂" if n % 7 == 0 else "",
        "restricted": "true" if n % 50 == 0 else "false",
    }


def write_csv(path: Path, rows: int, seed: int = 2022, scope_suffix: str = "") -> None:
    """Write `rows` valid certificate rows to `path` (the same rows for the same seed; a
    `scope_suffix` changes every row's Chinese scope)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CERTIFICATE_COLUMNS)
        writer.writeheader()
        for n in range(1, rows + 1):
            row = certificate_row(n, rng)
            row["scope_zh"] += scope_suffix
            writer.writerow(row)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


CATCH_UP = """
import time
from portal import create_app
from portal.services import search
with create_app().app_context():
    started = time.perf_counter()
    applied = search.catch_up()
    print(applied, time.perf_counter() - started)
"""


def _catch_up(env: dict[str, str]) -> tuple[int, float]:
    """Apply the pending search changes in a fresh process; return (count, seconds)."""
    applied, seconds = python(env, CATCH_UP).split()
    return int(applied), float(seconds)


def main() -> None:
    """Print rows, seconds and rows/s for dry run, import, unchanged re-import and export."""
    from portal import clock, create_app
    from portal.extensions import db
    from portal.models import Certificate
    from portal.services import exporting, importing

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big, small = folder / "certificates.csv", folder / "unchanged.csv"
        write_csv(big, ROWS)
        write_csv(small, REIMPORT_ROWS)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": DATABASE_URL or f"sqlite:///{folder / 'bench.sqlite3'}",
                "SEARCH_INDEX_DIR": str(folder / "index"),
                "SECRET_KEY": "bench",
            }
        )
        now = clock.utcnow()
        results: list[tuple[str, int, float]] = []
        with app.app_context():
            if DATABASE_URL:
                db.drop_all()
            db.create_all()

            def plan(path: Path) -> importing.ImportPlan:
                with path.open("rb") as stream:
                    return importing.plan_certificate_import(stream, path.name)

            seconds, dry = timed(lambda: plan(big))
            assert dry.ok, dry.errors[:5]
            results.append(("dry run (check only)", ROWS, seconds))

            def full_import() -> importing.ImportResult:
                return importing.apply_certificate_import(plan(big), actor="bench", now=now)

            seconds, result = timed(full_import)
            assert result.created == ROWS, result
            results.append(("import into empty database", ROWS, seconds))

            def reimport() -> importing.ImportResult:
                return importing.apply_certificate_import(plan(small), actor="bench", now=now)

            seconds, result = timed(reimport)
            assert result.unchanged == REIMPORT_ROWS, result
            results.append(("re-import, all unchanged", REIMPORT_ROWS, seconds))

            seconds, count = timed(lambda: exporting.write_csv(io.BytesIO()))
            results.append(("export to CSV", int(count), seconds))
            public = db.session.scalar(
                db.select(db.func.count()).select_from(Certificate).where(~Certificate.restricted))
            db.session.remove()
            if not DATABASE_URL:
                db.engine.dispose()
                env = {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                       "SEARCH_INDEX_DIR": str(folder / "index"), "SECRET_KEY": "bench"}
                for command in ("reindex", "check-index"):
                    seconds, _ = timed(lambda command=command: portal(env, command))
                    results.append((f"portal {command}", int(public or 0), seconds))
                changed = folder / "changed.csv"
                write_csv(changed, REIMPORT_ROWS // 5, scope_suffix="（含售后服务）")
                portal(env, "import-certificates", str(changed))
                applied, seconds = _catch_up(env)
                results.append(("search catch-up after import", applied, seconds))
            if DATABASE_URL:
                db.drop_all()
            db.engine.dispose()

    print(f"{'operation':<30} {'rows':>8} {'seconds':>8} {'rows/s':>9}")
    for name, rows, seconds in results:
        print(f"{name:<30} {rows:>8} {seconds:>8.1f} {rows / seconds:>9.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
