"""A WebSub hub test double on 127.0.0.1, behaving as the W3C recommendation describes.

``POST /`` takes a subscription request (form: hub.mode, hub.topic,
hub.callback, hub.lease_seconds, hub.secret), answers 202 Accepted, then
verifies the subscriber's intent with a GET to the callback carrying a random
``hub.challenge``: only a callback that echoes the challenge is subscribed.
``publish(topic, body)`` POSTs the content to every verified subscriber of the
topic, signed ``X-Hub-Signature: sha256=<HMAC of the body under hub.secret>``
(or with a given wrong signature), with the ``Link`` headers the spec asks for.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

__all__ = ["WebSubHub", "HubSubscription"]


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str
    lease_seconds: int
    verified: bool = False
    deliveries: list[int] = field(default_factory=list)  # HTTP statuses of pushes to it


class WebSubHub:
    def __init__(self) -> None:
        self.port = 0
        self.requests: list[dict[str, str]] = []  # every subscription request's form
        self.verifications: list[tuple[str, int, str]] = []  # (callback, status, body) of each intent check
        self.subscriptions: dict[tuple[str, str], HubSubscription] = {}
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/", self._subscribe)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def _subscribe(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append(form)
        if form.get("hub.mode") != "subscribe" or not form.get("hub.topic") or not form.get("hub.callback"):
            return web.Response(status=400, text="bad request")
        sub = HubSubscription(form["hub.topic"], form["hub.callback"], form.get("hub.secret", ""),
                              int(form.get("hub.lease_seconds", "86400")))
        task = asyncio.get_running_loop().create_task(self._verify(sub))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202, text="")

    async def _verify(self, sub: HubSubscription) -> None:
        challenge = secrets.token_hex(16)
        params = {"hub.mode": "subscribe", "hub.topic": sub.topic, "hub.challenge": challenge,
                  "hub.lease_seconds": str(sub.lease_seconds)}
        async with aiohttp.ClientSession() as s, s.get(sub.callback, params=params) as resp:
            body = await resp.text()
            self.verifications.append((sub.callback, resp.status, body))
            if 200 <= resp.status < 300 and body == challenge:
                sub.verified = True
                self.subscriptions[(sub.topic, sub.callback)] = sub

    async def check_intent(self, callback: str, topic: str) -> tuple[int, str]:
        """Verify a callback for ``topic`` as a hub would (a forged or wrong-topic check, for tests)."""
        challenge = secrets.token_hex(16)
        params = {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": challenge, "hub.lease_seconds": "60"}
        async with aiohttp.ClientSession() as s, s.get(callback, params=params) as resp:
            return resp.status, await resp.text()

    async def publish(self, topic: str, body: bytes, *, content_type: str = "application/rss+xml",
                      signature: str | None = None) -> list[int]:
        """Push ``body`` to the topic's verified subscribers; the HTTP status of each delivery."""
        out = []
        for sub in [s for s in self.subscriptions.values() if s.topic == topic and s.verified]:
            sig = signature or "sha256=" + hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": content_type, "X-Hub-Signature": sig,
                       "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            async with aiohttp.ClientSession() as s, s.post(sub.callback, data=body, headers=headers) as resp:
                await resp.read()
                sub.deliveries.append(resp.status)
                out.append(resp.status)
        return out
