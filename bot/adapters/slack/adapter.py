"""The Slack platform as NewsBot sees it: one Bolt app, one Web API client, one Sender.

Receiving is Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL
needed), else HTTP: Bolt behind ``POST /slack/events`` on the shared port,
every request's signature checked by Bolt. Sending needs only the bot token
(``newsbot poll-once`` uses nothing else). Every Web API call, Bolt's own
included, goes to ``SLACK_API_URL``; nothing talks to Slack at construction
time, and Bolt's one ``auth.test`` happens lazily on the first request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import ErrorReporter, LeaseKeeper
from bot.adapters.slack.access import SlackAccess
from bot.adapters.slack.files import SlackFiles
from bot.adapters.slack.handlers import AUTH_ERROR, SlackHandlers
from bot.adapters.slack.sender import SlackSender
from bot.commands.service import CommandService
from bot.delivery.membership import ChatLifecycle
from bot.delivery.replies import LostHook, ReplyCourier
from bot.ops.http import HttpServer
from bot.settings import Settings

__all__ = ["SlackAdapter", "EVENTS_PATH"]

log = structlog.get_logger(__name__)

EVENTS_PATH = "/slack/events"
WEB_TIMEOUT = 10  # seconds per Web API call; a slower answer is a retry for the outbox
CONNECT_WAIT = 10.0  # start() waits this long for Socket Mode, then lets it keep trying in the background


class SlackAdapter:
    platform = "slack"

    def __init__(self, settings: Settings, commands: CommandService, lifecycle: ChatLifecycle, *,
                 clock: Callable[[], datetime], report: ErrorReporter | None = None,
                 on_reply_lost: LostHook | None = None) -> None:
        self.settings = settings
        self.lifecycle = lifecycle
        self.report = report
        self.clock = clock
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        base_url = settings.slack_api_url.strip()
        base_url = base_url if base_url.endswith("/") else base_url + "/"
        # No retry handlers: the outbox retries (honouring Retry-After) without holding a channel's lease.
        self.client = AsyncWebClient(token=token, base_url=base_url, timeout=WEB_TIMEOUT, retry_handlers=[],
                                     logger=logging.getLogger("slack_sdk.web"))
        self.sender = SlackSender(self.client, global_rate=settings.slack_global_rate,
                                  channel_interval=settings.slack_channel_interval)
        # Command replies and notes: first in line for the same budget, a 429 waited out (bounded).
        self.replies = ReplyCourier(self.platform, self.sender.budget, give_up_after=settings.reply_give_up,
                                    on_lost=on_reply_lost)
        self.access = SlackAccess(self.client, settings.slack_settings_policy)
        self.handlers = SlackHandlers(commands, self.access, self.client, sender=self.sender, replies=self.replies,
                                      files=SlackFiles(self.client, token, base_url))
        self._app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        self._signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret \
            else ""
        self.mode = "socket" if self._app_token else "http"
        # client= (not token=): Bolt then uses our base_url for everything, auth.test included.
        self.app = AsyncApp(name="newsbot", client=self.client, signing_secret=self._signing_secret,
                            logger=logging.getLogger("slack_bolt.newsbot"),
                            user_facing_authorize_error_message=AUTH_ERROR)
        self.handlers.register(self.app)
        self.app.error(self._on_bolt_error)
        self._socket: AsyncSocketModeHandler | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._receiving = False

    # ------------------------------------------------------------ HTTP mode
    def register_routes(self, http: HttpServer) -> None:
        if self.mode == "http":
            http.add_route("POST", EVENTS_PATH, self._events)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        if not self._signing_secret:
            # Without a secret anyone could forge a "signed" request: refuse everything instead.
            return web.Response(status=503, text="SLACK_SIGNING_SECRET is not set")
        if not self._receiving:
            return web.Response(status=503, text="not receiving")
        try:
            response = await self.app.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(response)
        except Exception as exc:  # noqa: BLE001 - one bad request must not take the endpoint down
            log.error("slack_request_failed", error=repr(exc), exc_info=True)
            return web.Response(status=500, text="internal error")

    # ------------------------------------------------------------ lifecycle
    async def start_sending(self) -> None:
        """A pooled HTTP session for the Web API (without one, slack_sdk opens a session per call)."""
        if self.client.session is None or self.client.session.closed:
            self.client.session = aiohttp.ClientSession()

    async def start(self) -> None:
        await self.start_sending()
        self._receiving = True
        if self.mode == "http":
            if not self._signing_secret:
                log.error("slack_signing_secret_missing",
                          hint="set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
            log.info("slack_receiving", mode="http", path=EVENTS_PATH)
            return
        assert self._app_token is not None
        self._socket = AsyncSocketModeHandler(self.app, self._app_token, logger=logging.getLogger("slack_sdk.socket"))
        self._connect_task = asyncio.create_task(self._socket.connect_async())  # type: ignore[no-untyped-call]
        try:
            await asyncio.wait_for(asyncio.shield(self._connect_task), CONNECT_WAIT)
            log.info("slack_receiving", mode="socket")
        except TimeoutError:
            log.warning("slack_socket_connect_slow", hint="still trying in the background; check SLACK_APP_TOKEN")
        except Exception as exc:  # noqa: BLE001 - sending works without it; readiness reports it
            log.error("slack_socket_connect_failed", error=repr(exc))

    async def stop_receiving(self) -> None:
        """No new commands (Socket Mode closed, HTTP answers 503); running ones finish; sending goes on."""
        self._receiving = False
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
        if self._socket is not None:
            socket, self._socket = self._socket, None
            try:
                await socket.close_async()  # type: ignore[no-untyped-call]
            except Exception as exc:  # noqa: BLE001
                log.warning("slack_socket_close_failed", error=repr(exc))
        await self.handlers.drain()

    async def stop(self) -> None:
        await self.stop_receiving()
        session, self.client.session = self.client.session, None
        if session is not None and not session.closed:
            await session.close()

    async def ready(self) -> tuple[bool, str]:
        if self.sender.auth_problem:
            return False, f"token refused: {self.sender.auth_problem}"
        if self.mode == "http":
            return (True, "http") if self._signing_secret else (False, "SLACK_SIGNING_SECRET is not set")
        if self._socket is not None and await self._socket.client.is_connected():
            return True, "socket mode connected"
        return False, "socket mode not connected"

    async def _on_bolt_error(self, error: Exception, body: Any = None) -> None:
        kind = body.get("type") or body.get("command") if isinstance(body, dict) else None
        log.error("slack_bolt_error", error=repr(error), request=kind)
        if self.report is not None:
            self.report("Slack", f"{type(error).__name__}: {str(error)[:200]}")

    async def leader_tick(self, leases: LeaseKeeper, replica: str, now: datetime, lease_seconds: float) -> None:
        """Slack pushes events to every replica's socket or HTTP route: no leader to elect."""
