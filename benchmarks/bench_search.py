"""Search benchmark (issue #7): build time, index size and query latency, Whoosh vs SQLite FTS5.

Builds 100,000 and then 1,000,000 synthetic certificates (about 30 minutes on two cores;
BENCH_SEARCH_1M=0 stops after 100,000, BENCH_SEARCH_N=n runs one size), indexes them with
the portal's `search_index` (parallel writers) and, in the same run, into a SQLite FTS5 table
fed with the same analysed terms. Then it times at least 500 realistic queries — name
fragments, scope words, English words with and without a typo, certificate numbers in several
spellings, credit codes, and filtered searches — each one page of 20 results with exact-first
ordering, the total, facet counts and highlighting of every hit.
Run: `.venv/bin/python -m benchmarks bench_search`.

For iterating (the data are deterministic, so the same queries meet the same index):

- `BENCH_SEARCH_DIR=/tmp/bench` keeps the built indexes in `/tmp/bench/<n>/` and reuses them
  when present (the recorded build time is printed again);
- `BENCH_SEARCH_ENGINES=whoosh` (or `fts5`) runs one engine only;
- `BENCH_SEARCH_CLASSES=1` also prints p50/p95/max per query class (Whoosh);
- `BENCH_SEARCH_PROFILE=/tmp/q.prof` writes a cProfile of the Whoosh query phase.
"""

import cProfile
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from portal.domain.codes import make_credit_code, number_key
from search_index import CertificateDoc, Filters, SyncState, highlight_spans, open_index
from search_index.text import analyse, number_terms, parse_query

SEED = 20221231
SCHEMES = ("QMS", "EMS", "OHSMS", "SRMS", "OTHER_MS", "GREEN_PRODUCT", "VOLUNTARY_PRODUCT",
           "REAL_ESTATE_SERVICE")
SCHEME_WEIGHTS = (40, 22, 18, 1, 2, 2, 10, 5)
SCHEME_LETTER = {"QMS": "Q", "EMS": "E", "OHSMS": "S", "SRMS": "R", "OTHER_MS": "M",
                 "GREEN_PRODUCT": "G", "VOLUNTARY_PRODUCT": "P", "REAL_ESTATE_SERVICE": "F"}
PROVINCES = (("上海市", ("上海市",)), ("江苏省", ("苏州市", "南京市", "无锡市", "常州市")),
             ("浙江省", ("杭州市", "宁波市", "嘉兴市", "温州市")), ("安徽省", ("合肥市", "芜湖市")),
             ("广东省", ("深圳市", "广州市", "东莞市")), ("山东省", ("青岛市", "济南市")),
             ("北京市", ("北京市",)), ("四川省", ("成都市",)), ("湖北省", ("武汉市",)))
BRAND = "华虹东方金宝星新联创恒盛达康泰丰瑞鑫德隆源通宏晨光明远博信诚锦天安永嘉益立升辉海峰"
INDUSTRY = (("电子", "Electronics"), ("机械", "Machinery"), ("科技", "Technology"),
            ("建设", "Construction"), ("物业管理", "Property Management"), ("化工", "Chemical"),
            ("精密制造", "Precision Manufacturing"), ("医疗器械", "Medical Devices"),
            ("汽车零部件", "Auto Parts"), ("食品", "Food"), ("包装材料", "Packaging Materials"),
            ("环保工程", "Environmental Engineering"), ("信息技术", "Information Technology"),
            ("纺织", "Textile"), ("物流", "Logistics"), ("新材料", "New Materials"))
FORMS = (("有限公司", "Co., Ltd."), ("有限责任公司", "Co., Ltd."),
         ("股份有限公司", "Holdings Co., Ltd."), ("集团有限公司", "Group Co., Ltd."))
SCOPES = (("集成电路的设计和销售", "design and sale of integrated circuits"),
          ("电线电缆的生产", "production of wires and cables"),
          ("物业管理服务", "property management services"),
          ("塑料包装制品的生产和销售", "production and sale of plastic packaging products"),
          ("机械零部件的加工", "machining of mechanical parts"),
          ("计算机软件开发及技术服务", "software development and technical services"),
          ("医疗器械的生产", "manufacture of medical devices"),
          ("建筑工程施工", "construction engineering"),
          ("食品添加剂的生产", "production of food additives"),
          ("汽车零部件的制造", "manufacturing of automotive components"),
          ("化工原料的销售", "sale of chemical raw materials"),
          ("仓储和道路货物运输", "warehousing and road freight transport"),
          ("环境监测服务", "environmental monitoring services"),
          ("纺织品的设计和生产", "design and production of textiles"))
STANDARDS = {"QMS": "GB/T 19001-2016/ISO 9001:2015", "EMS": "GB/T 24001-2016/ISO 14001:2015",
             "OHSMS": "GB/T 45001-2020/ISO 45001:2018"}
PINYIN = ("hua", "hong", "dong", "fang", "jin", "bao", "xing", "xin", "lian", "chuang", "heng",
          "sheng", "da", "kang", "tai", "feng", "rui", "de", "long", "yuan", "tong", "chen",
          "guang", "ming", "bo", "cheng", "tian", "an", "yong", "jia", "yi", "li", "hui", "hai")
ENGLISH_WORDS = ("electronics", "machinery", "technology", "construction", "property",
                 "chemical", "precision", "medical", "packaging", "logistics", "software",
                 "textile", "integrated", "circuits", "warehousing", "environmental")
TODAY = date(2026, 11, 25)


@dataclass
class Corpus:
    docs: list[CertificateDoc]


def synthetic(n: int, rng: random.Random) -> Iterator[CertificateDoc]:
    """Yield `n` plausible certificates (names, scopes, numbers in three real formats)."""
    for i in range(n):
        scheme = rng.choices(SCHEMES, SCHEME_WEIGHTS)[0]
        province, cities = rng.choice(PROVINCES)
        city = rng.choice(cities)
        brand = "".join(rng.sample(BRAND, rng.choice((2, 2, 3))))
        ind_zh, ind_en = rng.choice(INDUSTRY)
        form_zh, form_en = rng.choice(FORMS)
        place = city.removesuffix("市")
        name_zh = f"{place}{brand}{ind_zh}{form_zh}"
        name_en = (f"{place_pinyin(place, rng)} {''.join(rng.sample(PINYIN, 2)).title()} "
                   f"{ind_en} {form_en}")
        scope_zh, scope_en = rng.choice(SCOPES)
        if rng.random() < 0.4:
            extra_zh, extra_en = rng.choice(SCOPES)
            scope_zh, scope_en = f"{scope_zh}；{extra_zh}", f"{scope_en}; {extra_en}"
        year = rng.randint(2012, 2026)
        fmt = rng.random()
        letter = SCHEME_LETTER[scheme]
        if fmt < 0.6:
            number = f"027{year % 100:02d}{letter}{10000 + i}R{rng.randint(0, 4)}M"
        elif fmt < 0.9:
            number = f"027-{year % 100:02d}-{letter}-{10000 + i}-R{rng.randint(0, 4)}"
        else:
            number = f"SQI/{letter}{letter}/{year}/{i:07d}"
        issued = date(year, rng.randint(1, 12), rng.randint(1, 28))
        expiry = issued + timedelta(days=3 * 365 - 1)
        status = rng.choices(("valid", "suspended", "withdrawn", "cancelled"), (80, 4, 5, 11))[0]
        former = (f"{place}{''.join(rng.sample(BRAND, 2))}{ind_zh}有限公司",) \
            if rng.random() < 0.05 else ()
        yield CertificateDoc(
            key=number_key(number), certificate_number=number, scheme=scheme, status=status,
            expiry_date=expiry, issue_date=issued, holder_name_zh=name_zh, holder_name_en=name_en,
            former_names=former,
            credit_code=make_credit_code(f"9131{rng.randint(0, 9999):04d}MA{i:07d}"[:17]),
            scope_zh=scope_zh, scope_en=scope_en, standard=STANDARDS.get(scheme, ""),
            province=province, city=city)


def place_pinyin(place: str, rng: random.Random) -> str:
    return {"上海": "Shanghai", "北京": "Beijing", "苏州": "Suzhou", "杭州": "Hangzhou",
            "深圳": "Shenzhen"}.get(place, rng.choice(PINYIN).title() + rng.choice(PINYIN))


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    filters: Filters


def queries(docs: list[CertificateDoc], rng: random.Random, n: int) -> list[Query]:
    """Return `n` realistic queries with their filters."""
    out: list[Query] = []
    kinds = ["fragment", "fragment", "fragment", "scope", "english", "typo", "number",
             "number_spaced", "number_part", "credit", "filtered", "filtered", "broad",
             "traditional"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        doc = rng.choice(docs)
        filters = Filters()
        if kind in ("fragment", "filtered"):
            name = doc.holder_name_zh
            start = rng.randrange(0, max(1, len(name) - 5))
            q = name[start : start + rng.choice((2, 3, 4))]
            if kind == "filtered":
                filters = rng.choice((Filters(scheme=doc.scheme), Filters(status="valid"),
                                      Filters(province=doc.province),
                                      Filters(scheme=doc.scheme, status="expired")))
        elif kind == "scope":
            q = rng.choice(SCOPES)[0][rng.randrange(0, 3) :][:4]
        elif kind == "english":
            q = rng.choice(ENGLISH_WORDS)
        elif kind == "typo":
            q = typo(rng.choice(ENGLISH_WORDS), rng)
        elif kind == "number":
            q = doc.certificate_number.lower()
        elif kind == "number_spaced":
            q = " ".join(doc.key[k : k + 4] for k in range(0, len(doc.key), 4))
        elif kind == "number_part":
            q = next((t for t in number_terms(doc.certificate_number, doc.key)
                      if len(t) == 5 and t.isdigit()), doc.key[:6])
        elif kind == "credit":
            q = doc.credit_code
        elif kind == "broad":
            q = rng.choice(("上海", "科技", "电子", "有限公司 电子", "管理", "shanghai",
                            "co ltd technology"))
            filters = rng.choice((Filters(), Filters(status="valid")))
        else:
            q = "華虹電子" if i % 2 else "東方機械"
        out.append(Query(kind, q, filters))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _built(workdir: Path, name: str, build: Callable[[], None]) -> float:
    """Build once and record the time; with BENCH_SEARCH_DIR reuse an earlier build."""
    marker = workdir / f"{name}.json"
    if os.environ.get("BENCH_SEARCH_DIR") and marker.exists():
        return float(json.loads(marker.read_text())["build_s"])
    started = time.perf_counter()
    build()
    elapsed = time.perf_counter() - started
    marker.write_text(json.dumps({"build_s": elapsed}))
    return elapsed


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    kb = next((int(line.split()[1]) for line in status.splitlines()
               if line.startswith("VmRSS:")), 0)
    return kb / 1024


def label(q: Query) -> str:
    """Name a query's class: its kind plus the filters it uses."""
    used = [f for f in ("scheme", "status", "province") if getattr(q.filters, f)]
    return q.kind + (f"[{'+'.join(used)}]" if used else "")


def bench_whoosh(docs: list[CertificateDoc], qs: list[Query],
                 workdir: Path) -> dict[str, float]:
    location = workdir / "whoosh"

    def build() -> None:
        shutil.rmtree(location, ignore_errors=True)
        index = open_index(str(location), procs=2)
        index.rebuild(iter(docs), SyncState(last_id=0), timeout=10)

    build_s = _built(workdir, "whoosh", build)
    if open_index(str(location)).doc_count() != len(docs):  # index format changed: rebuild
        (workdir / "whoosh.json").unlink(missing_ok=True)
        build_s = _built(workdir, "whoosh", build)
    by_key = {d.key: d for d in docs}
    rss_before = rss_mb()
    index = open_index(str(location))  # a fresh process's view: nothing cached
    t0 = time.perf_counter()
    index.search(parse_query("预热"), filters=Filters(), today=TODAY)
    first_ms = (time.perf_counter() - t0) * 1000
    times = []
    by_class: dict[str, list[float]] = {}
    profile = os.environ.get("BENCH_SEARCH_PROFILE")
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for q in qs:
        t0 = time.perf_counter()
        parsed = parse_query(q.text)
        results = index.search(parsed, filters=q.filters, today=TODAY, per_page=20)
        for key in results.keys:  # the page highlights every hit's names and scope
            doc = by_key[key]
            for field in (doc.holder_name_zh, doc.holder_name_en, doc.scope_zh):
                highlight_spans(field, parsed, results.extra_words)
        elapsed = (time.perf_counter() - t0) * 1000
        times.append(elapsed)
        by_class.setdefault(label(q), []).append(elapsed)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    notes = {"first_ms": first_ms, "rss_added_mb": rss_mb() - rss_before}
    if os.environ.get("BENCH_SEARCH_WRITE", "0" if os.environ.get("BENCH_SEARCH_DIR") else "1") \
            == "1":
        # One certificate changes (a new segment, one deletion): the commit, then the next
        # searches, which see a new generation.
        t0 = time.perf_counter()
        with index.batch(timeout=10) as batch:
            batch.upsert(docs[0])
        notes["commit_ms"] = (time.perf_counter() - t0) * 1000
        after = []
        for q in qs[:: len(qs) // 5][:5]:
            t0 = time.perf_counter()
            index.search(parse_query(q.text), filters=q.filters, today=TODAY, per_page=20)
            after.append((time.perf_counter() - t0) * 1000)
        notes["after_write_ms"] = max(after)
    if os.environ.get("BENCH_SEARCH_CLASSES"):
        print("| class | queries | p50 ms | p95 ms | max ms |")
        for name, values in sorted(by_class.items(), key=lambda kv: -percentile(kv[1], 95)):
            print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | "
                  f"{percentile(values, 95):.2f} | {max(values):.2f} |")
    return {"build_s": build_s, "size_mb": dir_size(location) / 1e6, **summary(times), **notes}


def fts_match(text: str) -> str:
    parsed = parse_query(text)
    groups = []
    for clause in parsed.clauses:
        terms = sorted({t for _, t in clause.options})
        groups.append("(" + " OR ".join('"' + t.replace('"', "") + '"' for t in terms) + ")")
    alternatives = [" AND ".join(groups)] if groups else []
    if parsed.number_key:
        alternatives.append(f'ids:"{parsed.number_key}"')
    if parsed.credit_code:
        alternatives.append(f'ids:"{parsed.credit_code}"')
    return " OR ".join(f"({a})" for a in alternatives)


def bench_fts5(docs: list[CertificateDoc], qs: list[Query],
               workdir: Path) -> dict[str, float]:
    path = workdir / "fts5.sqlite3"
    build = _built(workdir, "fts5", lambda: build_fts5(docs, path))
    conn = sqlite3.connect(path)
    today = TODAY.isoformat()
    status_sql = ("CASE WHEN c.status IN ('valid','suspended') AND c.expiry < ? "
                  "THEN 'expired' ELSE c.status END")
    times = []
    for q in qs:
        text, filters = q.text, q.filters
        t0 = time.perf_counter()
        match = fts_match(text)
        if match:
            where, args = ["f MATCH ?"], [match]
            if filters.scheme:
                where.append("c.scheme = ?")
                args.append(filters.scheme)
            if filters.province:
                where.append("c.province = ?")
                args.append(filters.province)
            if filters.status:
                where.append(f"{status_sql} = ?")
                args += [today, filters.status]
            sql = f"FROM f JOIN c ON c.id = f.rowid WHERE {' AND '.join(where)}"
            conn.execute(f"SELECT c.key {sql} ORDER BY rank LIMIT 20", args).fetchall()
            conn.execute(f"SELECT c.scheme, {status_sql}, c.province FROM "
                         f"(SELECT c.scheme, c.status, c.province, c.expiry {sql} LIMIT 10000) "
                         "AS c", [today, *args]).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return {"build_s": build, "size_mb": path.stat().st_size / 1e6, **summary(times)}


def build_fts5(docs: list[CertificateDoc], path: Path) -> None:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE VIRTUAL TABLE f USING fts5(name, other, ids, tokenize='unicode61');"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, key TEXT, scheme TEXT, status TEXT, "
        "province TEXT, expiry TEXT);")
    with conn:
        for i, d in enumerate(docs, 1):
            conn.execute("INSERT INTO f(rowid, name, other, ids) VALUES (?, ?, ?, ?)", (
                i, " ".join(t for n in (d.holder_name_zh, d.holder_name_en, *d.former_names)
                            for t in analyse(n, name=True)),
                " ".join(t for o in (d.scope_zh, d.scope_en, d.standard, d.province, d.city)
                         for t in analyse(o)),
                " ".join([*number_terms(d.certificate_number, d.key), d.credit_code])))
            conn.execute("INSERT INTO c VALUES (?, ?, ?, ?, ?, ?)", (
                i, d.key, d.scheme, d.status, d.province, d.expiry_date.isoformat()))
        conn.execute("CREATE INDEX c_scheme ON c(scheme)")
    conn.close()


def summary(times: list[float]) -> dict[str, float]:
    return {"queries": len(times), "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 95), "p99_ms": percentile(times, 99)}


def run(n: int, print_row: Callable[[str], None], notes: list[str]) -> None:
    rng = random.Random(SEED)
    docs = list(synthetic(n, rng))
    qs = queries(docs, random.Random(SEED + 1), 700)
    # The corpus is millions of long-lived objects of the benchmark's own, which a server
    # process does not hold: keep the garbage collector from walking them mid-query (a full
    # collection over them takes a second at 1,000,000 and would land on a random query).
    gc.collect()
    gc.freeze()
    keep = os.environ.get("BENCH_SEARCH_DIR")
    if keep:
        workdir = Path(keep) / str(n)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    engines = os.environ.get("BENCH_SEARCH_ENGINES", "whoosh,fts5").split(",")
    rows: dict[str, dict[str, float]] = {}
    try:
        if "whoosh" in engines:
            rows["whoosh (search_index)"] = bench_whoosh(docs, qs, workdir)
        if "fts5" in engines:
            rows["sqlite fts5 baseline"] = bench_fts5(docs, qs, workdir)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        gc.unfreeze()
    for name, r in rows.items():
        print_row(f"| {n:>9,} | {name:<22} | {r['build_s']:>8.1f} | {r['size_mb']:>8.1f} | "
                  f"{r['queries']:>7.0f} | {r['p50_ms']:>7.2f} | {r['p95_ms']:>7.2f} | "
                  f"{r['p99_ms']:>7.2f} |")
    w = rows.get("whoosh (search_index)")
    if w:
        note = (f"Whoosh at {n:,}: first search of a fresh process {w['first_ms']:.0f} ms; "
                f"opening the index and answering the queries added "
                f"{w['rss_added_mb']:.0f} MB to the process")
        if "commit_ms" in w:
            note += (f"; a one-certificate update commits in {w['commit_ms']:.0f} ms and the "
                     f"next searches take at most {w['after_write_ms']:.1f} ms")
        notes.append(note)
    if len(rows) == 2:
        w, f = rows.values()
        print_row(f"| {n:>9,} | {'ratio whoosh / fts5':<22} | "
                  f"{w['build_s'] / f['build_s']:>8.2f} | {w['size_mb'] / f['size_mb']:>8.2f} |"
                  f"         | {w['p50_ms'] / f['p50_ms']:>7.2f} | "
                  f"{w['p95_ms'] / f['p95_ms']:>7.2f} | {w['p99_ms'] / f['p99_ms']:>7.2f} |")


def main() -> None:
    """Print the build/size/latency table for 100k and 1M (BENCH_SEARCH_1M=0: 100k only)."""
    if os.environ.get("BENCH_SEARCH_N"):
        sizes = [int(os.environ["BENCH_SEARCH_N"])]
    else:
        sizes = [100_000] + ([] if os.environ.get("BENCH_SEARCH_1M") == "0" else [1_000_000])
    print("| documents | engine                 | build s  | size MB  | queries | p50 ms  "
          "| p95 ms  | p99 ms  |")
    print("| --------: | ---------------------- | -------: | -------: | ------: | ------: "
          "| ------: | ------: |")
    notes: list[str] = []
    for n in sizes:
        run(n, lambda row: print(row, flush=True), notes)
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
