"""/import of a file on Slack: the file's ID or permalink as the argument, fetched with files.info.

A slash command carries text only, so a shared file is named: ``/newsbot import F0123ABCD`` or
``/newsbot import https://team.slack.com/files/U…/F0123ABCD/export.yaml`` (Slack's "Copy link").
The bytes come from the file's ``url_private_download`` with the bot token, only when that URL is
on the configured Slack API host (or a subdomain of it, as files.slack.com is of slack.com), over
HTTPS unless the API itself is plain HTTP, without redirects, and never more than the document limit.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.chat_config import MAX_DOCUMENT, ConfigError

__all__ = ["file_ref", "SlackFiles"]

log = structlog.get_logger(__name__)

_FILE_ID = re.compile(r"F[A-Z0-9]{6,20}")
_PERMALINK = re.compile(r"/files/[A-Z0-9]{1,20}/(F[A-Z0-9]{6,20})(?:/|$)")
_IMPORT = re.compile(r"/?import(?:@\S+)?\s+(\S{1,500})\s*", re.IGNORECASE)
FAILED = "تعذّر تنزيل الملف من Slack. تأكد من أن الرابط لملف مشارك معي ثم أعد المحاولة."
TOO_BIG = f"الملف كبير جداً: الحد الأقصى {MAX_DOCUMENT // 1024} كيلوبايت."


def file_ref(text: str) -> str | None:
    """The Slack file ID that ``/import`` names in ``text`` (an ID or a permalink), or None."""
    m = _IMPORT.fullmatch(text.strip())
    if m is None:
        return None
    arg = m.group(1).strip("<>").split("|", 1)[0]  # Slack wraps links as <url|label>
    if _FILE_ID.fullmatch(arg):
        return arg
    link = _PERMALINK.search(urlsplit(arg).path) if arg.startswith(("https://", "http://")) else None
    return link.group(1) if link else None


class SlackFiles:
    def __init__(self, client: AsyncWebClient, token: str, api_url: str, *, timeout: float = 15.0) -> None:
        self.client, self._token, self.timeout = client, token, timeout
        api = urlsplit(api_url)
        self._host, self._schemes = (api.hostname or "").lower(), ({"https", "http"} if api.scheme == "http"
                                                                     else {"https"})

    def allowed(self, url: str) -> bool:
        """Is ``url`` on the configured Slack host (or a subdomain of it), with an allowed scheme."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return parts.scheme in self._schemes and bool(host) and (host == self._host or host.endswith("." + self._host))

    def fetcher(self, file_id: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            return await self.download(file_id)
        return fetch

    async def download(self, file_id: str) -> bytes:
        """The file's bytes; ConfigError (Arabic) when it cannot or may not be fetched."""
        try:
            info: Any = (await self.client.files_info(file=file_id)).get("file") or {}
        except Exception as exc:  # noqa: BLE001 - not found, not shared with the app, no files:read scope
            log.info("slack_file_info_failed", file=file_id, error=repr(exc)[:200])
            raise ConfigError(FAILED) from None
        size = int(info.get("size") or 0)
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if size > MAX_DOCUMENT:
            raise ConfigError(TOO_BIG)
        if not self.allowed(url):
            log.warning("slack_file_url_refused", file=file_id, host=urlsplit(url).hostname)
            raise ConfigError(FAILED)
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http, \
                    http.get(url, headers={"Authorization": f"Bearer {self._token}"}, allow_redirects=False) as resp:
                if resp.status != 200:
                    raise ConfigError(FAILED)
                body = await resp.content.read(MAX_DOCUMENT + 1)
        except aiohttp.ClientError as exc:
            log.info("slack_file_download_failed", file=file_id, error=repr(exc)[:200])
            raise ConfigError(FAILED) from None
        if len(body) > MAX_DOCUMENT:
            raise ConfigError(TOO_BIG)
        return body
