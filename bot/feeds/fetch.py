"""Fetching feeds over HTTP with bounded everything.

Bounded concurrency (global and per host), conditional GET, connect / read /
total timeouts, a redirect limit with every hop checked, and a size cap that
counts decompressed bytes (the body is inflated here, incrementally, so a
gzip bomb stops at the cap instead of filling memory). Feeds added from chats
go through the SSRF guard; operator feeds may reach private hosts.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.errors import NewsbotError
from bot.feeds.hostlimit import HostLimits
from bot.feeds.ssrf import AddressGuard, AddressPolicy, BlockedAddress, CheckHook, ConnectHook, is_public_address

__all__ = ["Fetcher", "FetchResult", "FetchError", "FetchLimits"]

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
           "text/xml;q=0.9, text/html;q=0.5, */*;q=0.3")


class FetchError(NewsbotError):
    """A fetch that did not produce a document; ``kind`` is a stable code, ``message`` the reason."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None,
                 final_url: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = reason  # for kind "blocked": the guard's reason code (see ssrf.REASONS)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.final_url = final_url


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    total_timeout: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    concurrency: int = 200
    per_host: int = 4  # where each host's limit starts
    per_host_max: int = 0  # how far a fast, clean host's limit may grow (0: per_host, a fixed limit)


@dataclass(slots=True)
class FetchResult:
    status: int  # 200 or 304
    url: str  # final URL after redirects
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when every hop was a permanent redirect

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class Fetcher:
    """One aiohttp session for operator feeds and one, SSRF-guarded, for chat-added feeds.

    Test seams: ``dns`` (the resolver under the guard), and the guard's
    ``public_hosts``, ``allow`` (address policy), ``on_check`` (verdicts) and
    ``on_connect`` (each socket connection of the guarded session).
    """

    def __init__(self, limits: FetchLimits, user_agent: str, *, dns: AbstractResolver | None = None,
                 public_hosts: frozenset[str] = frozenset(), allow: AddressPolicy = is_public_address,
                 on_check: CheckHook | None = None, on_connect: ConnectHook | None = None) -> None:
        self.limits = limits
        self.user_agent = user_agent
        self._dns = dns  # inner resolver of the guarded session (tests inject one)
        self.guard = AddressGuard(allow=allow, public_hosts=public_hosts, on_check=on_check, on_connect=on_connect)
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._global = asyncio.Semaphore(limits.concurrency)
        self.hosts = HostLimits(limits.per_host, max(limits.per_host, limits.per_host_max))

    def _session(self, trusted: bool) -> aiohttp.ClientSession:
        session = self._sessions.get(trusted)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.limits.concurrency,
                limit_per_host=self.hosts.ceiling,
                ttl_dns_cache=300,
                resolver=self._dns if trusted else self.guard.resolver(self._dns),
                enable_cleanup_closed=True,
                socket_factory=None if trusted else self.guard.socket_factory,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                trust_env=False,
                headers={"User-Agent": self.user_agent, "Accept": _ACCEPT,
                         "Accept-Encoding": "gzip, deflate"},
            )
            self._sessions[trusted] = session
        return session

    async def close(self) -> None:
        for s in self._sessions.values():
            await s.close()
        self._sessions.clear()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    trusted: bool = True) -> FetchResult:
        """GET a feed, following redirects by hand; raise FetchError with the reason on failure."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            raise FetchError("url", "invalid URL") from None
        limit = self.hosts[host]
        await limit.acquire()  # the host's turn first, so feeds waiting on a busy host hold no global slot
        try:
            async with self._global:
                started = time.monotonic()
                try:
                    result = await asyncio.wait_for(self._fetch(url, etag, last_modified, trusted),
                                                    timeout=self.limits.total_timeout)
                except TimeoutError:
                    limit.record(latency=time.monotonic() - started, host_error=True)
                    raise FetchError("timeout", f"timed out after {self.limits.total_timeout:g}s") from None
                except FetchError as exc:
                    limit.record(latency=time.monotonic() - started, host_error=_host_error(exc))
                    raise
                limit.record(latency=time.monotonic() - started, host_error=False)
                return result
        finally:
            limit.release()

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None, trusted: bool) -> FetchResult:
        session = self._session(trusted)
        timeout = aiohttp.ClientTimeout(total=None, connect=self.limits.connect_timeout,
                                        sock_read=self.limits.read_timeout)
        current = url
        permanent: str | None = None
        all_permanent = True
        seen: set[str] = set()
        for _hop in range(self.limits.max_redirects + 1):
            target = self._target(current, trusted)
            headers: dict[str, str] = {}
            if current == url:
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            try:
                async with session.get(target, headers=headers, allow_redirects=False, timeout=timeout) as resp:
                    if resp.status in _REDIRECTS:
                        location = resp.headers.get("Location")
                        if not location:
                            raise FetchError("http", f"HTTP {resp.status} without Location", status=resp.status)
                        try:
                            nxt = urljoin(current, location)
                            urlsplit(nxt).hostname  # noqa: B018 - raises for a malformed bracketed host
                        except ValueError:
                            raise FetchError("url", "redirect to an invalid URL", status=resp.status) from None
                        if nxt in seen or nxt == current:
                            raise FetchError("redirects", "redirect loop", status=resp.status, final_url=nxt)
                        seen.add(current)
                        if resp.status in _PERMANENT and all_permanent:
                            permanent = nxt
                        else:
                            all_permanent = False
                        current = nxt
                        continue
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    if resp.status == 304:
                        return FetchResult(304, current, b"", resp_headers, permanent if all_permanent else None)
                    if resp.status != 200:
                        raise FetchError(
                            "gone" if resp.status == 410 else "http",
                            f"HTTP {resp.status}",
                            status=resp.status,
                            retry_after=retry_after_seconds(resp.headers.get("Retry-After")),
                            final_url=current,
                        )
                    body = await self._read_body(resp)
                    return FetchResult(200, current, body, resp_headers, permanent if all_permanent else None)
            except FetchError:
                raise
            except BlockedAddress as exc:
                raise _refused(exc, current) from None
            except aiohttp.ClientConnectorError as exc:
                blocked = _blocked_cause(exc)
                if blocked is not None:
                    raise _refused(blocked, current) from None
                raise FetchError("connect", f"cannot connect: {exc.os_error or exc}") from None
            except aiohttp.ClientPayloadError as exc:
                raise FetchError("payload", f"broken response body: {exc}") from None
            except (aiohttp.ServerTimeoutError, aiohttp.SocketTimeoutError, aiohttp.ConnectionTimeoutError):
                raise FetchError("timeout", f"timed out waiting for the server (over {self.limits.read_timeout:g}s)") from None
            except aiohttp.ClientResponseError as exc:
                raise FetchError("http", f"bad response: {exc.message}", status=exc.status) from None
            except aiohttp.InvalidURL:
                raise FetchError("url", "invalid URL") from None
            except aiohttp.ClientError as exc:
                blocked = _blocked_cause(exc)
                if blocked is not None:
                    raise _refused(blocked, current) from None
                raise FetchError("network", f"network error: {type(exc).__name__}: {exc}") from None
            except OSError as exc:
                raise FetchError("network", f"network error: {exc}") from None
        raise FetchError("redirects", f"more than {self.limits.max_redirects} redirects", final_url=current)

    async def post_form(self, url: str, form: dict[str, str], *, trusted: bool) -> int:
        """POST a form (a WebSub subscription) under the same guard and limits as a fetch; the HTTP status."""
        timeout = aiohttp.ClientTimeout(total=self.limits.total_timeout, connect=self.limits.connect_timeout,
                                        sock_read=self.limits.read_timeout)
        target = self._target(url, trusted)
        try:
            async with self._session(trusted).post(target, data=form, allow_redirects=False, timeout=timeout) as resp:
                await resp.content.read(64 * 1024)
                return resp.status
        except BlockedAddress as exc:
            raise _refused(exc, url) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            blocked = _blocked_cause(exc)
            if blocked is not None:
                raise _refused(blocked, url) from None
            raise FetchError("network", f"network error: {type(exc).__name__}") from None

    def _target(self, url: str, trusted: bool) -> URL:
        """The URL object to give aiohttp: for untrusted feeds, the one the guard judged (every hop)."""
        if not trusted:
            try:
                return self.guard.admit(url).url
            except BlockedAddress as exc:
                raise _refused(exc, url) from None
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError("blocked", "only http and https feeds are supported", final_url=url, reason="scheme")
        try:
            return URL(url)
        except (ValueError, TypeError):
            raise FetchError("url", "invalid URL") from None

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        """Read at most max_bytes of *decoded* body, inflating gzip/deflate incrementally."""
        cap = self.limits.max_bytes
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > cap * 20:
            raise FetchError("too_large", f"response larger than {cap} bytes")
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        inflater: Any = None
        if encoding in ("gzip", "x-gzip"):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            inflater = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise FetchError("encoding", f"unsupported Content-Encoding {encoding!r}")
        out = bytearray()
        raw_total = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            raw_total += len(chunk)
            if inflater is None:
                out += chunk
            else:
                data = chunk
                while data:
                    try:
                        piece = inflater.decompress(data, cap + 1 - len(out))
                    except zlib.error as exc:
                        raise FetchError("encoding", f"corrupt {encoding} body: {exc}") from None
                    out += piece
                    if len(out) > cap:
                        break
                    data = inflater.unconsumed_tail
            if len(out) > cap or raw_total > cap:
                raise FetchError("too_large", f"response larger than {cap} bytes")
        if inflater is not None:
            out += inflater.flush(max(0, cap + 1 - len(out)))
            if len(out) > cap:
                raise FetchError("too_large", f"response larger than {cap} bytes")
        return bytes(out)


def _host_error(exc: FetchError) -> bool:
    """A failure that says the host is struggling (so fewer requests go to it), not that one feed is wrong."""
    if exc.kind in ("timeout", "connect", "network", "payload"):
        return True
    return exc.status is not None and (exc.status == 429 or exc.status >= 500)


def _refused(exc: BlockedAddress, url: str) -> FetchError:
    return FetchError("blocked", f"address not allowed ({exc.reason})", final_url=url, reason=exc.reason)


def _blocked_cause(exc: BaseException) -> BlockedAddress | None:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 10:
        if isinstance(cur, BlockedAddress):
            return cur
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None
