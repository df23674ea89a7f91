"""chat.postMessage and chat.update as one JSON POST each: the alert path without slack_sdk's layers.

A fan-out is one chat.postMessage per channel, of which we need one string back (``ts``). Through
``AsyncWebClient`` each call builds its request arguments, formats debug lines for a logger whose
level is unset (so ``<= DEBUG`` holds and the f-strings are built every time), wraps the answer in
an ``AsyncSlackResponse`` and validates it. Here the body is bytes the caller already holds (the
sender memoises each message's rendering), posted on the client's own pooled session with the
bot token as ``Authorization: Bearer`` (Slack takes ``application/json`` bodies for these
methods), and the answer is read for ``ok``, ``error`` and ``ts``. A refusal is raised with an
answer carrying the names ``sender.classify`` reads off slack_sdk's responses (``status_code``,
``data``, ``headers``), so every refusal maps to the same Outcome either way. Replies, uploads and
Bolt's own calls stay on slack_sdk.

Unlike slack_sdk, which applies its ``timeout`` only to the sessions it opens itself, the
client's timeout bounds every call here, on the pooled session too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

__all__ = ["WebAnswer", "WebApiRefused", "SlackWebApi", "dumps"]


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as sent in a request body."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class WebAnswer:
    """One Web API answer: what ``classify`` and the sender read of it."""

    status_code: int
    data: Mapping[str, Any]
    headers: Mapping[str, str]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


class WebApiRefused(Exception):
    """Not HTTP 200 with ``"ok": true``; ``response`` is the answer, as on slack_sdk's SlackApiError."""

    def __init__(self, response: WebAnswer) -> None:
        super().__init__(f"slack refused: {response.data.get('error') or f'http {response.status_code}'}")
        self.response = response


class SlackWebApi:
    """Web API methods posted as JSON on the client's session, with its token, URL and timeout."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        base = client.base_url
        self._base = base if base.endswith("/") else base + "/"
        self._urls: dict[str, URL] = {}  # parsed once per method, not once per call
        self._headers = {**client.headers, "Authorization": f"Bearer {client.token or ''}",
                         "Content-Type": "application/json;charset=utf-8", "User-Agent": "newsbot"}
        self._timeout = aiohttp.ClientTimeout(total=client.timeout)
        self._extra: dict[str, Any] = {"proxy": client.proxy} if client.proxy else {}
        if client.ssl is not None:
            self._extra["ssl"] = client.ssl

    async def post(self, method: str, body: bytes) -> WebAnswer:
        """The answer to ``method`` with the JSON ``body``; raises WebApiRefused, aiohttp's errors, TimeoutError."""
        session = self._client.session
        if session is not None and not session.closed:
            return await self._post(session, method, body)
        async with aiohttp.ClientSession() as own:  # not started: one session for this call, as slack_sdk does
            return await self._post(own, method, body)

    async def _post(self, session: aiohttp.ClientSession, method: str, body: bytes) -> WebAnswer:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = URL(self._base + method)
        async with session.post(url, data=body, headers=self._headers, timeout=self._timeout,
                                **self._extra) as res:
            status, headers, payload = res.status, res.headers, await res.read()
        data: Any = None
        if payload and (res.content_type or "").endswith("json"):
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
        answer = WebAnswer(status, data if isinstance(data, dict) else {}, headers)
        if status != 200 or not answer.data.get("ok"):
            raise WebApiRefused(answer)
        return answer
