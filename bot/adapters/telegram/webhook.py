"""Webhook mode: the secret Telegram signs updates with, and the route on the shared HTTP port.

Every replica must accept the same secret, so without TELEGRAM_WEBHOOK_SECRET
it is derived from the bot token (an HMAC, so the token itself never travels).
The header is compared in constant time and nothing is read before it matches.
An update is processed before the answer, so an update a replica could not
finish (it was stopping, or crashed) is sent again by Telegram, not lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web

__all__ = ["SECRET_HEADER", "derive_secret", "valid_secret", "webhook_path", "WebhookRoute"]

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def derive_secret(token: str) -> str:
    """A stable secret from the token: 43 characters of [A-Za-z0-9_-]."""
    digest = hmac.new(token.encode(), b"newsbot/telegram-webhook/v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def valid_secret(secret: str) -> bool:
    """Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -."""
    return bool(_SECRET.fullmatch(secret))


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


class WebhookRoute:
    """POST handler: 401 without the right secret, 503 while not accepting, else process then 200."""

    def __init__(self, secret: str, process: Callable[[dict[str, Any]], Awaitable[bool]]) -> None:
        self._secret = secret.encode()
        self._process = process

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram_webhook_refused", remote=request.remote)
            return web.Response(status=401)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        accepted = await self._process(data)
        return web.Response(status=200 if accepted else 503)
