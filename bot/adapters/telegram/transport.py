"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB makes the transport pluggable (``telegram.request.BaseRequest``). A whole
``send_message`` costs ~1.8 ms of CPU with its default transport (httpx) on our
machines and ~0.9 ms with this one (``benchmarks/telegram_send.py``); every
alert is one such call. The long-poll ``getUpdates`` request keeps PTB's
default: one call every half minute.

Errors map as PTB's own transport maps them: a timeout is ``TimedOut``, any
other client failure ``NetworkError``; neither message carries the URL (it
holds the bot token).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool; timeouts as PTB defines them."""

    def __init__(self, *, pool_size: int = 32, connect_timeout: float | None = 5.0,
                 read_timeout: float | None = 10.0, write_timeout: float | None = 10.0,
                 pool_timeout: float | None = 5.0, media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = pool_size
        self._defaults = {"connect": connect_timeout, "read": read_timeout, "write": write_timeout,
                          "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # HTTPS_PROXY and friends are honoured, as httpx honours them, but looked up once per host
            # (_proxy_for): aiohttp's trust_env reads the environment and ~/.netrc in a thread on every
            # request, which cost ~15 % of the CPU of a fan-out.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT}, trust_env=False)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment names for this URL's scheme and host (NO_PROXY honoured), cached."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.hostname}"
        if key not in self._proxies:
            host = parts.hostname or ""
            self._proxies[key] = None if not host or proxy_bypass(host) else getproxies().get(parts.scheme)
        return self._proxies[key]

    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any, media: bool) -> aiohttp.ClientTimeout:
        def pick(value: Any, name: str) -> float | None:
            if not isinstance(value, DefaultValue):
                return None if value is None else float(value)
            if name == "write" and media:
                return self._media_write_timeout
            return self._defaults[name]

        r, w, c, p = pick(read, "read"), pick(write, "write"), pick(connect, "connect"), pick(pool, "pool")
        parts = (r, w, c, p)
        # aiohttp has no write timeout of its own: the sum bounds the whole call instead.
        total = None if any(x is None for x in parts) else sum(x for x in parts if x is not None)
        acquire = None if c is None and p is None else (c or 0.0) + (p or 0.0)
        return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=c, sock_read=r)

    def _body(self, request_data: RequestData | None) -> Any:
        if request_data is None:
            return None
        files = request_data.multipart_data
        if not files:
            return request_data.json_parameters  # form-encoded, as PTB's httpx transport sends it
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mimetype) in files.items():
            form.add_field(name, content, filename=filename, content_type=mimetype)
        return form

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        media = bool(request_data is not None and request_data.multipart_data)
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, media)
        return await self._send(session, method, url, self._body(request_data), None, timeout)

    async def post_json(self, url: str, body: bytes) -> tuple[int, bytes]:
        """A POST of an already serialised JSON body on the same pool, errors mapped as above.

        The alert hot path (``botapi``) comes in here, past PTB's request objects.
        """
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = self._timeout(*(BaseRequest.DEFAULT_NONE,) * 4, False)
        return await self._send(session, "POST", url, body, _JSON, timeout)

    async def _send(self, session: aiohttp.ClientSession, method: str, url: str, data: Any,
                    headers: dict[str, str] | None, timeout: aiohttp.ClientTimeout) -> tuple[int, bytes]:
        try:
            async with session.request(method, url, data=data, headers=headers, timeout=timeout,
                                       proxy=self._proxy_for(url)) as resp:
                return resp.status, await resp.read()
        except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut(f"aiohttp: {type(err).__name__}") from err
        except aiohttp.InvalidURL as err:
            raise NetworkError("aiohttp.InvalidURL: the Bot API address is not a valid URL") from err
        except aiohttp.ClientResponseError as err:  # its text holds the URL
            raise NetworkError(f"aiohttp.{type(err).__name__}: HTTP {err.status} {err.message}") from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
