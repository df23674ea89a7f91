"""The Telegram platform as NewsBot sees it: lifecycle, update intake, and the Sender.

Receiving has two modes. Long polling (the default): every replica runs the
PTB Application that handles updates, but only the holder of the
``telegram-updates`` lease calls getUpdates (two pollers would fight with 409
Conflicts); ``leader_tick`` takes or gives up the updater as the lease moves.
Pending updates are never dropped: a user's command must survive a restart.
Webhook mode (TELEGRAM_WEBHOOK_URL): every replica serves the webhook route
on the shared HTTP port and nobody polls.

Startup tolerates a Telegram outage (``ready()`` says so and ``leader_tick``
retries); only a token Telegram rejects stops the start, with an error that
does not contain the token.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters.base import ErrorReporter, LeaseKeeper
from bot.adapters.telegram.handlers import UpdateRouter
from bot.adapters.telegram.permissions import Permissions
from bot.adapters.telegram.processor import ChatOrderedProcessor
from bot.adapters.telegram.sender import TelegramSender
from bot.adapters.telegram.transport import AiohttpRequest
from bot.adapters.telegram.webhook import (
    WebhookRoute,
    derive_secret,
    valid_secret,
    webhook_path,
)
from bot.commands.service import CommandService
from bot.commands.table import COMMANDS
from bot.delivery.membership import ChatLifecycle
from bot.delivery.replies import LostHook, ReplyCourier
from bot.ops.http import HttpServer
from bot.settings import Settings, SettingsError

__all__ = ["TelegramAdapter", "UPDATES_LEASE", "ALLOWED_UPDATES", "file_url"]

log = structlog.get_logger(__name__)

UPDATES_LEASE = "telegram-updates"
ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]
POLL_TIMEOUT = dtm.timedelta(seconds=10)  # long-poll length; stopping interrupts it at once
STOP_TIMEOUT = 10.0  # how long stop() lets updates already received finish


def file_url(base_url: str) -> str:
    """'https://api.telegram.org/bot' -> 'https://api.telegram.org/file/bot' (same for a local server)."""
    base = base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


class TelegramAdapter:
    platform = "telegram"

    def __init__(self, settings: Settings, commands: CommandService, lifecycle: ChatLifecycle, *,
                 clock: Callable[[], datetime], report: ErrorReporter | None = None,
                 on_reply_lost: LostHook | None = None) -> None:
        if settings.telegram_bot_token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
        self.clock = clock
        self.webhook_url = (settings.telegram_webhook_url or "").strip() or None
        configured = settings.telegram_webhook_secret
        self._secret = configured.get_secret_value() if configured is not None else derive_secret(token)
        if not valid_secret(self._secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET: use 1-256 characters of A-Z, a-z, 0-9, _ and -")
        base = settings.telegram_api_base_url
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(token).base_url(base).base_file_url(file_url(base))
            .concurrent_updates(ChatOrderedProcessor()).job_queue(None)
            .request(AiohttpRequest(pool_size=128, connect_timeout=5.0, read_timeout=10.0, write_timeout=10.0,
                                    pool_timeout=5.0))
            .build()
        )
        bot = self.app.bot
        self.sender = TelegramSender(bot, global_rate=settings.telegram_rate, token=token,
                                     private_pacing=settings.telegram_private_interval,
                                     group_pacing=settings.telegram_group_interval,
                                     paid_broadcast=settings.telegram_paid_broadcast)
        self.replies = ReplyCourier(self.platform, self.sender.budget, give_up_after=settings.reply_give_up,
                                    on_lost=on_reply_lost)
        self.permissions = Permissions(bot)
        self.report = report
        self.router = UpdateRouter(commands, lifecycle, self.sender, self.permissions, self.replies,
                                   username=self._username)
        self.app.add_handler(TypeHandler(Update, self.router))
        self.app.add_error_handler(self._on_error)
        self._lock = asyncio.Lock()
        self._connected = False
        self._commands_set = False
        self._webhook_set = False
        self._receiving = True
        self._leases: LeaseKeeper | None = None
        self._replica: str | None = None

    def _username(self) -> str | None:
        return self.app.bot.username if self._connected else None

    # ------------------------------------------------------------ setup
    def register_routes(self, http: HttpServer) -> None:
        if self.webhook_url:
            route = WebhookRoute(self._secret, self._webhook_update)
            http.add_route("POST", webhook_path(self.webhook_url), route.handle)

    async def start(self) -> None:
        """Connect, register the command menu, set the webhook if configured; polling starts in leader_tick."""
        await self._connect()

    async def start_sending(self) -> None:
        """Only what sending needs (``newsbot poll-once``): the bot's identity, no update intake."""
        async with self._lock:
            await self._initialize()

    async def _initialize(self) -> None:
        if self._connected:
            return
        try:
            await self.app.initialize()
        except InvalidToken:
            await self.app.bot.request.shutdown()  # fatal: no connection is left behind
            raise SettingsError("TELEGRAM_BOT_TOKEN was rejected by Telegram (401 Unauthorized)") from None
        except TelegramError as exc:
            log.warning("telegram_unreachable", error=self.sender.describe(exc))
            return
        self._connected = True

    async def _connect(self) -> None:
        """Every setup step not done yet; a step Telegram fails is retried by the next leader_tick."""
        async with self._lock:
            await self._initialize()
            if not self._connected:
                return
            if not self.app.running:
                await self.app.start()
            try:
                if not self._commands_set:
                    await self._set_commands()
                    self._commands_set = True
                if self.webhook_url and not self._webhook_set:
                    await self.app.bot.set_webhook(self.webhook_url, secret_token=self._secret,
                                                   allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
                    self._webhook_set = True
                    log.info("telegram_webhook_set", path=webhook_path(self.webhook_url))
            except TelegramError as exc:
                log.warning("telegram_setup_incomplete", error=self.sender.describe(exc))

    async def _set_commands(self) -> None:
        """The command menu (from the command table), in Arabic, for Arabic clients and as the default."""
        menu = [BotCommand(cmd.name, cmd.description) for cmd in COMMANDS.values()]
        await self.app.bot.set_my_commands(menu, language_code="ar")
        await self.app.bot.set_my_commands(menu)

    # ------------------------------------------------------------ intake
    async def leader_tick(self, leases: LeaseKeeper, replica: str, now: datetime, lease_seconds: float) -> None:
        """Called by the heartbeat: finish setup, and poll for updates only while holding the lease."""
        self._leases, self._replica = leases, replica
        if not (self._connected and self.app.running and self._commands_set
                and (self._webhook_set or not self.webhook_url)):
            await self._connect()
        if self.webhook_url or not self._receiving or not self._connected:
            return
        held = await leases.acquire(UPDATES_LEASE, replica, now, lease_seconds)
        updater = self.app.updater
        assert updater is not None
        async with self._lock:
            if not self._receiving:
                return
            if held and not updater.running:
                try:
                    await updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES,
                                                drop_pending_updates=False, bootstrap_retries=0,
                                                error_callback=self._poll_error)
                except TelegramError as exc:  # deleteWebhook failed: the next tick tries again
                    log.warning("telegram_polling_not_started", error=self.sender.describe(exc))
                    return
                log.info("telegram_polling_started", replica=replica)
            elif not held and updater.running:
                await updater.stop()
                log.info("telegram_polling_stopped", replica=replica, reason="lease lost")

    @property
    def polling(self) -> bool:
        return bool(self.app.updater and self.app.updater.running)

    async def _webhook_update(self, data: dict[str, Any]) -> bool:
        """Process one webhook update now (per-chat order kept); False while not accepting."""
        if not self._receiving or not self._connected:
            return False
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception as exc:  # noqa: BLE001 - a malformed update is dropped, not retried forever
            log.warning("telegram_webhook_bad_update", error=type(exc).__name__)
            return True
        await self.app.update_processor.process_update(update, self.app.process_update(update))
        return True

    def _poll_error(self, exc: TelegramError) -> None:
        log.warning("telegram_poll_error", error=self.sender.describe(exc))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        described = self.sender.describe(error) if error else None
        log.error("telegram_handler_error", error=described, update_id=getattr(update, "update_id", None))
        if self.report is not None:
            self.report("Telegram", described or "unknown error")

    # --------------------------------------------------------- shutdown
    async def stop_receiving(self) -> None:
        """Stop taking updates (and hand the polling lease on); sending keeps working."""
        self._receiving = False
        async with self._lock:
            if self.polling:
                assert self.app.updater is not None
                await self.app.updater.stop()
        if self._leases is not None and self._replica is not None:
            try:
                await self._leases.release(UPDATES_LEASE, self._replica)
            except Exception as exc:  # noqa: BLE001 - the lease expires on its own anyway
                log.warning("telegram_lease_release_failed", error=repr(exc))

    async def stop(self) -> None:
        """Finish the updates already received, then close every connection."""
        self._receiving = False
        async with self._lock:
            if self.polling:
                assert self.app.updater is not None
                await self.app.updater.stop()
            if self.app.running:
                try:
                    await asyncio.wait_for(self.app.stop(), timeout=STOP_TIMEOUT)
                except TimeoutError:
                    log.warning("telegram_stop_timeout", seconds=STOP_TIMEOUT)
            if self._connected:
                await self.app.shutdown()
                self._connected = False
            else:
                try:
                    await self.app.bot.request.shutdown()  # a failed start may have left a client open
                except Exception as exc:  # noqa: BLE001
                    log.debug("telegram_shutdown_failed", error=type(exc).__name__)

    async def ready(self) -> tuple[bool, str]:
        if not self._connected:
            return False, "Telegram not reachable yet"
        if self.webhook_url:
            return (True, "webhook") if self._webhook_set else (False, "webhook not set yet")
        if not self._receiving:
            return True, "stopping"
        return True, "polling" if self.polling else "standby (another replica polls)"
