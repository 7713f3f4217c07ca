"""The Whoosh implementation of the search index (every Whoosh call lives in this package).

Text is analysed by `search_index.text` into plain terms before Whoosh sees it, so user input
never reaches a query parser. Whoosh stores the postings, columns and documents, handles
segments, locking and atomic commits; matching is set algebra over posting lists and columns
cached per segment (a segment never changes once written, so after a one-document update only
the new small segment is read).
"""

import heapq
import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from whoosh import index as whoosh_index
from whoosh.columns import NumericColumn, RefBytesColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.system import pack_uint
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
from search_index.text import (
    MAX_FUZZY_WORDS,
    ParsedQuery,
    analyse,
    number_terms,
    one_edit_stems,
)

log = logging.getLogger(__name__)

META_KEY: Final = "__meta__"
FACET_CAP: Final = 200_000  # beyond this many matches, facet counts are not worth their cost
SEGMENT_CACHE_ITEMS: Final = 4_000_000  # document ids kept in cached posting sets (~150 MB)
MAX_FUZZY_OPTIONS: Final = 12
_COLUMNS: Final = ("scheme", "status", "province", "expiry", "issued", "namelen")
RESULT_WINDOW: Final = 1_000  # deepest result reachable by paging


class _Terms(KEYWORD):
    """A field fed with terms already analysed by `search_index.text` (space-separated).

    Whoosh's analyzer pipeline makes a Token object per word; counting the words directly
    is several times faster and yields the same postings (Frequency format).
    """

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        words = value.split() if isinstance(value, str) else value
        return [(w.encode("utf-8"), n, n * boost, pack_uint(n))
                for w, n in Counter(words).items()]


def _schema() -> Schema:
    # Filter values, dates and name lengths are columns only: matching and facets read
    # them per document; indexing them as terms would only slow the build down.
    return Schema(
        key=ID(stored=True, unique=True),
        credit=ID(),
        ids=_Terms(),
        name=_Terms(scorable=True, field_boost=3.0),
        other=_Terms(scorable=True),
        scheme=COLUMN(RefBytesColumn()),
        status=COLUMN(RefBytesColumn()),
        province=COLUMN(VarBytesColumn()),
        expiry=COLUMN(NumericColumn("I")),
        issued=COLUMN(NumericColumn("I")),
        namelen=COLUMN(NumericColumn("I")),
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
        "scheme": doc.scheme.encode(),
        "status": doc.status.encode(),
        "province": doc.province.encode(),
        "expiry": _day(doc.expiry_date),
        "issued": _day(doc.issue_date),
        "namelen": min(len(analyse(doc.holder_name_zh, name=True)), 999),
        "digest": doc.digest(),
    }


@dataclass
class _View:
    """One searcher generation with its per-document values and cached document sets.

    Matching is set algebra over cached posting sets (C speed), not Whoosh's per-posting
    Python matchers: an AND of common bigrams over 100,000 names costs a few set
    intersections instead of walking every posting.
    """

    searcher: Any
    scheme: list[str]
    status: list[str]
    province: list[str]
    expiry: list[int]
    issued: list[int]
    rank: list[int]  # shorter (closer) names first, then newer
    newest: list[int]  # newer first
    segments: list[tuple[Any, int, tuple[str, int]]]  # (reader, base, cache key)
    deleted: frozenset[int]
    sets: dict[tuple[Any, ...], set[int]] = field(default_factory=dict)

    def cached(self, key: tuple[Any, ...], make: Callable[[], set[int]]) -> set[int]:
        found = self.sets.get(key)
        if found is None:
            if len(self.sets) > 2048:
                self.sets.clear()
            found = self.sets[key] = make()
        return found


class WhooshIndex:
    """A certificate index in a directory (or in memory), safe across processes."""

    def __init__(self, location: str, *, procs: int = 1) -> None:
        self.location = location
        self.procs = procs
        self._lock = threading.RLock()
        self._segment_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._segment_cache_size = 0
        self._segment_columns: dict[tuple[Any, ...], list[Any]] = {}
        # (scheme, public status, province) -> code; grows only, shared by all segments
        self._facet_numbering: dict[tuple[str, ...], int] = {}
        self._searcher: Any = None
        self._view: _View | None = None
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
                try:
                    ix = whoosh_index.FileIndex(self.storage,
                                                indexname=whoosh_index._DEF_INDEX_NAME)
                    same = repr(ix.schema.items()) == repr(_schema().items())
                except Exception:  # an unreadable index is started afresh, not fatal
                    log.exception("search index unreadable")
                    same = False
                if not same:
                    # The change log rebuilds it: every process catches up from id 0.
                    log.warning("search index format changed; starting an empty index")
                    return self.storage.create_index(_schema())
                return ix
            return self.storage.create_index(_schema())
        finally:
            lock.release()

    # -- reading ----------------------------------------------------------------------------

    def _current(self) -> Any:
        """Return a searcher on the newest committed generation (reopening when stale)."""
        with self._lock:
            if self._searcher is None or not self._searcher.up_to_date():
                # Not searcher.refresh(): it reuses a segment's reader even when the segment
                # gained deletions, so replaced documents would still match. The old searcher
                # is left to garbage collection (a request may still be reading it).
                self._searcher = self.ix.searcher()
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
        for _, stored in self._current().reader().iter_docs():  # skips deleted documents
            if stored.get("key") != META_KEY:
                yield IndexEntry(key=stored["key"], digest=stored.get("digest", ""))

    def _segment_get(self, key: tuple[Any, ...], make: Callable[[], Any], size: int) -> Any:
        """Cache values of immutable segments (least recently used go first)."""
        with self._lock:
            found = self._segment_cache.get(key)
            if found is not None:
                self._segment_cache.move_to_end(key)
                return found
        found = make()
        with self._lock:
            self._segment_cache[key] = found
            self._segment_cache_size += size(found)
            while self._segment_cache_size > SEGMENT_CACHE_ITEMS and len(self._segment_cache) > 1:
                _, old = self._segment_cache.popitem(last=False)
                self._segment_cache_size -= size(old)
        return found

    def _current_view(self) -> _View:
        searcher = self._current()
        with self._lock:
            if self._view is not None and self._view.searcher is searcher:
                return self._view
        columns: dict[str, list[Any]] = {f: [] for f in (*_COLUMNS, "newest", "rank")}
        segments = []
        deleted: set[int] = set()
        live: set[str] = set()
        for reader, base in searcher.reader().leaf_readers():
            segment = reader.segment()
            if segment is None:  # an empty index has a reader without a segment
                continue
            segid = segment.segment_id()
            live.add(segid)
            for name, values in columns.items():
                values.extend(self._segment_column(reader, segid, name))
            perdoc = reader._perdoc  # lists deletions without a matcher per document
            gone = list(perdoc.deleted_docs()) if reader.has_deletions() else []
            deleted.update(base + d for d in gone)
            segments.append((reader, base, (segid, len(gone))))
        for key in [k for k in self._segment_columns if k[0] not in live]:
            del self._segment_columns[key]  # merged away
        view = _View(searcher=searcher, scheme=columns["scheme"], status=columns["status"],
                     province=columns["province"], expiry=columns["expiry"],
                     issued=columns["issued"], rank=columns["rank"], newest=columns["newest"],
                     segments=segments, deleted=frozenset(deleted))
        with self._lock:
            self._view = view
        return view

    def _segment_column(self, reader: Any, segid: str, name: str) -> list[Any]:
        """Return one segment's values of a column, or of a value derived from columns."""
        key = (segid, name)
        found = self._segment_columns.get(key)
        if found is None:
            if name == "newest":
                found = [99_999_999 - i if i else 99_999_999
                         for i in self._segment_column(reader, segid, "issued")]
            elif name == "rank":  # shorter (closer) names first, then newer
                found = [n * 100_000_000 + d for n, d in zip(
                    self._segment_column(reader, segid, "namelen"),
                    self._segment_column(reader, segid, "newest"), strict=True)]
            else:
                found = _column(reader, name)
            self._segment_columns[key] = found
        return found

    def _segment_day_column(self, view: _View, name: str, day: int) -> list[Any]:
        """Concatenate a per-day derived column (public status, facet code) of every segment."""
        out: list[Any] = []
        for reader, _, (segid, _) in view.segments:
            key = (segid, name, day)
            found = self._segment_columns.get(key)
            if found is None:
                for old in [k for k in self._segment_columns
                            if k[0] == segid and k[1] == name and k != key]:
                    del self._segment_columns[old]  # yesterday's
                statuses = [public_status(st, e, day) for st, e in zip(
                    self._segment_column(reader, segid, "status"),
                    self._segment_column(reader, segid, "expiry"), strict=True)]
                if name == "public-status":
                    found = statuses
                else:
                    with self._lock:
                        number = self._facet_numbering
                        found = [number.setdefault(t, len(number)) for t in zip(
                            self._segment_column(reader, segid, "scheme"), statuses,
                            self._segment_column(reader, segid, "province"), strict=True)]
                self._segment_columns[key] = found
            out.extend(found)
        return out

    def _term_docs(self, view: _View, fieldname: str, text: str) -> set[int]:
        """Return the live documents holding `text` in `fieldname` (cached as a set)."""

        def make() -> set[int]:
            found: set[int] = set()
            for reader, base, (segid, _) in view.segments:
                local = self._segment_get(
                    ("term", segid, fieldname, text),
                    lambda r=reader: _postings(r, fieldname, text), len)
                found.update(local if base == 0 else (base + d for d in local))
            return found - view.deleted if view.deleted else found

        return view.cached(("term", fieldname, text), make)

    def _vocabulary(self, view: _View) -> set[str]:
        """Return every English word (stem) in names and scopes, to correct typos against."""

        def segment_words(reader: Any) -> frozenset[str]:
            return frozenset(t for f in ("name", "other") for t in reader.field_terms(f)
                             if t.isascii() and t.isalpha())

        def make() -> set[str]:
            words: set[str] = set()
            for reader, _, (segid, _) in view.segments:
                words |= self._segment_get(("words", segid), lambda r=reader: segment_words(r),
                                           len)
            return words

        return view.cached(("words",), make)  # type: ignore[arg-type,return-value]

    def _value_docs(self, view: _View, name: str, value: str, day: int) -> set[int]:
        """Return the documents whose filter field `name` equals `value` on `day`."""

        def make() -> set[int]:
            column = self._public_status(view, day) if name == "status" else getattr(view, name)
            return {d for d, v in enumerate(column) if v == value} - view.deleted

        return view.cached(("value", name, value, day if name == "status" else 0), make)

    def _public_status(self, view: _View, day: int) -> list[str]:
        key = ("public-status", day)
        found = view.sets.get(key)
        if found is None:
            found = view.sets[key] = self._segment_day_column(  # type: ignore[assignment]
                view, "public-status", day)
        return found  # type: ignore[return-value]

    def _expand(self, view: _View, parsed: ParsedQuery) -> tuple[list[set[int]], list[set[int]],
                                                                   frozenset[str]]:
        """Return per clause: the documents matching it, and those matching it by name or id."""
        extra: set[str] = set()
        matches: list[set[int]] = []
        strong: list[set[int]] = []
        fuzzy_budget = MAX_FUZZY_WORDS
        for clause in parsed.clauses:
            options = list(clause.options)
            if clause.word and fuzzy_budget:
                words = self._vocabulary(view)
                if not any(t in words for _, t in clause.options):
                    fuzzy_budget -= 1  # nothing matches as typed: allow one typo
                    for stem in [s for s in one_edit_stems(clause.word) if s in words][
                            :MAX_FUZZY_OPTIONS]:
                        extra.add(stem)
                        options += [("name", stem), ("other", stem)]
            sets = [self._term_docs(view, f, t) for f, t in options]
            matches.append(sets[0].union(*sets[1:]) if len(sets) > 1 else sets[0])
            named = [s for (f, _), s in zip(options, sets, strict=True) if f in ("name", "ids")]
            strong.append(named[0].union(*named[1:]) if named else set())
        return matches, strong, frozenset(extra)

    def search(self, parsed: ParsedQuery, *, filters: Filters, today: date, page: int = 1,
               per_page: int = 20, sort: str = "relevance") -> SearchResults:
        """Return one page of certificate keys, best first, with the total and facet counts."""
        view = self._current_view()
        day = _day(today)
        chosen = {name: getattr(filters, name) for name in ("scheme", "status", "province")}
        filter_sets = {name: self._value_docs(view, name, value, day)
                       for name, value in chosen.items() if value}
        exact = self._exact(view, parsed)
        matches, strong, extra = self._expand(view, parsed)
        if matches:
            base = _intersect(matches)
        elif exact:
            base = set(exact)
        elif filter_sets:
            base = _intersect(list(filter_sets.values()))
        else:
            return SearchResults(query=parsed, page=page, per_page=per_page)
        base |= set(exact)
        if view.deleted:
            base -= view.deleted
        found = _intersect([base, *filter_sets.values()])
        exact = [d for d in exact if d in found]

        start = (page - 1) * per_page
        window = min(start + per_page, RESULT_WINDOW)
        if sort == "date" or not matches:
            newest = heapq.nsmallest(window, found, key=view.newest.__getitem__)
            ordered = exact + [d for d in newest if d not in exact]
        else:
            named = found & _intersect(strong) if all(strong) else set()
            ordered = list(exact)
            if len(named) >= window:
                ordered += heapq.nsmallest(window, named, key=view.rank.__getitem__)
            else:
                ordered += sorted(named, key=view.rank.__getitem__)
                ordered += heapq.nsmallest(window - len(named), found - named,
                                           key=view.newest.__getitem__)
            seen: set[int] = set()
            ordered = [d for d in ordered if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]
        stored = view.searcher.stored_fields
        keys = [stored(d)["key"] for d in ordered[start:window]]
        return SearchResults(
            query=parsed, keys=keys, total=len(found), total_exact=True,
            facets=self._facets(view, base, filter_sets, day), page=page, per_page=per_page,
            exact_keys=frozenset(stored(d)["key"] for d in exact), extra_words=extra)

    def _facets(self, view: _View, base: set[int], filter_sets: dict[str, set[int]],
                day: int) -> Facets | None:
        """Count each facet's values among the matches passing the *other* filters.

        Every document carries one code for its (scheme, status, province) triple, so one
        C-speed Counter pass serves all facets that share a document set.
        """
        if len(base) > FACET_CAP:
            return None
        codes, triples = self._facet_codes(view, day)
        counts: dict[str, dict[str, int]] = {"scheme": {}, "status": {}, "province": {}}
        by_docs: dict[tuple[str, ...], list[int]] = {}
        for position, name in enumerate(("scheme", "status", "province")):
            others = tuple(sorted(n for n in filter_sets if n != name))
            by_docs.setdefault(others, []).append(position)
        for others, positions in by_docs.items():
            docs = _intersect([base, *(filter_sets[n] for n in others)]) if others else base
            for code, n in Counter(map(codes.__getitem__, docs)).items():
                triple = triples[code]
                for position in positions:
                    value = triple[position]
                    if value:
                        bucket = counts[("scheme", "status", "province")[position]]
                        bucket[value] = bucket.get(value, 0) + n
        return Facets(**counts)

    def _facet_codes(self, view: _View, day: int) -> tuple[list[int], list[tuple[str, ...]]]:
        key = ("facet-codes", day)
        found = view.sets.get(key)
        if found is None:
            codes = self._segment_day_column(view, "facet-codes", day)
            with self._lock:
                triples = sorted(self._facet_numbering, key=self._facet_numbering.__getitem__)
            found = view.sets[key] = (codes, triples)  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    def _exact(self, view: _View, parsed: ParsedQuery) -> list[int]:
        found: list[int] = []
        for fieldname, text in (("key", parsed.number_key), ("credit", parsed.credit_code)):
            if text:
                found += sorted(self._term_docs(view, fieldname, text) - view.deleted)[:50]
        return list(dict.fromkeys(found))

    def suggest_keys(self, parsed: ParsedQuery, *, limit: int = 5) -> list[str]:
        """Return keys of near matches: documents matching the most clauses, closest names first."""
        view = self._current_view()
        matches, _, _ = self._expand(view, parsed)
        scores: Counter[int] = Counter()
        for docs in matches:
            if len(docs) <= FACET_CAP:
                scores.update(docs - view.deleted)
        best = sorted(scores, key=lambda d: (-scores[d], view.rank[d]))[:limit]
        return [view.searcher.stored_fields(d)["key"] for d in best]

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
        self._searcher: Any = None
        self.state = state
        self.dirty = False

    def _delete(self, key: str) -> None:
        # One searcher for the whole batch: Whoosh would open one per deleted document.
        if self._searcher is None:
            self._searcher = self._writer.searcher()
        self._writer.delete_by_term("key", key, searcher=self._searcher)

    def upsert(self, doc: CertificateDoc) -> None:
        """Add or replace the document of one certificate."""
        self._delete(doc.key)
        self._writer.add_document(**_fields(doc))
        self.dirty = True

    def delete(self, key: str) -> None:
        """Remove a certificate from the index (restricted, or gone from the database)."""
        self._delete(key)
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


def _column(reader: Any, name: str) -> list[Any]:
    values: list[Any] = list(reader.column_reader(name)) if reader.has_column(name) else []
    if name in ("scheme", "status", "province"):
        values = [v.decode("utf-8") if v else "" for v in values]
        default: Any = ""
    else:
        values = [v or 0 for v in values]
        default = 0
    values.extend([default] * (reader.doc_count_all() - len(values)))
    return values


def _postings(reader: Any, fieldname: str, text: str) -> frozenset[int]:
    """Read one posting list of a segment, a block at a time (deleted documents included)."""
    if (fieldname, text) not in reader:
        return frozenset()
    matcher = reader.postings(fieldname, text)
    matcher = getattr(matcher, "child", matcher)  # unwrap the deletions filter: removed later
    if not (hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block")):
        return frozenset(matcher.all_ids())  # short lists are stored inline
    ids: list[int] = []
    while matcher.is_active():  # whole blocks, not one Python call per posting
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return frozenset(ids)


def _intersect(sets: list[set[int]]) -> set[int]:
    """Intersect sets smallest first (each step costs the smaller side)."""
    ordered = sorted(sets, key=len)
    result = set(ordered[0])
    for other in ordered[1:]:
        if not result:
            break
        result &= other
    return result
