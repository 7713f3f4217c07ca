"""The Whoosh implementation of the search index (every Whoosh call lives in this package).

Text is analysed by `search_index.text` into plain terms before Whoosh sees it, so user input
never reaches a query parser. Whoosh stores the postings, columns and documents, handles
segments, locking and atomic commits. Matching, totals, facet counts and ranking are bit
operations on document sets held as int bitmasks (`search_index.bitset`), made from posting
lists and columns once per segment (a segment never changes once written, so after a
one-document update only the new small segment is read).
"""

import functools
import heapq
import logging
import os
import struct
import sys
import tempfile
import threading
from array import array
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import accumulate, repeat
from operator import floordiv
from typing import Any, Final, TypeVar

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn, RefBytesColumn
from whoosh.fields import COLUMN, ID, STORED, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.writing import CLEAR

from search_index import bitset
from search_index.model import (
    CertificateDoc,
    Facets,
    Filters,
    IndexBusyError,
    IndexEntry,
    IndexUnavailableError,
    SearchResults,
    SyncState,
    public_status,
)
from search_index.standards import SEPARATOR as STANDARD_SEPARATOR
from search_index.standards import standard_terms
from search_index.text import (
    MAX_FUZZY_WORDS,
    ParsedQuery,
    analyse,
    number_terms,
    one_edit_stems,
)

log = logging.getLogger(__name__)

META_KEY: Final = "__meta__"
FACET_FIELDS: Final = ("scheme", "status", "province", "standard")
# Filter columns stored one value per document; `standard` holds the joined standard terms.
CODE_COLUMNS: Final = ("scheme", "status", "province", "standard")
SEGMENT_CACHE_BYTES: Final = 192 << 20  # posting lists kept as per-segment bitmasks
VIEW_CACHE_BYTES: Final = 64 << 20  # sets kept for the current generation
SUGGEST_CAP: Final = 200_000  # a clause matching more says nothing about near matches
MAX_FUZZY_OPTIONS: Final = 12
RESULT_WINDOW: Final = 1_000  # deepest result reachable by paging
OPEN_ATTEMPTS: Final = 10  # generations tried when commits keep removing segments being opened
POSTING_BLOCK: Final = 1_024  # postings per block on disk
# Facets of at most max(FEW_DOCS, documents / FEW_DOCS_DIVISOR) matches are counted one
# document at a time; more, one bitmask AND and population count per value.
FEW_DOCS: Final = 64
FEW_DOCS_DIVISOR: Final = 500
# Ranking: at most SORT_DOCS matches of a segment are sorted; more are taken from the first
# runs of its documents, newest first, that hold any (ORDER_RUNS runs of ≥ ORDER_RUN_MIN
# documents), within each name length when ranking by relevance.
SORT_DOCS: Final = 256
ORDER_RUNS: Final = 32
ORDER_RUN_MIN: Final = 1_024


class _Terms(ID):  # type: ignore[misc]  # Whoosh is untyped
    """A field fed with terms already analysed by `search_index.text` (space-separated).

    Postings only say which documents hold a term (Existence format: no frequencies,
    weights or field lengths), since matching is set algebra and reads nothing else; that
    keeps posting blocks small to write and quick to read. Whoosh's analyzer pipeline would
    make a Token object per word; splitting the words directly is several times faster.
    """

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        words = value.split() if isinstance(value, str) else value
        return [(w.encode("utf-8"), 1, 1.0, b"") for w in set(words)]


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's codec with bigger posting blocks and no per-posting length statistics.

    Posting lists are only ever read whole, so blocks of POSTING_BLOCK postings (Whoosh's
    default is 128, for skipping) spend less per block on reading. Length statistics only
    serve scoring, which this index never does; with them, writing a segment looks up the
    field-length column for every posting and, for a field without lengths, asks the file
    system whether that column exists: one stat() call per posting.
    """

    length_stats = False

    def __init__(self) -> None:
        super().__init__(blocklimit=POSTING_BLOCK)


# Segments are written as separate files, not one compound file: Whoosh reads a compound
# file through memory maps wrapped in BytesIO, which copies every part of it into each
# process that opens the index (1.5 GB and a second per generation at a million documents).
_WRITER_OPTIONS: Final = {"codec": _Codec(), "compound": False}


def _schema() -> Schema:
    # Filter values, dates and name lengths are columns only: matching and facets read
    # them per document; indexing them as terms would only slow the build down.
    return Schema(
        key=ID(stored=True, unique=True),
        credit=ID(),
        ids=_Terms(),
        name=_Terms(),
        other=_Terms(),
        # One reference byte per document (while a segment has < 256 values): read whole.
        scheme=COLUMN(RefBytesColumn()),
        status=COLUMN(RefBytesColumn()),
        province=COLUMN(RefBytesColumn()),
        standard=COLUMN(RefBytesColumn()),
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
        "standard": STANDARD_SEPARATOR.join(standard_terms(doc.standard)).encode(),
        "expiry": _day(doc.expiry_date),
        "issued": _day(doc.issue_date),
        "namelen": min(len(analyse(doc.holder_name_zh, name=True)), 999),
        "digest": doc.digest(),
    }


class _Segment:
    """The per-document values of one segment, read once: a segment never changes after it is
    written (its deletions belong to a generation and are kept in the view instead).

    Filter columns are kept as one code byte per document plus the list of values; dates and
    name lengths as arrays. Sets derived from them (documents per value, per expiry day, in
    ranking order) are made on first use and kept as long as the segment lives.
    """

    def __init__(self, reader: Any) -> None:
        self.size = size = reader.doc_count_all()
        self.full = (1 << size) - 1
        self.codes: dict[str, tuple[bytes | array[int], list[str]]] = {
            name: _code_column(reader, name, size) for name in CODE_COLUMNS}
        self.expiry_raw = _raw_numbers(reader, "expiry", size)  # big-endian uint32 per doc
        self.issued = _numbers(reader, "issued", size)
        self.namelen = _numbers(reader, "namelen", size)
        self.expiry = array("I", self.expiry_raw)
        if sys.byteorder == "little":
            self.expiry.byteswap()
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, int]] = {}
        self._expiry_planes: list[bytes] | None = None
        self._status: dict[int, dict[str, int]] = {}
        self._newest: list[int] | None = None
        self._lengths: list[tuple[int, int]] | None = None

    def value(self, name: str, local: int) -> str:
        codes, values = self.codes[name]
        return values[codes[local]]

    def public_status(self, local: int, day: int) -> str:
        return public_status(self.value("status", local), self.expiry[local], day)

    def value_sets(self, name: str) -> dict[str, int]:
        """Return {value: documents} of a filter column (stored status for `status`)."""
        found = self._values.get(name)
        if found is None:
            codes, values = self.codes[name]
            found = {}
            for value, docs in zip(values, bitset.code_masks(codes, len(values)), strict=True):
                if docs:
                    found[value] = found.get(value, 0) | docs
            with self._lock:
                self._values[name] = found
        return found

    def status_sets(self, day: int) -> dict[str, int]:
        """Return {public status: documents} on `day` (valid/suspended past expiry: expired)."""
        found = self._status.get(day)
        if found is None:
            stored = dict(self.value_sets("status"))
            before = self._expired_before(day)
            gone = 0
            for name in ("valid", "suspended"):
                docs = stored.get(name, 0)
                late = docs & before
                if late:
                    stored[name] = docs ^ late
                    gone |= late
            if gone:
                stored["expired"] = stored.get("expired", 0) | gone
            found = {k: v for k, v in stored.items() if v}
            with self._lock:
                if len(self._status) > 2:  # yesterday's and older
                    self._status.clear()
                self._status[day] = found
        return found

    def _expired_before(self, day: int) -> int:
        planes = self._expiry_planes
        if planes is None:
            raw = self.expiry_raw
            planes = self._expiry_planes = [raw[i::4][::-1] for i in range(4)]
        return bitset.less_than(planes, struct.pack(">I", min(max(day, 0), 0xFFFFFFFF)))

    def newest_runs(self) -> list[int]:
        """Return the segment's documents newest first, as consecutive runs of about
        size / ORDER_RUNS documents (whole issue months), each a bitmask; made once.

        Every document of a run was issued after every document of the next run, so the
        newest members of a set are in the first runs it meets; only those are sorted.
        """
        found = self._newest
        if found is None:
            months = list(map(floordiv, self.issued, repeat(100)))  # 0: no issue date
            counts = Counter(months)
            step = max(ORDER_RUN_MIN, -(-self.size // ORDER_RUNS))
            run_of: dict[int, int] = {}
            run = filled = 0
            for month in sorted(counts, reverse=True):
                if filled >= step:
                    run, filled = run + 1, 0
                run_of[month] = run
                filled += counts[month]
            codes = list(map(run_of.__getitem__, months))
            found = self._newest = bitset.code_masks(
                bytes(codes) if run < 256 else array("H", codes), run + 1)
        return found

    def length_sets(self) -> list[tuple[int, int]]:
        """Return [(name length, documents)], shortest first; lengths of 255 and more share
        the last set (made once)."""
        found = self._lengths
        if found is None:
            plane = bytes(map(min, self.namelen, repeat(255)))
            reversed_plane = plane[::-1]
            found = self._lengths = [(n, bitset.plane_mask(reversed_plane, (n,)))
                                     for n in sorted(set(plane))]
        return found

    def first(self, docs: int, need: int, order: str) -> list[int]:
        """Return the first `need` of `docs` (local numbers) in `newest` or `rank` order."""
        if order == "rank":  # shorter (closer) names first, then newest
            chosen: list[int] = []
            for length, members in self.length_sets():
                hit = docs & members
                if hit:
                    chosen += self._newest_of(hit, need - len(chosen),
                                              exact=length == 255)
                    if len(chosen) >= need:
                        break
            return chosen
        return self._newest_of(docs, need)

    def _newest_of(self, docs: int, need: int, *, exact: bool = False) -> list[int]:
        key = self.sort_key("rank" if exact else "newest")
        if exact or docs.bit_count() <= SORT_DOCS:
            return heapq.nsmallest(need, bitset.to_ids(docs), key=key)
        chosen: list[int] = []
        for run in self.newest_runs():
            hit = docs & run
            if hit:
                chosen += heapq.nsmallest(need - len(chosen), bitset.to_ids(hit), key=key)
                if len(chosen) >= need:
                    break
        return chosen

    def sort_key(self, name: str) -> Callable[[int], tuple[int, ...]]:
        issued, namelen = self.issued, self.namelen
        if name == "rank":
            return lambda d: (namelen[d], -issued[d], d)
        return lambda d: (-issued[d], d)


@dataclass
class _Part:
    reader: Any
    base: int
    segid: str
    data: _Segment
    live: int  # the segment's documents not deleted in this generation (local numbers)


class _View:
    """One searcher generation: its segments, its live documents, and sets cached for it.

    Every document set is an int bitmask over the generation's document numbers (see
    `search_index.bitset`), so matching, totals and facet counts cost C-speed bit operations
    whatever the number of matches.
    """

    def __init__(self, searcher: Any, parts: list[_Part]) -> None:
        self.searcher = searcher
        self.parts = parts
        self.bases = [p.base for p in parts]
        self.size = parts[-1].base + parts[-1].data.size if parts else 0
        self.live = self.combine(p.live for p in parts)
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_bytes = 0
        self._lock = threading.Lock()

    def combine(self, local_sets: Iterable[int]) -> int:
        """Join per-segment sets (in segment order) into one set over the whole generation."""
        out = 0
        for part, docs in zip(self.parts, local_sets, strict=False):
            if docs:
                out |= docs << part.base if part.base else docs
        return out

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = make()
        cost = _cost(found)
        with self._lock:
            self._cache[key] = found
            self._cache_bytes += cost
            while self._cache_bytes > VIEW_CACHE_BYTES and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= _cost(old)
        return found

    def locate(self, doc: int) -> tuple[_Part, int]:
        part = self.parts[bisect_right(self.bases, doc) - 1]
        return part, doc - part.base

    def per_part(self, docs: int) -> Iterator[tuple[_Part, int]]:
        """Yield (segment, its documents in `docs` as local numbers) for non-empty pieces."""
        top = docs.bit_length()
        last = len(self.parts) - 1
        for i, part in enumerate(self.parts):
            if part.base >= top:
                break
            local = docs >> part.base if part.base else docs
            if i < last:
                local &= part.data.full
            if local:
                yield part, local

    def value_sets(self, name: str, day: int) -> dict[str, int]:
        """Return {value: documents} of a filter field (public status on `day`)."""

        def make() -> dict[str, int]:
            per_part = [p.data.status_sets(day) if name == "status" else
                        p.data.value_sets(name) for p in self.parts]
            values = {v for sets in per_part for v in sets}
            found = {v: self.combine(sets.get(v, 0) for sets in per_part) for v in values}
            if name == "standard":  # one set per family or version, not per combination
                terms: dict[str, int] = {}
                for joined, docs in found.items():
                    for term in _standard_terms_of(joined):
                        terms[term] = terms.get(term, 0) | docs
                return terms
            return found

        values: dict[str, int] = self.cached(("values", name, day if name == "status" else 0),
                                             make)
        return values

    def top(self, docs: int, order: str, need: int) -> list[int]:
        """Return the first `need` documents of `docs` in `newest` or `rank` order."""
        if need <= 0 or not docs:
            return []
        picked: list[tuple[tuple[int, ...], int]] = []
        for part, local in self.per_part(docs):
            key = part.data.sort_key(order)
            picked += [(key(d), part.base + d) for d in part.data.first(local, need, order)]
        if len(picked) > need:
            picked = heapq.nsmallest(need, picked, key=_global_key)
        else:
            picked.sort(key=_global_key)
        return [doc for _, doc in picked]


def _global_key(item: tuple[tuple[int, ...], int]) -> tuple[tuple[int, ...], int]:
    # Segment-local tie-breaks end with the local number; order globally by the rest first.
    return item[0][:-1], item[1]


def _cost(value: Any) -> int:
    if isinstance(value, int):
        return value.bit_length() // 8 + 64
    if isinstance(value, dict):
        return sum(_cost(v) for v in value.values()) + 64
    if isinstance(value, (set, frozenset)):
        return 64 * len(value) + 64
    if isinstance(value, array):
        return value.itemsize * len(value) + 64
    return 64


_F = TypeVar("_F", bound=Callable[..., Any])


# What Whoosh raises when the folder cannot be read or written: the system's OSError
# (EROFS, ENOSPC, EACCES, ENOENT), or EmptyIndexError when the folder lost its files.
_STORAGE_ERRORS: Final = (OSError, EmptyIndexError)


def _unavailable(exc: BaseException) -> IndexUnavailableError:
    first_line = (str(exc).splitlines() or [""])[0][:300]
    return IndexUnavailableError(f"search index folder unusable: {type(exc).__name__}: "
                                 f"{first_line}")


@contextmanager
def _storage_guard() -> Iterator[None]:
    """Turn the folder's failures into IndexUnavailableError (one kind for the portal)."""
    try:
        yield
    except _STORAGE_ERRORS as exc:
        raise _unavailable(exc) from exc


def _reading(method: _F) -> _F:
    """Run an index method holding the index's read lock."""

    @functools.wraps(method)
    def locked(self: "WhooshIndex", *args: Any, **kwargs: Any) -> Any:
        with self._read_lock, _storage_guard():
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


def _hold_files(reader: Any) -> bool:
    """Open the files a segment reader opens only when first used; False if one is gone."""
    if not reader.doc_count_all():
        return True
    perdoc = reader._perdoc  # Whoosh keeps each column file it opens: cached per reader
    if not perdoc.has_column("_stored"):
        return False
    try:
        reader.stored_fields(0)
        for name in (*CODE_COLUMNS, "expiry", "issued", "namelen"):
            if reader.has_column(name):
                reader.column_reader(name, translate=False)
    except FileNotFoundError:
        return False
    return bool(perdoc.has_column("_stored"))  # still there: not deleted while opening


def _abandon(writer: Any) -> None:
    """Give up a writer whose files could not be written, releasing its lock whatever else."""
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - closing its half-written files can fail as well
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            try:
                lock.release()
            except OSError:
                pass



class _PrivateRamStorage(RamStorage):  # type: ignore[misc]  # Whoosh is untyped
    """In-memory storage whose scratch files go to a folder of its own.

    Whoosh names the scratch folder after the index (`MAIN.tmp` in the system temp folder), so
    two processes building in-memory indexes at once shared it and deleted it under each other.
    """

    def temp_storage(self, name: str | None = None) -> Any:
        return FileStorage(tempfile.mkdtemp(prefix="whoosh-scratch-")).create()

class WhooshIndex:
    """A certificate index in a directory (or in memory), safe across processes."""

    def __init__(self, location: str, *, procs: int = 1) -> None:
        self.location = location
        self.procs = procs
        self._lock = threading.RLock()
        self._load_lock = threading.Lock()
        # Whoosh readers seek and read shared file objects: one thread at a time reads.
        self._read_lock = threading.RLock()
        self._segment_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._segment_cache_bytes = 0
        self._segments: dict[str, _Segment] = {}
        self._searcher: Any = None
        self._view: _View | None = None
        if location == ":memory:":
            self.storage: Any = _PrivateRamStorage()
            self.ix = self.storage.create_index(_schema())
            self.procs = 1
        else:
            with _storage_guard():
                os.makedirs(location, exist_ok=True)
                self.storage = FileStorage(location)
                self.ix = self._open_or_create()

    def _open_or_create(self) -> Any:
        lock = self.storage.lock("CREATE")
        try:
            locked = lock.acquire(blocking=True)
        except OSError:
            # A read-only folder takes no lock file, but the index in it can still be read.
            if not whoosh_index.exists(self.storage):
                raise
            log.warning("search index folder %s is read-only; searching it as it is",
                        self.location)
            return whoosh_index.FileIndex(self.storage, indexname=whoosh_index._DEF_INDEX_NAME)
        if not locked:  # pragma: no cover - blocking acquire waits
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
                self._searcher = self._open_searcher()
            return self._searcher

    def _open_searcher(self) -> Any:
        """Open the newest generation holding every file its searches will read.

        Whoosh opens a segment's column files (stored fields among them) on first use, and a
        writer in another process that merges segments deletes their files when it commits:
        a searcher that opened them late found them gone (a 500). Open now, they stay
        readable however long the searcher lives; if a commit removed one in between, the
        newer generation is opened instead (as Whoosh itself retries its other files).
        """
        for _ in range(OPEN_ATTEMPTS - 1):
            searcher = self.ix.searcher()
            if all(_hold_files(reader) for reader, _ in searcher.ixreader.leaf_readers()):
                return searcher
        searcher = self.ix.searcher()
        for reader, _ in searcher.ixreader.leaf_readers():
            if not _hold_files(reader):
                raise FileNotFoundError(f"search index segment files vanished: {reader!r}")
        return searcher

    def generation(self) -> int:
        """Return the index generation this process currently searches."""
        with _storage_guard():
            return int(self._current().ixreader.generation())

    @_reading
    def state(self) -> SyncState:
        """Return how far the change log has been applied, as committed in the index."""
        return _read_state(self._current())

    @_reading
    def doc_count(self) -> int:
        """Return how many certificates are indexed."""
        searcher = self._current()
        return int(searcher.doc_count()) - (
            1 if searcher.document_number(key=META_KEY) is not None else 0)

    def entries(self) -> Iterator[IndexEntry]:
        """Yield every indexed certificate's key and content digest (for check-index)."""
        with _storage_guard():
            for _, stored in self._current().reader().iter_docs():  # skips deleted documents
                if stored.get("key") != META_KEY:
                    yield IndexEntry(key=stored["key"], digest=stored.get("digest", ""))

    def _segment_get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """Cache values of immutable segments (least recently used go first)."""
        with self._lock:
            found = self._segment_cache.get(key)
            if found is not None:
                self._segment_cache.move_to_end(key)
                return found
        found = make()
        with self._lock:
            if key not in self._segment_cache:
                self._segment_cache[key] = found
                self._segment_cache_bytes += _cost(found)
            while (self._segment_cache_bytes > SEGMENT_CACHE_BYTES
                   and len(self._segment_cache) > 1):
                _, old = self._segment_cache.popitem(last=False)
                self._segment_cache_bytes -= _cost(old)
        return found

    def _current_view(self) -> _View:
        searcher = self._current()
        with self._lock:
            if self._view is not None and self._view.searcher is searcher:
                return self._view
        with self._load_lock:  # one thread reads new segments; the others then reuse them
            with self._lock:
                if self._view is not None and self._view.searcher is searcher:
                    return self._view
            parts = []
            for reader, base in searcher.reader().leaf_readers():
                segment = reader.segment()
                if segment is None:  # an empty index has a reader without a segment
                    continue
                segid = segment.segment_id()
                data = self._segments.get(segid)
                if data is None:
                    data = self._segments[segid] = _Segment(reader)
                perdoc = reader._perdoc  # lists deletions without a matcher per document
                gone = list(perdoc.deleted_docs()) if reader.has_deletions() else []
                live = data.full ^ bitset.from_ids(gone) if gone else data.full
                parts.append(_Part(reader, base, segid, data, live))
            current = {p.segid for p in parts}
            with self._lock:
                for segid in [s for s in self._segments if s not in current]:
                    del self._segments[segid]  # merged away
                for key in [k for k in self._segment_cache if k[1] not in current]:
                    self._segment_cache_bytes -= _cost(self._segment_cache.pop(key))
                view = self._view = _View(searcher, parts)
        return view

    def _term_docs(self, view: _View, fieldname: str, text: str) -> int:
        """Return the documents holding `text` in `fieldname` (deleted ones included)."""

        def segment_docs(part: _Part) -> int:
            found = self._segment_get(("term", part.segid, fieldname, text),
                                      lambda: _postings(part.reader, fieldname, text,
                                                        part.data.size))
            return found if isinstance(found, int) else bitset.from_ids(found)

        docs: int = view.cached(("term", fieldname, text),
                                lambda: view.combine(segment_docs(p) for p in view.parts))
        return docs

    def _vocabulary(self, view: _View) -> frozenset[str]:
        """Return every English word (stem) in names and scopes, to correct typos against."""

        def segment_words(reader: Any) -> frozenset[str]:
            return frozenset(t for f in ("name", "other") for t in reader.field_terms(f)
                             if t.isascii() and t.isalpha())

        def make() -> frozenset[str]:
            words: set[str] = set()
            for part in view.parts:
                words |= self._segment_get(("words", part.segid),
                                           functools.partial(segment_words, part.reader))
            return frozenset(words)

        return view.cached(("words",), make)  # type: ignore[no-any-return]

    def _expand(self, view: _View, parsed: ParsedQuery) -> tuple[list[int], list[int],
                                                                   frozenset[str]]:
        """Return per clause: the documents matching it, and those matching it by name or id."""
        extra: set[str] = set()
        matches: list[int] = []
        strong: list[int] = []
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
            docs = named = 0
            for fieldname, text in options:
                found = self._term_docs(view, fieldname, text)
                docs |= found
                if fieldname in ("name", "ids"):
                    named |= found
            matches.append(docs)
            strong.append(named)
        return matches, strong, frozenset(extra)

    @_reading
    def search(self, parsed: ParsedQuery, *, filters: Filters, today: date, page: int = 1,
               per_page: int = 20, sort: str = "relevance") -> SearchResults:
        """Return one page of certificate keys, best first, with the total and facet counts."""
        view = self._current_view()
        day = _day(today)
        chosen = {name: getattr(filters, name) for name in FACET_FIELDS}
        filter_sets = {name: view.value_sets(name, day).get(value, 0)
                       for name, value in chosen.items() if value}
        exact = self._exact(view, parsed)
        exact_set = bitset.from_ids(exact)
        matches, strong, extra = self._expand(view, parsed)
        if matches:
            base = _intersect(matches) | exact_set
        elif exact:
            base = exact_set
        elif filter_sets:
            base = view.live  # filters alone: every certificate passing them
        else:
            return SearchResults(query=parsed, page=page, per_page=per_page)
        base &= view.live
        found = _intersect([base, *filter_sets.values()])
        if exact:
            kept = set(bitset.to_ids(found & exact_set))
            exact = [d for d in exact if d in kept]
            exact_set = bitset.from_ids(exact)
        rest = found ^ (found & exact_set)

        start = (page - 1) * per_page
        window = min(start + per_page, RESULT_WINDOW)
        ordered = list(exact)
        if sort == "date" or not matches:
            ordered += view.top(rest, "newest", window - len(ordered))
        else:
            named = rest & _intersect(strong) if all(strong) else 0
            ordered += view.top(named, "rank", window - len(ordered))
            if len(ordered) < window:
                ordered += view.top(rest ^ named, "newest", window - len(ordered))
        stored = view.searcher.stored_fields
        keys = [stored(d)["key"] for d in ordered[start:window]]
        return SearchResults(
            query=parsed, keys=keys, total=found.bit_count(), total_exact=True,
            facets=self._facets(view, base, filter_sets, day), page=page, per_page=per_page,
            exact_keys=frozenset(stored(d)["key"] for d in exact), extra_words=extra)

    def _facets(self, view: _View, base: int, filter_sets: dict[str, int],
                day: int) -> Facets:
        """Count each facet's values among the matches passing the *other* filters.

        Few documents are looked up one by one; many are counted per value with one AND and
        one population count of two bitmasks each.
        """
        counts: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
        by_docs: dict[tuple[str, ...], list[str]] = {}
        for name in FACET_FIELDS:
            others = tuple(sorted(n for n in filter_sets if n != name))
            by_docs.setdefault(others, []).append(name)
        few = max(FEW_DOCS, view.size // FEW_DOCS_DIVISOR)
        for others, names in by_docs.items():
            docs = _intersect([base, *(filter_sets[n] for n in others)])
            if not docs:
                continue
            if docs.bit_count() <= few:
                for doc in bitset.to_ids(docs):
                    part, local = view.locate(doc)
                    for name in names:
                        value = (part.data.public_status(local, day) if name == "status"
                                 else part.data.value(name, local))
                        bucket = counts[name]
                        for one in (_standard_terms_of(value) if name == "standard"
                                    else (value,) if value else ()):
                            bucket[one] = bucket.get(one, 0) + 1
                continue
            for name in names:
                for value, value_docs in view.value_sets(name, day).items():
                    if value:
                        n = (docs & value_docs).bit_count()
                        if n:
                            counts[name][value] = n
        return Facets(**counts)

    def _exact(self, view: _View, parsed: ParsedQuery) -> list[int]:
        found: list[int] = []
        for fieldname, text in (("key", parsed.number_key), ("credit", parsed.credit_code)):
            if text:
                found += bitset.to_ids(self._term_docs(view, fieldname, text) & view.live)[:50]
        return list(dict.fromkeys(found))

    @_reading
    def suggest_keys(self, parsed: ParsedQuery, *, limit: int = 5) -> list[str]:
        """Return keys of near matches: documents matching the most clauses, closest names first."""
        view = self._current_view()
        matches, _, _ = self._expand(view, parsed)
        # Count, per document, the clauses it matches: a binary counter whose bit i for every
        # document is the bitmask planes[i] (adding a clause is a ripple-carry addition).
        planes: list[int] = []
        anything = 0
        for docs in matches:
            docs &= view.live
            if not docs or docs.bit_count() > SUGGEST_CAP:
                continue  # too common to tell anything apart
            anything |= docs
            carry = docs
            for i, plane in enumerate(planes):
                planes[i] = plane ^ carry
                carry &= plane
                if not carry:
                    break
            if carry:
                planes.append(carry)
        best: list[int] = []
        for score in range((1 << len(planes)) - 1, 0, -1):
            if len(best) >= limit:
                break
            docs = anything
            for i, plane in enumerate(planes):
                docs &= plane if score >> i & 1 else anything ^ plane
                if not docs:
                    break
            best += view.top(docs, "rank", limit - len(best))
        stored = view.searcher.stored_fields
        return [stored(d)["key"] for d in best]

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def batch(self, *, timeout: float) -> Iterator["Batch"]:
        """Open a writer (waiting up to `timeout` s for the lock) and commit on success."""
        try:
            writer = self.ix.writer(timeout=timeout, **_WRITER_OPTIONS)
        except LockError as exc:
            raise IndexBusyError("another process is writing the search index") from exc
        except _STORAGE_ERRORS as exc:  # read-only or full: not even the lock file
            raise _unavailable(exc) from exc
        try:
            # Under the lock, the newest generation is final until we commit. The searcher
            # must stay open until then: closing it closes segment files the writer shares,
            # which silently loses the writer's deletions.
            searcher = self.ix.searcher()
            batch = Batch(writer, _read_state(searcher))
            yield batch
            if batch.dirty:
                writer.update_document(key=META_KEY, meta=batch.state.to_json())
                writer.commit()
            else:
                writer.cancel()
        except _STORAGE_ERRORS as exc:
            # A commit that failed half-way wrote no table of contents: the last committed
            # generation stays the index, and the next writer applies the same changes.
            _abandon(writer)
            raise _unavailable(exc) from exc
        except BaseException:
            _abandon(writer)
            raise
        del searcher  # only now may it be collected

    def rebuild(self, docs: Iterable[CertificateDoc], state: SyncState, *, timeout: float,
                progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with `docs` in one commit; return how many were added."""
        kwargs: dict[str, Any] = {"timeout": timeout, "limitmb": 256, **_WRITER_OPTIONS}
        if self.procs > 1:
            kwargs.update(procs=self.procs, multisegment=True, batchsize=500)
        try:
            writer = self.ix.writer(**kwargs)
        except LockError as exc:
            raise IndexBusyError("another process is writing the search index") from exc
        except _STORAGE_ERRORS as exc:
            raise _unavailable(exc) from exc
        count = 0
        try:
            for doc in docs:
                writer.add_document(**_fields(doc))
                count += 1
                if progress is not None:
                    progress(1)
            writer.add_document(key=META_KEY, meta=state.to_json())
            writer.commit(mergetype=CLEAR)
        except _STORAGE_ERRORS as exc:
            _abandon(writer)
            raise _unavailable(exc) from exc
        except BaseException:
            _abandon(writer)
            raise
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


def _standard_terms_of(joined: str) -> list[str]:
    return [t for t in joined.split(STANDARD_SEPARATOR) if t]


def _code_column(reader: Any, name: str, size: int) -> tuple["bytes | array[int]", list[str]]:
    """Return a text column as one code per document (bytes when ≤ 256 values) and values."""
    raw: list[bytes] = []
    if reader.has_column(name):
        column = reader.column_reader(name, translate=False)
        if (isinstance(column, RefBytesColumn.Reader) and column._typecode == "B"
                and column._doccount == size):
            # The column already is one reference byte per document: read it whole.
            codes = column._dbfile.get(column._basepos, size)
            return bytes(codes), [u.decode("utf-8") for u in column._uniques]
        raw = list(column)
    numbering: dict[str, int] = {}
    numbers = [numbering.setdefault(v.decode("utf-8") if v else "", len(numbering))
               for v in raw[:size]]
    if len(numbers) < size:
        numbers.extend([numbering.setdefault("", len(numbering))] * (size - len(numbers)))
    values = list(numbering)
    return (bytes(numbers) if len(values) <= 256 else array("H", numbers)), values


def _raw_numbers(reader: Any, name: str, size: int) -> bytes:
    """Return an unsigned numeric column as 4 big-endian bytes per document (0 if unset)."""
    raw = b""
    if reader.has_column(name):
        column = reader.column_reader(name, translate=False)
        if isinstance(column, NumericColumn.Reader) and column._typecode == "I":
            raw = bytes(column._dbfile.get(column._basepos, min(column._count, size) * 4))
        else:
            raw = b"".join(struct.pack(">I", v or 0) for v in column)
    return raw[: size * 4].ljust(size * 4, b"\0")


def _numbers(reader: Any, name: str, size: int) -> "array[int]":
    values = array("I", _raw_numbers(reader, name, size))
    if sys.byteorder == "little":
        values.byteswap()
    return values


def _postings(reader: Any, fieldname: str, text: str, size: int) -> "int | array[int]":
    """Read one posting list of a segment (deleted documents included): as a bitmask, or as
    an array of document numbers when that is smaller (a rare term in a big segment)."""
    if (fieldname, text) not in reader:
        return 0
    matcher = reader.postings(fieldname, text)
    matcher = getattr(matcher, "child", matcher)  # unwrap the deletions filter: removed later
    if not all(hasattr(matcher, a) for a in ("_data", "_read_data", "_next_block")):
        return bitset.from_ids(list(matcher.all_ids()), size)  # short lists are stored inline
    ids = array("I")
    while matcher.is_active():  # whole blocks: their ids are stored as deltas
        if matcher._data is None:
            matcher._read_data()
        ids.extend(accumulate(matcher._data[0]))
        matcher._next_block()
    return ids if len(ids) * 32 < size else bitset.from_ids(ids, size)


def _intersect(sets: Iterable[int]) -> int:
    """Intersect bitmasks (stopping early once nothing is left)."""
    result = -1
    for docs in sets:
        result &= docs
        if not result:
            return 0
    return result if result != -1 else 0
