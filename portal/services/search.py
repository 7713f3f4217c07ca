"""Search: keep this process's index in step with the database and answer queries.

The database is the source of truth. Every certificate write adds a `SearchChange` row in the
same transaction (portal.services.certificates.note_changed). Before a search, at most every
`SEARCH_SYNC_INTERVAL` seconds, a process reads the change log past the point committed in the
index itself and, holding the index write lock (briefly; never an error for the user), re-reads
those certificates and commits their documents together with the new log position. A process
killed mid-write commits nothing, so the next writer simply applies the same changes again.
"""

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from flask import Flask, current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import selectinload

from portal.domain.codes import credit_code_problem, normalise_credit_code, suggest_credit_code
from portal.domain.schemes import SCHEMES
from portal.extensions import db
from portal.models import Certificate, SearchChange
from portal.register.public import PublicCertificate
from portal.services import verification
from search_index import (
    STATUSES,
    CertificateDoc,
    Facets,
    Filters,
    IndexBusyError,
    IndexUnavailableError,
    ParsedQuery,
    SearchIndex,
    SearchResults,
    SyncState,
    highlight_spans,
    normalise_standard,
    open_index,
    parse_query,
)

log = logging.getLogger(__name__)

SCHEME_CODES: Final = frozenset(s.code for s in SCHEMES)
MAX_PER_PAGE: Final = 100
MAX_PAGE: Final = 50  # deeper pages are not useful; the index stops at 1,000 results
GAP_TIMEOUT: Final = 120.0  # seconds a missing change id is waited for (open transaction)
MAX_GAPS: Final = 1000
REQUEST_BATCH: Final = 500  # changes applied per catch-up inside a request (~1.5 s at most)
REQUEST_LOCK_WAIT: Final = 0.25  # a request waits this long for another writer, then serves
BUSY_BACKOFF: Final = 1.0  # seconds without lock attempts after finding the index busy
SNIPPET_CHARS: Final = 120
# What a search page says about the index (the API's `search_index`): `behind` when committed
# changes cannot be written to it (folder read-only or full), `unavailable` when it cannot be
# read at all; numbers and credit codes are answered from the database either way.
INDEX_CURRENT: Final = "current"
INDEX_BEHIND: Final = "behind"
INDEX_UNAVAILABLE: Final = "unavailable"


@dataclass
class SearchService:
    """One process's handle on the index, plus when it last looked at the change log."""

    location: str
    interval: float
    procs: int
    _index: SearchIndex | None = None
    _checked: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _failing_since: float | None = None  # catch-up has failed since then (monotonic s)
    _index_failing: bool = False  # ... because the index folder cannot be written

    def forget_index(self) -> None:
        """Drop an index that cannot be read (its folder removed?): the next use reopens it."""
        with self._lock:
            self._index = None

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = open_index(self.location, procs=self.procs)
        return self._index


def init_app(app: Flask) -> None:
    """Attach this process's search service (the index opens on first use)."""
    interval = app.config.get("SEARCH_SYNC_INTERVAL")
    if interval is None:
        interval = 0.0 if app.testing else 0.5
    app.extensions["search"] = SearchService(
        location=str(app.config["SEARCH_INDEX_DIR"]), interval=float(interval),
        procs=int(app.config.get("SEARCH_INDEX_PROCS") or 2))


def service() -> SearchService:
    """Return the current app's search service."""
    return current_app.extensions["search"]


# -- documents ------------------------------------------------------------------------------


def document_for(cert: Certificate) -> CertificateDoc:
    """Return the index document of a (non-restricted) certificate."""
    return CertificateDoc(
        key=cert.number_key, certificate_number=cert.certificate_number, scheme=cert.scheme,
        status=cert.status.value, expiry_date=cert.expiry_date, issue_date=cert.issue_date,
        holder_name_zh=cert.holder_name_zh, holder_name_en=cert.holder_name_en or "",
        former_names=tuple(cert.former_names or ()), credit_code=cert.credit_code or "",
        scope_zh=cert.scope_zh or "", scope_en=cert.scope_en or "", standard=cert.standard or "",
        province=cert.province or "", city=cert.city or "")


def _certificates_by_key(keys: Sequence[str], *, full: bool = False) -> dict[str, Certificate]:
    """Load certificates by number key; `full` also loads what a public projection reads."""
    found: dict[str, Certificate] = {}
    options = (selectinload(Certificate.sites), selectinload(Certificate.events),
               selectinload(Certificate.audits)) if full else ()
    for start in range(0, len(keys), 500):  # stay under every database's bound-parameter cap
        chunk = keys[start : start + 500]
        rows = db.session.scalars(select(Certificate).where(Certificate.number_key.in_(chunk))
                                  .options(*options))
        found.update((c.number_key, c) for c in rows)
    return found


# -- keeping the index in step with the change log ----------------------------------------


def _pending(state: SyncState, limit: int) -> list[tuple[int, str]]:
    condition = SearchChange.id > state.last_id
    if state.gaps:
        condition = or_(condition, SearchChange.id.in_(sorted(state.gaps)))
    rows = db.session.execute(select(SearchChange.id, SearchChange.number_key)
                              .where(condition).order_by(SearchChange.id).limit(limit))
    return [(row.id, row.number_key) for row in rows]


def advance(state: SyncState, applied: Iterable[int], now: float,
            timeout: float = GAP_TIMEOUT) -> SyncState:
    """Return the state after applying change ids `applied` (ids skipped become gaps).

    A gap is waited for `timeout` seconds after it was first missed (the webhook and list
    watch cursors of services/event_cursor.py reuse this with a longer wait).
    """
    seen = set(applied)
    top = max(seen | {state.last_id})
    gaps = {g: t for g, t in state.gaps.items() if g not in seen and now - t < timeout}
    for missing in range(max(state.last_id + 1, top - MAX_GAPS), top):
        if missing not in seen:
            gaps.setdefault(missing, now)
    if len(gaps) > MAX_GAPS:
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    return SyncState(last_id=top, gaps=gaps)


def apply_changes(*, timeout: float, limit: int = REQUEST_BATCH) -> int:
    """Apply up to `limit` pending changes to the index; return how many were applied.

    Raises IndexBusyError when another process holds the write lock for `timeout` seconds.
    """
    index = service().index
    if not _pending(index.state(), 1):
        return 0
    with index.batch(timeout=timeout) as batch:
        rows = _pending(batch.state, limit)  # again: another process may have applied them
        if not rows:
            return 0
        keys = sorted({key for _, key in rows})
        certificates = _certificates_by_key(keys)
        for key in keys:
            cert = certificates.get(key)
            if cert is None or cert.restricted:
                batch.delete(key)
            else:
                batch.upsert(document_for(cert))
        batch.set_state(advance(batch.state, [i for i, _ in rows], time.time()))
    return len(rows)


def catch_up(*, timeout: float = 60.0) -> int:
    """Apply every pending change (CLI and tests); return how many were applied."""
    total = 0
    while True:
        applied = apply_changes(timeout=timeout, limit=5000)
        total += applied
        if not applied:
            return total


def ensure_fresh() -> None:
    """Bring the index up to date before a search (throttled; never raises for a user)."""
    svc = service()
    now = time.monotonic()
    if now - svc._checked < svc.interval:
        return
    svc._checked = now
    try:
        apply_changes(timeout=REQUEST_LOCK_WAIT)
    except IndexBusyError:
        # Another process is writing (catching up, or a `portal reindex`): its commit shows
        # up on our next search anyway; don't make every request wait for the lock.
        svc._checked = now + BUSY_BACKOFF
        log.info("search index busy; serving the last committed generation")
    except Exception as exc:  # noqa: BLE001 - a search still answers from the index it has
        _forget_transaction()
        _catch_up_failed(svc, exc, now)
    else:
        if svc._failing_since is not None:
            log.warning("search index catching up again after %.0f s",
                        now - svc._failing_since)
            svc._failing_since = None
            svc._index_failing = False


def _forget_transaction() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection died with the database: drop it, not reuse it
        db.session.remove()


def _catch_up_failed(svc: SearchService, exc: Exception, now: float) -> None:
    """Log when catching up starts failing, once: not a traceback every request (#13)."""
    if svc._failing_since is not None:
        return
    svc._failing_since = now
    svc._index_failing = isinstance(exc, IndexUnavailableError)
    expected = isinstance(exc, OperationalError | InterfaceError | OSError
                          | IndexUnavailableError)
    first_line = (str(exc).splitlines() or [""])[0][:300]
    log.warning("search index cannot catch up with the change log (%s: %s); searches use the "
                "last committed index until it can", type(exc).__name__, first_line,
                exc_info=None if expected else exc)


def reindex(*, progress: Callable[[int], None] | None = None, timeout: float = 600.0) -> int:
    """Rebuild the whole index from the database; return how many certificates it holds."""
    top = db.session.scalar(select(func.max(SearchChange.id))) or 0
    floor = max(top - MAX_GAPS, 0)
    recent = list(db.session.scalars(select(SearchChange.id).where(SearchChange.id > floor)))
    state = advance(SyncState(last_id=floor), recent, time.time())  # ids not seen become gaps
    return service().index.rebuild(_public_documents(), state, timeout=timeout,
                                   progress=progress)


def public_count() -> int:
    """Return how many certificates the index should hold (the non-restricted ones)."""
    return db.session.scalar(select(func.count(Certificate.id))
                             .where(Certificate.restricted.is_(False))) or 0


def _public_documents(batch: int = 2000) -> Iterator[CertificateDoc]:
    last = 0
    while True:
        rows = db.session.scalars(select(Certificate).where(Certificate.id > last,
                                                            Certificate.restricted.is_(False))
                                  .order_by(Certificate.id).limit(batch)).all()
        if not rows:
            return
        for cert in rows:
            yield document_for(cert)
        last = rows[-1].id
        db.session.expunge_all()  # keep memory flat on a million rows


@dataclass(frozen=True)
class IndexDifference:
    """One way the index differs from the database."""

    number_key: str
    problem: str  # "missing", "extra" or "outdated"


def differences() -> Iterator[IndexDifference]:
    """Compare the index with the database and yield every difference."""
    indexed = {e.key: e.digest for e in service().index.entries()}
    seen: set[str] = set()
    for doc in _public_documents():
        seen.add(doc.key)
        digest = indexed.get(doc.key)
        if digest is None:
            yield IndexDifference(doc.key, "missing")
        elif digest != doc.digest():
            yield IndexDifference(doc.key, "outdated")
    for key in sorted(set(indexed) - seen):
        yield IndexDifference(key, "extra")


# -- searching -------------------------------------------------------------------------------


class SearchParameterError(ValueError):
    """A search parameter that cannot be used (400 in the API)."""


@dataclass(frozen=True)
class SearchRequest:
    """Validated search parameters."""

    q: str = ""
    scheme: str | None = None
    status: str | None = None
    province: str | None = None
    standard: str | None = None  # a family (`ISO 9001`) or a version (`ISO 9001:2015`)
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"

    @property
    def filters(self) -> Filters:
        return Filters(scheme=self.scheme, status=self.status, province=self.province,
                       standard=self.standard)


def _int(args: Any, name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,6}", raw) or not low <= int(raw) <= high:
        raise SearchParameterError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def parse_request(args: Any, *, default_per_page: int = 20) -> SearchRequest:
    """Validate query-string search parameters (SearchParameterError says what is wrong)."""
    scheme = (args.get("scheme") or "").strip().upper() or None
    if scheme and scheme not in SCHEME_CODES:
        raise SearchParameterError("scheme must be one of " + ", ".join(sorted(SCHEME_CODES)))
    status = (args.get("status") or "").strip().lower() or None
    if status and status not in STATUSES:
        raise SearchParameterError("status must be one of " + ", ".join(STATUSES))
    province = (args.get("province") or "").strip() or None
    if province and len(province) > 50:
        raise SearchParameterError("province is too long")
    standard = (args.get("standard") or "").strip() or None
    if standard:
        standard = normalise_standard(standard[:100])
        if standard is None:
            raise SearchParameterError("standard must name one standard family like ISO 9001 or "
                                       "one version like ISO 9001:2015 or GB/T 19001-2016")
    sort = (args.get("sort") or "relevance").strip().lower()
    if sort not in ("relevance", "date"):
        raise SearchParameterError("sort must be relevance or date")
    return SearchRequest(q=str(args.get("q") or ""), scheme=scheme, status=status,
                         province=province, standard=standard,
                         page=_int(args, "page", 1, 1, MAX_PAGE),
                         per_page=_int(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
                         sort=sort)


# A text cut into (piece, matched) parts; the page marks the matched ones (no HTML here).
Highlight = tuple[tuple[str, bool], ...]


@dataclass
class Hit:
    """One result: the certificate as the public sees it, and its highlighted texts."""

    certificate: PublicCertificate
    status: str
    exact: bool
    name_zh: Highlight
    name_en: Highlight
    former_names: list[Highlight]
    scope: Highlight
    scope_lang: str


@dataclass
class SearchPage:
    """Everything a results page or the API shows."""

    request: SearchRequest
    query: ParsedQuery
    hits: list[Hit]
    total: int
    total_exact: bool
    facets: Facets | None
    credit_code_suggestion: str | None = None
    credit_code_problem: str | None = None
    near: list[PublicCertificate] = field(default_factory=list)
    index_state: str = INDEX_CURRENT

    @property
    def pages(self) -> int:
        shown = min(self.total, MAX_PAGE * self.request.per_page)
        return max(1, -(-shown // self.request.per_page))


def _marked(text: str, query: ParsedQuery, extra: frozenset[str]) -> Highlight:
    """Cut `text` into parts, marking where the query's terms occur."""
    return tuple(highlight_spans(text, query, extra))


def _snippet(text: str, query: ParsedQuery, extra: frozenset[str]) -> Highlight:
    spans = highlight_spans(text, query, extra)
    offset = 0
    first = None
    for piece, hit in spans:
        if hit:
            first = offset
            break
        offset += len(piece)
    start = 0 if first is None or first < SNIPPET_CHARS // 3 else first - SNIPPET_CHARS // 3
    cut = text[start : start + SNIPPET_CHARS]
    prefix = (("… ", False),) if start else ()
    suffix = ((" …", False),) if start + SNIPPET_CHARS < len(text) else ()
    return prefix + _marked(cut, query, extra) + suffix


def _hit(cert: Certificate, results: SearchResults, today: date, lang: str) -> Hit | None:
    public = PublicCertificate.of(cert, today)
    holder, scope = public.holder, public.scope
    if holder is None or scope is None:
        return None  # a restricted certificate is found by its number only, never by search
    query, extra = results.query, results.extra_words
    use_en = lang == "en" and bool(scope.en)
    formers = [_marked(n, query, extra) for n in holder.former_names]
    return Hit(certificate=public, status=public.status.value,
               exact=cert.number_key in results.exact_keys,
               name_zh=_marked(holder.name_zh, query, extra),
               name_en=_marked(holder.name_en, query, extra),
               former_names=[m for m in formers if any(hit for _, hit in m)],
               scope=_snippet(scope.en if use_en else scope.zh, query, extra),
               scope_lang="en" if use_en else "zh-CN")


def search(req: SearchRequest, *, today: date, lang: str = "zh") -> SearchPage:
    """Run a search: bring the index up to date, query it, and load the hits from the database."""
    ensure_fresh()
    parsed = parse_query(req.q)
    svc = service()
    state = INDEX_BEHIND if svc._index_failing else INDEX_CURRENT
    index: SearchIndex | None = None
    try:
        index = svc.index
        results = index.search(parsed, filters=req.filters, today=today, page=req.page,
                               per_page=req.per_page, sort=req.sort)
    except IndexUnavailableError:  # numbers and credit codes are still read from the database
        svc.forget_index()
        index, state = None, INDEX_UNAVAILABLE
        results = SearchResults(query=parsed, page=req.page, per_page=req.per_page)
    certificates = _certificates_by_key(results.keys, full=True)
    hits = [hit for hit in (_hit(certificates[k], results, today, lang) for k in results.keys
                            if k in certificates) if hit is not None]
    page = SearchPage(request=req, query=parsed, hits=hits, total=results.total,
                      total_exact=results.total_exact, facets=results.facets,
                      index_state=state)
    _merge_exact_from_database(page, results, today, lang)
    exact_hit = any(h.exact for h in page.hits)
    if not exact_hit and (parsed.credit_code or _looks_like_credit_code(req.q)):
        code = normalise_credit_code(req.q)
        page.credit_code_problem = credit_code_problem(code)
        if page.credit_code_problem:
            page.credit_code_suggestion = suggest_credit_code(code)
    if not page.hits and not parsed.is_empty and index is not None:
        near = _certificates_by_key(index.suggest_keys(parsed), full=True)
        page.near = [p for p in (PublicCertificate.of(c, today) for c in near.values())
                     if p.holder is not None]
    return page


def _passes_filters(cert: Certificate, filters: Filters, today: date) -> bool:
    return ((not filters.scheme or cert.scheme == filters.scheme)
            and (not filters.status or cert.public_status(today).value == filters.status)
            and (not filters.province or cert.province == filters.province))


def _merge_exact_from_database(page: SearchPage, results: SearchResults, today: date,
                               lang: str) -> None:
    """Add the certificates a number or credit code names exactly, read from the database.

    The index may lag behind an import by a few seconds; an exact identifier must not. Those
    the index has not returned come first on page 1 and count in the total on every page.
    """
    req = page.request
    exact = [c for c in verification.exact_matches(req.q)
             if _passes_filters(c, req.filters, today)]
    indexed = set(results.keys) | set(results.exact_keys)
    missing = [c for c in exact if c.number_key not in indexed]
    if not missing:
        return
    page.total += len(missing)
    if req.page == 1:
        added = []
        for cert in missing:
            hit = _hit(cert, results, today, lang)
            if hit is not None:
                hit.exact = True
                added.append(hit)
        page.hits = (added + page.hits)[: req.per_page]


def _looks_like_credit_code(text: str) -> bool:
    code = normalise_credit_code(text[:40])
    return 17 <= len(code) <= 19 and code.isalnum() and code.isascii() and code[2:8].isdigit()



def index_version() -> str:
    """Return what a search answer depends on in this process's index, after the usual
    (throttled) catch-up: the generation it reads and how far it applied the change log."""
    ensure_fresh()
    index = service().index
    state = index.state()
    gaps = ",".join(map(str, sorted(state.gaps)))
    return f"{index.generation()}:{state.last_id}:{gaps}"
