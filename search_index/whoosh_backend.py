"""The Whoosh implementation of the search index (every Whoosh call lives in this package).

Text is analysed by `search_index.text` into plain terms before Whoosh sees it, so fields are
whitespace-separated KEYWORD fields and user input never reaches a query parser. Filters and
facet counts read per-segment column values cached by segment id (segments never change once
written), so a refresh after a one-document update costs only the new small segment.
"""

import heapq
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.writing import CLEAR

from search_index.model import (
    CertificateDoc,
    Facets,
    Filters,
    IndexBusyError,
    IndexEntry,
    SearchResults,
    SyncState,
    public_status,
)
from search_index.text import ParsedQuery, analyse, number_terms, one_edit_stems

log = logging.getLogger(__name__)

META_KEY: Final = "__meta__"
COUNT_CAP: Final = 10_000  # matches counted exactly (totals and facets) before "10,000+"
MAX_FUZZY_OPTIONS: Final = 12
RESULT_WINDOW: Final = 1_000  # deepest result reachable by paging


def _schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        credit=ID(),
        ids=KEYWORD(),
        name=KEYWORD(scorable=True, field_boost=3.0),
        other=KEYWORD(scorable=True),
        scheme=ID(sortable=True),
        status=ID(sortable=True),
        province=ID(sortable=True),
        expiry=NUMERIC(int, bits=32, signed=False, sortable=True),
        issued=NUMERIC(int, bits=32, signed=False, sortable=True),
        digest=STORED(),
        meta=STORED(),
    )


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _fields(doc: CertificateDoc) -> dict[str, Any]:
    names = [doc.holder_name_zh, doc.holder_name_en, *doc.former_names]
    other = [doc.scope_zh, doc.scope_en, doc.standard, doc.province, doc.city]
    return {
        "key": doc.key,
        "credit": doc.credit_code.upper(),
        "ids": " ".join([*number_terms(doc.certificate_number, doc.key),
                         *([doc.credit_code.upper()] if doc.credit_code else [])]),
        "name": " ".join(t for n in names for t in analyse(n, name=True)),
        "other": " ".join(t for o in other for t in analyse(o)),
        "scheme": doc.scheme,
        "status": doc.status,
        "province": doc.province,
        "expiry": _day(doc.expiry_date),
        "issued": _day(doc.issue_date),
        "digest": doc.digest(),
    }


@dataclass
class _Columns:
    """Per-document values of one searcher generation, in global document order."""

    scheme: list[str]
    status: list[str]
    province: list[str]
    expiry: list[int]
    issued: list[int]
    deleted: frozenset[int]
    meta_docs: frozenset[int]


class WhooshIndex:
    """A certificate index in a directory (or in memory), safe across processes."""

    def __init__(self, location: str, *, procs: int = 1) -> None:
        self.location = location
        self.procs = procs
        self._lock = threading.RLock()
        self._segment_columns: dict[tuple[str, str], list[Any]] = {}
        self._searcher: Any = None
        self._columns: tuple[Any, _Columns] | None = None
        self._filters: dict[tuple[Any, ...], set[int] | None] = {}
        if location == ":memory:":
            self.storage: Any = RamStorage()
            self.ix = self.storage.create_index(_schema())
            self.procs = 1
        else:
            os.makedirs(location, exist_ok=True)
            self.storage = FileStorage(location)
            self.ix = self._open_or_create()

    def _open_or_create(self) -> Any:
        lock = self.storage.lock("CREATE")
        if not lock.acquire(blocking=True):  # pragma: no cover - blocking acquire waits
            raise IndexBusyError("could not lock the index directory")
        try:
            if whoosh_index.exists(self.storage):
                ix = whoosh_index.FileIndex(self.storage, indexname=whoosh_index._DEF_INDEX_NAME)
                if set(ix.schema.names()) != set(_schema().names()):
                    log.warning("search index schema changed; recreating an empty index")
                    return self.storage.create_index(_schema())
                return ix
            return self.storage.create_index(_schema())
        finally:
            lock.release()

    # -- reading ----------------------------------------------------------------------------

    def _current(self) -> Any:
        """Return a searcher on the newest committed generation (refreshing when stale)."""
        with self._lock:
            if self._searcher is None:
                self._searcher = self.ix.searcher()
            elif not self._searcher.up_to_date():
                # Not searcher.refresh(): it reuses a segment's reader even when the segment
                # gained deletions, so replaced documents would still match. The old searcher
                # is left to garbage collection (a request may still be reading it).
                self._searcher = self.ix.searcher()
                self._filters.clear()
            return self._searcher

    def generation(self) -> int:
        """Return the index generation this process currently searches."""
        return int(self._current().ixreader.generation())

    def state(self) -> SyncState:
        """Return how far the change log has been applied, as committed in the index."""
        return _read_state(self._current())

    def doc_count(self) -> int:
        """Return how many certificates are indexed."""
        searcher = self._current()
        return searcher.doc_count() - (1 if searcher.document_number(key=META_KEY) is not None
                                       else 0)

    def entries(self) -> Iterator[IndexEntry]:
        """Yield every indexed certificate's key and content digest (for check-index)."""
        searcher = self._current()
        for fields in searcher.reader().iter_docs():
            stored = fields[1]
            if stored.get("key") != META_KEY:
                yield IndexEntry(key=stored["key"], digest=stored.get("digest", ""))
        # iter_docs skips deleted documents

    def _segment_values(self, reader: Any, field: str) -> list[Any]:
        key = (reader.segment().segment_id(), field)
        values = self._segment_columns.get(key)
        if values is None:
            column = reader.column_reader(field, translate=True)
            values = list(column) if column is not None else []
            values.extend([""] * (reader.doc_count_all() - len(values)))
            self._segment_columns[key] = values
        return values

    def _columns_for(self, searcher: Any) -> _Columns:
        with self._lock:
            if self._columns is not None and self._columns[0] is searcher:
                return self._columns[1]
            live = set()
            merged: dict[str, list[Any]] = {f: [] for f in
                                            ("scheme", "status", "province", "expiry", "issued")}
            deleted: set[int] = set()
            for reader, base in searcher.reader().leaf_readers():
                live.add(reader.segment().segment_id())
                for field, values in merged.items():
                    values.extend(self._segment_values(reader, field))
                if reader.has_deletions():
                    deleted.update(base + d for d in reader._perdoc.deleted_docs())
            meta = searcher.document_number(key=META_KEY)
            cols = _Columns(deleted=frozenset(deleted),
                            meta_docs=frozenset([meta] if meta is not None else []), **merged)
            for key in [k for k in self._segment_columns if k[0] not in live]:
                del self._segment_columns[key]
            self._columns = (searcher, cols)
            return cols

    def _allowed(self, searcher: Any, cols: _Columns, filters: Filters,
                 today: date) -> set[int] | None:
        """Return the documents the filters allow (None: no filter), cached per generation."""
        if not filters.active:
            return None
        key = (id(searcher), filters, today)
        with self._lock:
            if key in self._filters:
                cached = self._filters[key]
                return cached
        day = _day(today)
        tests = _filter_tests(cols, filters, day)
        n = len(cols.scheme)
        # A plain set: Whoosh accepts `set` (not frozenset) as a filter; never mutated.
        allowed = {d for d in range(n) if all(t(d) for t in tests)} - cols.deleted
        with self._lock:
            if len(self._filters) > 64:
                self._filters.clear()
            self._filters[key] = allowed
        return allowed

    def _build(self, searcher: Any, parsed: ParsedQuery) -> tuple[Any, frozenset[str]]:
        reader = searcher.reader()
        extra: set[str] = set()
        clauses = []
        fuzzy_budget = 3
        for clause in parsed.clauses:
            options = [Q.Term(f, t) for f, t in clause.options]
            if clause.word and fuzzy_budget and not any(
                    reader.doc_frequency(f, t) for f, t in clause.options):
                fuzzy_budget -= 1
                found = [s for s in one_edit_stems(clause.word)
                         if reader.doc_frequency("name", s) or reader.doc_frequency("other", s)]
                found = sorted(found, key=lambda s: -(reader.doc_frequency("name", s)
                                                      + reader.doc_frequency("other", s)))
                for s in found[:MAX_FUZZY_OPTIONS]:
                    extra.add(s)
                    options += [Q.Term("name", s, boost=0.5), Q.Term("other", s, boost=0.5)]
            clauses.append(Q.Or(options) if len(options) > 1 else options[0])
        alternatives = []
        if clauses:
            alternatives.append(Q.And(clauses) if len(clauses) > 1 else clauses[0])
        if parsed.number_key:
            alternatives.append(Q.Term("ids", parsed.number_key, boost=10.0))
        if parsed.credit_code:
            alternatives.append(Q.Term("ids", parsed.credit_code, boost=10.0))
        if not alternatives:
            return None, frozenset()
        query = Q.Or(alternatives) if len(alternatives) > 1 else alternatives[0]
        return query.normalize(), frozenset(extra)

    def search(self, parsed: ParsedQuery, *, filters: Filters, today: date, page: int = 1,
               per_page: int = 20, sort: str = "relevance") -> SearchResults:
        """Return one page of certificate keys, best first, with totals and facet counts."""
        searcher = self._current()
        cols = self._columns_for(searcher)
        allowed = self._allowed(searcher, cols, filters, today)
        query, extra = self._build(searcher, parsed)
        start = (page - 1) * per_page
        window = min(start + per_page, RESULT_WINDOW)
        day = _day(today)
        exact = self._exact(searcher, parsed, allowed, cols)

        if query is None:
            if not filters.active:
                return SearchResults(query=parsed, page=page, per_page=per_page)
            candidates = allowed or set()
            counted = _count(cols, candidates, filters, day, cap=COUNT_CAP)
            top = heapq.nlargest(window, candidates, key=lambda d: (cols.issued[d], d))
            keys = [searcher.stored_fields(d)["key"] for d in top[start:window]]
            return SearchResults(query=parsed, keys=keys, total=len(candidates),
                                 total_exact=True,
                                 facets=counted.facets, page=page, per_page=per_page)

        matcher = query.matcher(searcher)
        ids = (d for d in matcher.all_ids() if d not in cols.meta_docs)
        counted = _count(cols, ids, filters, day, cap=COUNT_CAP)
        if sort == "date":
            hits = searcher.search(query, limit=window, filter=allowed, sortedby="issued",
                                   reverse=True, terms=False)
        else:
            hits = searcher.search(query, limit=window, filter=allowed, terms=False)
        ordered = list(exact) + [h.docnum for h in hits if h.docnum not in exact]
        keys = [searcher.stored_fields(d)["key"] for d in ordered[start:window]]
        exact_keys = frozenset(searcher.stored_fields(d)["key"] for d in exact)
        return SearchResults(query=parsed, keys=keys, total=counted.total,
                             total_exact=counted.exact, facets=counted.facets, page=page,
                             per_page=per_page, exact_keys=exact_keys, extra_words=extra)

    def _exact(self, searcher: Any, parsed: ParsedQuery, allowed: set[int] | None,
               cols: _Columns) -> list[int]:
        terms = []
        if parsed.number_key:
            terms.append(Q.Term("key", parsed.number_key))
        if parsed.credit_code:
            terms.append(Q.Term("credit", parsed.credit_code))
        found: list[int] = []
        for term in terms:
            for d in itertools.islice(searcher.docs_for_query(term), 50):
                if (allowed is None or d in allowed) and d not in found:
                    found.append(d)
        return found

    def suggest_keys(self, parsed: ParsedQuery, *, limit: int = 5) -> list[str]:
        """Return keys of near matches: documents matching any one clause, best first."""
        searcher = self._current()
        options = [Q.Term(f, t) for c in parsed.clauses for f, t in c.options]
        if not options:
            return []
        hits = searcher.search(Q.Or(options), limit=limit, terms=False)
        return [h["key"] for h in hits if h["key"] != META_KEY]

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def batch(self, *, timeout: float) -> Iterator["Batch"]:
        """Open a writer (waiting up to `timeout` s for the lock) and commit on success."""
        try:
            writer = self.ix.writer(timeout=timeout)
        except LockError as exc:
            raise IndexBusyError("another process is writing the search index") from exc
        try:
            # Under the lock, the newest generation is final until we commit. The searcher
            # must stay open until then: closing it closes segment files the writer shares,
            # which silently loses the writer's deletions.
            searcher = self.ix.searcher()
            batch = Batch(writer, _read_state(searcher))
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.dirty:
            writer.update_document(key=META_KEY, meta=batch.state.to_json())
            writer.commit()
        else:
            writer.cancel()
        del searcher  # only now may it be collected

    def rebuild(self, docs: Iterable[CertificateDoc], state: SyncState, *, timeout: float,
                progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with `docs` in one commit; return how many were added."""
        kwargs: dict[str, Any] = {"timeout": timeout, "limitmb": 256}
        if self.procs > 1:
            kwargs.update(procs=self.procs, multisegment=True, batchsize=500)
        try:
            writer = self.ix.writer(**kwargs)
        except LockError as exc:
            raise IndexBusyError("another process is writing the search index") from exc
        count = 0
        try:
            for doc in docs:
                writer.add_document(**_fields(doc))
                count += 1
                if progress is not None:
                    progress(1)
            writer.add_document(key=META_KEY, meta=state.to_json())
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        return count


class Batch:
    """Changes made under the index write lock; `state` is the committed sync state."""

    def __init__(self, writer: Any, state: SyncState) -> None:
        self._writer = writer
        self.state = state
        self.dirty = False

    def upsert(self, doc: CertificateDoc) -> None:
        """Add or replace the document of one certificate."""
        self._writer.update_document(**_fields(doc))
        self.dirty = True

    def delete(self, key: str) -> None:
        """Remove a certificate from the index (restricted, or gone from the database)."""
        self._writer.delete_by_term("key", key)
        self.dirty = True

    def set_state(self, state: SyncState) -> None:
        """Record how far the change log has been applied (committed with the changes)."""
        self.dirty = self.dirty or state != self.state
        self.state = state


def _read_state(searcher: Any) -> SyncState:
    fields = searcher.document(key=META_KEY)
    if not fields or not fields.get("meta"):
        return SyncState()
    return SyncState.from_json(fields["meta"])


def _filter_tests(cols: _Columns, filters: Filters, day: int) -> list[Callable[[int], bool]]:
    tests: list[Callable[[int], bool]] = []
    if filters.scheme:
        tests.append(lambda d: cols.scheme[d] == filters.scheme)
    if filters.province:
        tests.append(lambda d: cols.province[d] == filters.province)
    if filters.status:
        tests.append(lambda d: public_status(cols.status[d], cols.expiry[d], day)
                     == filters.status)
    return tests


@dataclass
class _Counted:
    total: int
    exact: bool
    facets: Facets | None


def _count(cols: _Columns, ids: Iterable[int], filters: Filters, day: int,
           *, cap: int) -> _Counted:
    """Count matches passing the filters and, per facet, those passing the other filters."""
    schemes: dict[str, int] = {}
    statuses: dict[str, int] = {}
    provinces: dict[str, int] = {}
    total = 0
    seen = 0
    scheme_f, status_f, province_f = filters.scheme, filters.status, filters.province
    for d in ids:
        seen += 1
        if seen > cap:
            return _Counted(total=total, exact=False, facets=None)
        scheme = cols.scheme[d]
        if not scheme:
            continue
        status = public_status(cols.status[d], cols.expiry[d], day)
        province = cols.province[d]
        ok_scheme = not scheme_f or scheme == scheme_f
        ok_status = not status_f or status == status_f
        ok_province = not province_f or province == province_f
        if ok_status and ok_province:
            schemes[scheme] = schemes.get(scheme, 0) + 1
        if ok_scheme and ok_province:
            statuses[status] = statuses.get(status, 0) + 1
        if ok_scheme and ok_status and province:
            provinces[province] = provinces.get(province, 0) + 1
        if ok_scheme and ok_status and ok_province:
            total += 1
    return _Counted(total=total, exact=True,
                    facets=Facets(scheme=schemes, status=statuses, province=provinces))


