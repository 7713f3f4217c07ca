"""Render once per change: validators and a cache of the public record of a certificate.

The certificate page, its API record, badge and feed depend on the certificate's row (and its
sites, events and audits, which every write path accompanies with a change-log row), the
public warnings naming its number, whether demo data is loaded, the date (`expired` is derived
from it), the language and the deployed code. `certificate_version` reads all of that in two
small queries; its digest is the response's strong `ETag`, so a matching `If-None-Match` is
answered `304` without loading or rendering anything, and a rendered body is kept per worker
(and in Redis with `REDIS_URL`) under that digest. A status change gives a new digest on the
very next request in every worker and on every node, so nothing stale is ever served.

The live "status as of" time and a per-session CSRF token are not part of the cached body:
the body is rendered with placeholders and each response fills them in.
"""

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import cache, lru_cache, wraps
from pathlib import Path
from time import monotonic
from typing import Any, Final
from urllib.parse import urlencode

import redis
from cachetools import LRUCache
from flask import Flask, Response, current_app, g, request, session
from flask_babel import format_datetime, get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import (
    Engine,
    Select,
    String,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.exc import DBAPIError
from werkzeug.http import is_resource_modified

from portal import clock
from portal.extensions import db
from portal.models import Alert, AlertKind, Certificate, SearchChange, Setting
from portal.models.setting import DEMO_SETTING
from portal.register.public import lookup_key
from portal.services.search import index_version

log = logging.getLogger(__name__)

LOCAL_BYTES: Final = 32 * 1024 * 1024  # rendered bodies kept per worker
SEARCH_LOCAL_BYTES: Final = 16 * 1024 * 1024  # search answers kept per worker
SHARED_TTL: Final = 7 * 24 * 3600  # seconds a body stays in Redis (keys change with the data)
REDIS_TIMEOUT: Final = 0.25  # seconds; a slow or absent Redis only costs a render
REDIS_RETRY_AFTER: Final = 30.0  # seconds without Redis after it failed
ALERT_KINDS: Final = (AlertKind.COUNTERFEIT_NUMBER, AlertKind.UNRETURNED_CERTIFICATE)
# Placeholders cannot come from data: U+E000 is a private-use character nothing stores.
_NOW = "\ue000now:{style}\ue000"
_NOW_PATTERN: Final = re.compile("\ue000now:(\\w+)\ue000")
_CSRF: Final = "\ue000csrf\ue000"
# Headers a view sets that belong to the body; the rest are added on every response.
_SKIPPED_HEADERS: Final = frozenset({"content-length", "set-cookie", "etag", "last-modified",
                                     "date", "vary"})


class LiveNow(datetime):
    """The `now` templates see while a body is rendered for the cache: formats as a placeholder."""


LIVE_NOW: Final = LiveNow(2000, 1, 1, tzinfo=clock.CHINA)


def now_placeholder(style: str) -> str:
    """Return the text standing for the current time formatted in `style`."""
    return _NOW.format(style=style)


@dataclass(frozen=True)
class Version:
    """Everything a public certificate response depends on, short of language and code."""

    number_key: str
    row: str  # id, stored status, expiry date, restricted: a status is never confused
    updated_at: datetime
    change_id: int
    alert_ids: tuple[int, ...]
    demo: bool
    today: date
    last_modified: datetime

    def digest(self, *parts: str) -> str:
        """Return a strong validator of this version and `parts` (route, language…)."""
        text = "|".join([self.number_key, self.row, self.updated_at.isoformat(), str(self.change_id),
                         ",".join(map(str, self.alert_ids)), str(self.demo),
                         self.today.isoformat(), *parts])
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _warnings_naming(key: Any) -> Any:
    """Active public warnings naming the number key `key` (an indexed lookup)."""
    return (Alert.number_key == key, Alert.active.is_(True),
            or_(*(Alert.kind == kind for kind in ALERT_KINDS)))


@cache
def _version_statement() -> Select[Any]:
    """Build the version lookup once; each request binds only the number key.

    One statement, so a request served from the cache costs one round trip to the database:
    the row, the newest change-log entry, the warnings naming the number and the demo marker.
    """
    key = bindparam("key")
    # Both maxima in one grouped query: PostgreSQL would answer a lone max(id) by walking the
    # primary key backwards past every other certificate's changes (50 ms at 100,000).
    changes = (select(SearchChange.number_key, func.max(SearchChange.id).label("change_id"),
                      func.max(SearchChange.changed_at).label("changed_at"))
               .where(SearchChange.number_key == key)
               .group_by(SearchChange.number_key).subquery())
    demo = select(Setting.value).where(Setting.key == DEMO_SETTING).scalar_subquery()
    alert_ids = (select(func.aggregate_strings(cast(Alert.id, String), ","))
                 .where(*_warnings_naming(key)).scalar_subquery())
    alert_at = select(func.max(Alert.created_at)).where(*_warnings_naming(key)).scalar_subquery()
    return (select(Certificate.id, Certificate.status, Certificate.expiry_date,
                   Certificate.restricted, Certificate.updated_at, changes.c.change_id,
                   changes.c.changed_at, demo, alert_ids, alert_at)
            .outerjoin(changes, changes.c.number_key == Certificate.number_key)
            .where(Certificate.number_key == key))


def _version_engine() -> Engine | None:
    """Return this process's engine for version reads on PostgreSQL, or None on SQLite.

    A read from the cache must not pay for the session's ping, `BEGIN` and `ROLLBACK` (four
    round trips besides the query, each a wait for the database process): version reads run
    on their own autocommit connections without a ping, and a connection the server closed
    is replaced and the read tried once more. SQLite has no round trips to save, and its
    in-memory databases live in the session's connection.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    readers: dict[Engine, Engine] = current_app.extensions.setdefault("render_versions", {})
    reader = readers.get(engine)
    if reader is None:
        reader = readers[engine] = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_size=4,
            max_overflow=16, pool_reset_on_return=None)

        def dispose_reader(_engine: Engine) -> None:  # the app's engine goes: so does this one
            readers.pop(engine, None)
            reader.dispose()

        event.listen(engine, "engine_disposed", dispose_reader)
    return reader


def _driver_sql(statement: Select[Any], engine: Engine) -> tuple[str, dict[str, Any]]:
    """Return the statement compiled once for `engine`, and its fixed parameters: a version
    read sends it as is, skipping the per-execution work of a Core statement (half of the
    CPU a cached answer cost)."""
    key = (id(statement), engine.dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        placeholders = {name: "" for name in statement.compile().params if name == "key"}
        compiled = statement.params(placeholders).compile(
            dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        fixed = {name: _plain(bind.effective_value) for name, bind in compiled.binds.items()
                 if f"%({name})s" in compiled.string}
        found = _COMPILED[key] = (compiled.string, fixed)
    return found


_COMPILED: dict[tuple[int, str], tuple[str, dict[str, Any]]] = {}


def _plain(value: Any) -> Any:
    """An enum member as the value stored (the driver would send its name)."""
    return value.value if isinstance(value, Enum) else value


def _read_row(statement: Select[Any], params: dict[str, Any]) -> Any:
    """Run a version read in one round trip; return its first row."""
    engine = _version_engine()
    if engine is None:
        return db.session.connection().execute(statement, params).first()
    sql, fixed = _driver_sql(statement, engine)
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                return connection.exec_driver_sql(sql, {**fixed, **params}).first()
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    return None  # pragma: no cover - the loop returns or raises


def certificate_version(raw: str) -> Version | None:
    """Return the current version of the certificate numbered `raw`, or None when unknown."""
    key = lookup_key(raw)
    if key is None:
        return None
    row = _read_row(_version_statement(), {"key": key})
    if row is None:
        return None
    (cert_id, status, expiry, restricted, updated_at, change_id, last_change, demo_value,
     alert_ids, alert_at) = row
    today = clock.today()
    midnight = datetime.combine(today, time(), tzinfo=clock.CHINA)
    stamps = [updated_at, midnight]
    for stamp in (last_change, alert_at):
        if stamp is not None:
            stamps.append(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
    ids = tuple(sorted(int(i) for i in alert_ids.split(","))) if alert_ids else ()
    return Version(number_key=key, row=f"{cert_id}:{status}:{expiry}:{restricted}",
                   updated_at=updated_at, change_id=change_id or 0, alert_ids=ids,
                   demo=demo_value == "1", today=today, last_modified=max(stamps))


# -- storage -----------------------------------------------------------------------------


@dataclass
class Entry:
    """A rendered response: status, the view's own headers and the body with placeholders."""

    status: int
    headers: list[tuple[str, str]]
    body: str

    def dump(self) -> bytes:
        return json.dumps({"s": self.status, "h": self.headers, "b": self.body}).encode()

    @classmethod
    def load(cls, raw: bytes) -> "Entry":
        data = json.loads(raw)
        return cls(status=int(data["s"]), headers=[tuple(h) for h in data["h"]],
                   body=str(data["b"]))


class RenderCache:
    """Bodies by validator: an LRU per worker, then Redis shared by every worker and node."""

    def __init__(self, redis_url: str | None, *, local_bytes: int, namespace: str) -> None:
        self._local: LRUCache[str, Entry] = LRUCache(
            maxsize=local_bytes, getsizeof=lambda e: len(e.body) * 3 + 200)
        self._lock = threading.Lock()
        self._namespace = namespace
        self._redis = (redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                            socket_connect_timeout=REDIS_TIMEOUT)
                       if redis_url else None)
        self._redis_down_until = 0.0

    def _shared(self) -> "redis.Redis | None":
        if self._redis is None or monotonic() < self._redis_down_until:
            return None
        return self._redis

    def _redis_failed(self, exc: Exception) -> None:
        self._redis_down_until = monotonic() + REDIS_RETRY_AFTER
        log.warning("render cache: Redis unavailable (%s); rendering locally", exc)

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._local.get(key)
        if entry is not None:
            return entry
        shared = self._shared()
        if shared is None:
            return None
        try:
            raw = shared.get(self._namespace + key)
        except redis.RedisError as exc:
            self._redis_failed(exc)
            return None
        if raw is None:
            return None
        entry = Entry.load(raw)  # type: ignore[arg-type]
        with self._lock:
            self._local[key] = entry
        return entry

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._local[key] = entry
        shared = self._shared()
        if shared is not None:
            try:
                shared.set(self._namespace + key, entry.dump(), ex=SHARED_TTL)
            except redis.RedisError as exc:
                self._redis_failed(exc)

    def clear(self) -> None:
        """Forget this worker's bodies (tests)."""
        with self._lock:
            self._local.clear()


def _build_id(app: Flask) -> str:
    """Return a digest of what else changes the bytes: templates, catalogs, settings shown."""
    root = Path(app.root_path).parent
    digest = hashlib.blake2b(digest_size=8)
    for folder in (root / "templates", root / "portal" / "translations"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".html", ".xml", ".txt", ".mo", ".svg"}:
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};"
                              .encode())
    for name in ("PUBLIC_BASE_URL", "BODY_NAME_ZH", "BODY_NAME_EN", "BODY_EMAIL",
                 "BODY_WEBSITE", "PORTAL_ENV", "BODY_CNCA_APPROVAL_NUMBER",
                 "BODY_CNAS_ACCREDITATION_NUMBER", "ACCREDITATION_STATEMENT_ZH",
                 "ACCREDITATION_STATEMENT_EN"):
        digest.update(f"{name}={app.config.get(name)};".encode())
    return digest.hexdigest()


def init_app(app: Flask) -> None:
    """Attach this process's render cache."""
    build = _build_id(app)
    app.extensions["render_cache"] = RenderCache(
        app.config.get("REDIS_URL"), local_bytes=int(app.config.get("RENDER_CACHE_BYTES",
                                                                      LOCAL_BYTES)),
        namespace=f"portal:render:{app.config.get('RENDER_CACHE_NAMESPACE', '')}{build}:")
    app.extensions["render_build"] = build
    app.extensions["search_cache"] = RenderCache(
        None, local_bytes=int(app.config.get("SEARCH_CACHE_BYTES", SEARCH_LOCAL_BYTES)),
        namespace="")


def render_cache() -> RenderCache:
    """Return the current app's render cache."""
    return current_app.extensions["render_cache"]


# -- the view wrapper --------------------------------------------------------------------


def rendering_for_cache() -> bool:
    """Tell whether this request renders a body for the cache (`now` becomes a placeholder)."""
    return bool(g.get("render_for_cache"))


def _pending_flashes() -> bool:
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return cookie in request.cookies and "_flashes" in session


@lru_cache(maxsize=64)
def _formatted_now(second: datetime, style: str, locale: str) -> str:
    """The time shown on a page changes once a second: format it once per second, style and
    language, not once per response."""
    return format_datetime(second, style)


def _fill(entry: Entry) -> str:
    body = entry.body
    if "\ue000" not in body:
        return body
    second = clock.utcnow().replace(microsecond=0)
    locale = str(get_locale())
    body = _NOW_PATTERN.sub(lambda m: _formatted_now(second, m.group(1), locale), body)
    if _CSRF in body:
        body = body.replace(_CSRF, generate_csrf())
    return body


def _finish(response: Response, etag: str, last_modified: datetime | None, *,
            vary_language: bool) -> Response:
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = response.headers.get("Cache-Control") or "no-cache"
    if vary_language:
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def _serve(render: Callable[[], Any], etag: str, last_modified: datetime | None, *,
           per_language: bool, cache: RenderCache) -> Any:
    """Answer 304 when the client holds `etag`, else the cached body, else render and keep."""
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = current_app.response_class(status=304)
        return _finish(response, etag, last_modified, vary_language=per_language)
    entry = cache.get(etag)
    if entry is None:
        g.render_for_cache = True
        try:
            response = current_app.make_response(render())
        finally:
            g.render_for_cache = False
        if response.status_code != 200 or response.direct_passthrough:
            return response
        body = response.get_data(as_text=True)
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if token:
            body = body.replace(token, _CSRF)
        entry = Entry(status=200, body=body, headers=[
            (k, v) for k, v in response.headers.items() if k.lower() not in _SKIPPED_HEADERS])
        if token or not session.modified:
            cache.put(etag, entry)
    response = current_app.response_class(_fill(entry), status=entry.status)
    response.headers.clear()
    for name, value in entry.headers:
        response.headers.add(name, value)
    return _finish(response, etag, last_modified, vary_language=per_language)


def _cacheable() -> bool:
    return request.method in ("GET", "HEAD") and not _pending_flashes()


def cached_by_version(kind: str, *, per_language: bool = True,
                      args: frozenset[str] = frozenset({"lang"})) -> Callable[..., Any]:
    """Serve a certificate view from the render cache, and `304` on a matching validator.

    `kind` names the route in the key; `per_language` keys on the page language; a request
    with query arguments other than `args`, with a pending flash message, or for a number
    that is not in the register goes straight to the view.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(number: str, **kwargs: Any) -> Any:
            if not _cacheable() or not set(request.args) <= args:
                return view(number, **kwargs)
            version = certificate_version(number)
            if version is None:
                return view(number, **kwargs)
            lang = str(get_locale()) if per_language else ""
            query = urlencode(sorted(request.args.items(multi=True)))
            etag = version.digest(kind, lang, query, request.host,
                                  current_app.extensions["render_build"])
            return _serve(lambda: view(number, **kwargs), etag, version.last_modified,
                          per_language=per_language, cache=render_cache())

        return wrapper

    return decorate


# -- search answers ----------------------------------------------------------------------


@cache
def _register_statement() -> Select[Any]:
    """The newest change-log id and the demo marker, in one statement."""
    newest = select(func.max(SearchChange.id)).scalar_subquery()
    demo = select(Setting.value).where(Setting.key == DEMO_SETTING).scalar_subquery()
    return select(newest, demo)


def register_version() -> tuple[int, bool]:
    """Return the register's newest change-log id and whether demo data is loaded."""
    row = _read_row(_register_statement(), {})
    return (row[0] or 0, row[1] == "1") if row is not None else (0, False)


def search_cache() -> RenderCache:
    """Return this worker's cache of search answers (per worker only: queries are unbounded,
    and a shared store would keep every query anyone typed for as long as it lives)."""
    return current_app.extensions["search_cache"]


def cached_by_generation(kind: str, *, per_language: bool = True) -> Callable[..., Any]:
    """Serve a search view from this worker's cache while nothing it depends on changed.

    A search answer depends on the search index this process reads (its generation and how
    far it has applied the change log, read after the usual catch-up), the database rows of
    the hits (every write adds a change-log row: the newest id), the demo marker, the date,
    the language, the whole query string and the deployed code. All of it is in the key, so
    a status change shows on the next search of every worker, as without the cache.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if not _cacheable():
                return view(**kwargs)
            try:
                generation = index_version()
            except Exception:  # the view explains an unusable index; only the cache is skipped
                log.warning("search cache skipped: the index could not be read", exc_info=True)
                return view(**kwargs)
            newest, demo = register_version()
            lang = str(get_locale()) if per_language else ""
            query = urlencode(sorted(request.args.items(multi=True)))
            text = "|".join([kind, generation, str(newest), str(demo), clock.today().isoformat(),
                             lang, query, request.host, current_app.extensions["render_build"]])
            etag = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            return _serve(lambda: view(**kwargs), etag, None, per_language=per_language,
                          cache=search_cache())

        return wrapper

    return decorate
