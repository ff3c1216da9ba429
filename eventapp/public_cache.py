"""The public agenda and its exports, served from memory before routing (DESIGN.md, "Speed").

An anonymous GET (no session cookie, no htmx) of a cacheable public address is answered from
bytes this process rendered before, when one cheap query confirms they are still current: the
cache key holds the event's release number and last change (read from the database on every
request, so a release made through another worker or host counts at once), the address, the
interface language and, while the event is on, the minute for the agenda page (its "now"
marker; the other pages and exports stay cached until the data changes).

Pages carry a CSRF token (the language switch is a form). The cached bytes hold a placeholder
that is replaced by the visitor's own token on the way out, so one copy serves everyone.

    request --miss--> app renders (placeholder token) --> stored --> token filled in --> client
            --hit---> stored bytes --> token filled in (or 304) --> client

Requests that miss the same key at once wait for the first one's render rather than each
rendering it again (one render per key at a time, within a process).
"""

import asyncio
import atexit
import contextlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventapp import i18n, security
from eventapp.config import get_settings
from eventapp.db import get_engine

SESSION_COOKIE = "eventapp_session"
MAX_ENTRIES = 1024

CACHEABLE = re.compile(
    r"^/events/(?P<slug>[^/]+)/(?:agenda|agenda\.ics|agenda\.csv|schedule\.xml|schedule\.json"
    r"|agenda\.pdf|agenda/changes|agenda/changes\.atom|sessions/\d{1,9}|sessions/\d{1,9}\.ics"
    r"|speakers|speakers/\d{1,9}|speakers/\d{1,9}\.ics|summaries|report|report\.md|report\.pdf)$"
)
CLOCKED = "/agenda"  # the one page with a "now" marker; the rest change only with the data
# Query strings that change a page; any other query string goes the normal way, uncached.
CACHEABLE_QUERIES = {"", "both=1"}

_STAMP_SQL = (
    "SELECT e.status, e.visibility, e.updated_at, e.starts_at, e.ends_at,"
    " (SELECT max(r.number) FROM agenda_release r WHERE r.event_id = e.id)"
    " FROM event e WHERE e.slug = :slug"
)


@dataclass
class Cached:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None
    last_modified: bytes | None
    parts: list[bytes]  # the body split where the CSRF token goes (one part: no token)
    keep: bool


class PageCache:
    """A bounded, thread-safe LRU of rendered answers."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, Cached] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Cached | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return entry

    def peek(self, key: tuple) -> Cached | None:
        """Like get, for a second look after waiting: a miss is not counted twice."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def put(self, key: tuple, entry: Cached) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _StampConnection:
    """The one connection this process keeps for the stamp query: taken from the pool once and
    detached (so it is closed, not pooled, when replaced), each query its own transaction.
    Public answers come from the event loop's thread; the lock keeps any other caller out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None
        self.connection: PoolProxiedConnection | None = None

    def get(self, engine: Engine) -> PoolProxiedConnection:
        if self.connection is not None and self.engine is engine:
            return self.connection
        self.forget()
        connection = engine.raw_connection()
        connection.detach()
        if engine.dialect.name == "postgresql":
            connection.dbapi_connection.rollback()  # the pool's ping may have begun one
            connection.dbapi_connection.autocommit = True
        # SQLite: db.py turned pysqlite's own transactions off; a lone SELECT commits itself.
        self.engine, self.connection = engine, connection
        return connection

    def forget(self) -> None:
        connection, self.engine, self.connection = self.connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


_stamp_connection = _StampConnection()
atexit.register(_stamp_connection.forget)


def _event_stamp(slug: str) -> tuple | None:
    """What the event's public pages depend on, or None for an unknown slug.

    Straight through the driver, on a connection kept for it: SQLAlchemy's
    connection and transaction set-up, or even the pool's checkout and reset, would cost more
    than the query itself, on every cached answer. A connection that fails is replaced once.
    """
    engine = get_engine()
    placeholder = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    query = _STAMP_SQL.replace(":slug", placeholder)
    with _stamp_connection.lock:
        for attempt in (1, 2):
            connection = _stamp_connection.get(engine)
            try:
                cursor = connection.cursor()
                cursor.execute(query, (slug,))
                row = cursor.fetchone()
                cursor.close()
                break
            except Exception:
                _stamp_connection.forget()
                if attempt == 2:
                    raise
    if row is None:
        return None
    status, visibility, updated_at, starts_at, ends_at, release = row
    now = datetime.now(UTC).replace(tzinfo=None)
    is_on = _naive(starts_at) - timedelta(days=1) <= now <= _naive(ends_at) + timedelta(days=1)
    return (status, visibility, str(updated_at), release or 0, is_on)


def _naive(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite hands raw text back through text()
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)


def _is_not_modified(headers: Headers, entry: Cached) -> bool:
    """As routes.conditional: If-None-Match first, else If-Modified-Since."""
    if entry.status != 200:
        return False
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return entry.etag is not None and ("*" in tags or entry.etag.decode() in tags)
    since = headers.get("if-modified-since")
    if since and entry.last_modified:
        try:
            return parsedate_to_datetime(entry.last_modified.decode()) <= parsedate_to_datetime(
                since
            )
        except (TypeError, ValueError):
            return False
    return False


class PublicCache:
    """ASGI middleware; sits inside RequestContext, which has set the language and CSRF state."""

    def __init__(self, app: ASGIApp, cache: PageCache | None = None) -> None:
        self.app = app
        self.cache = cache or PageCache()
        # key -> [its lock, requests holding or awaiting it]: one render per key at a time, so
        # a crowd asking for a page just changed (a report PDF takes seconds) renders it once
        self._renders: dict[tuple, list] = {}

    @contextlib.asynccontextmanager
    async def _one_render(self, key: tuple):
        held = self._renders.setdefault(key, [asyncio.Lock(), 0])
        held[1] += 1
        try:
            async with held[0]:
                yield
        finally:
            held[1] -= 1
            if held[1] == 0:
                del self._renders[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        match = CACHEABLE.match(scope["path"])
        query = scope.get("query_string", b"").decode("latin-1")
        if match is None or query not in CACHEABLE_QUERIES:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = headers.get("cookie", "")
        if SESSION_COOKIE + "=" in cookies or "hx-request" in headers:
            await self.app(scope, receive, send)
            return
        stamp = _event_stamp(match["slug"])
        if stamp is None:
            await self.app(scope, receive, send)
            return
        minute = None
        if stamp[-1] and scope["path"].endswith(CLOCKED):
            minute = int(time.time() // 60)  # the "now" marker moves while the event is on
        key = (scope["path"], query, i18n.current_language(), stamp, minute)
        entry = self.cache.get(key)
        if entry is None:
            if scope["method"] != "GET":
                await self.app(scope, receive, send)
                return
            async with self._one_render(key):
                entry = self.cache.peek(key)  # rendered by another request while this waited
                if entry is None:
                    entry = await self._render(scope, receive)
                    if entry.keep:
                        self.cache.put(key, entry)
        await self._send(scope, entry, send, not_modified=_is_not_modified(headers, entry))

    async def _render(self, scope: Scope, receive: Receive) -> Cached:
        """The app's full answer, with the token as a placeholder (and without the client's
        conditional headers, so what is kept is the whole page)."""
        inner = dict(scope)
        inner["headers"] = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"if-none-match", b"if-modified-since")
        ]
        inner["state"]["csrf_placeholder"] = True
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, receive, capture)
        inner["state"]["csrf_placeholder"] = False
        body = b"".join(chunks)
        raw_headers = [
            (name.lower(), value)
            for name, value in start.get("headers", [])
            if name.lower() != b"content-length"
        ]
        status = start.get("status", 500)
        # An answer that sets a cookie was meant for this visitor alone.
        personal = any(name == b"set-cookie" for name, _value in raw_headers)
        return Cached(
            status=status,
            headers=raw_headers,
            body=body,
            etag=next((value for name, value in raw_headers if name == b"etag"), None),
            last_modified=next(
                (value for name, value in raw_headers if name == b"last-modified"), None
            ),
            parts=body.split(security.CSRF_PLACEHOLDER.encode()),
            keep=status == 200 and not personal,
        )

    async def _send(self, scope: Scope, entry: Cached, send: Send, *, not_modified: bool) -> None:
        body = entry.body
        if len(entry.parts) > 1:
            state = scope["state"]
            state["csrf_used"] = True  # RequestContext then sets the cookie if it is new
            token = security.csrf_token_for(
                get_settings().resolved_secret_key(), state["csrf_cookie"]
            )
            body = token.encode().join(entry.parts)  # one copy; no search of the page
        headers = list(entry.headers)
        if not_modified:
            kept = {b"etag", b"last-modified", b"cache-control", b"vary"}
            headers = [(n, v) for n, v in headers if n in kept or n.startswith(b"access-control")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
