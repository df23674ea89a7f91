"""The Sender port over python-telegram-bot: one API call, one explicit Outcome.

The dispatcher owns retries, backoff, pacing storage and chat deactivation;
this module only says what Telegram answered, in the port's terms:

=====================================  ===========================================
Telegram answer                        Outcome
=====================================  ===========================================
message object                         sent(message_id)
RetryAfter (429)                       retry(after=retry_after seconds)
ChatMigrated                           retry(migrate_to=new chat id)
Forbidden (blocked, kicked, left)      gone
BadRequest "chat not found"            gone
BadRequest "can't parse entities"      resent once as plain text; that outcome
BadRequest "message is not modified"   sent (edits only: nothing to change)
BadRequest anything else               failed (thread not found, edit not found…)
TimedOut, NetworkError (5xx, network)  retry (backoff is the dispatcher's)
InvalidToken                           retry (a configuration error; keep the row)
=====================================  ===========================================

Error strings never carry the bot token.
"""

from __future__ import annotations

import datetime as dtm
import re
import warnings
from collections.abc import Callable
from typing import Any

import structlog
from telegram import (
    Bot,
    InputFile,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.rendermemo import RenderMemo
from bot.adapters.telegram.botapi import BotApi
from bot.adapters.telegram.render import Rendered, render
from bot.adapters.telegram.transport import AiohttpRequest
from bot.alerts.spike import SpikeView
from bot.delivery.budget import SendBudget
from bot.delivery.ports import Address, Message, Outcome
from bot.domain.states import OutcomeKind

__all__ = ["TelegramSender", "outcome_for", "retry_seconds", "chat_ref", "PRIVATE_PACING", "GROUP_PACING"]

log = structlog.get_logger(__name__)

PRIVATE_PACING = 1.0  # seconds between two messages to one private chat
GROUP_PACING = 3.0  # groups, supergroups, channels, ops: 20 messages a minute
_NUMERIC = re.compile(r"-?\d+")


def chat_ref(chat: str) -> int | str:
    """A stored chat id as the Bot API wants it: numeric ids as int, '@channel' as is."""
    return int(chat) if _NUMERIC.fullmatch(chat) else chat


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def outcome_for(exc: TelegramError, describe: Callable[[TelegramError], str], *, editing: bool = False,
                ref: str | None = None) -> Outcome:
    """The port's Outcome for a Telegram error (see the module table)."""
    error = describe(exc)
    if isinstance(exc, RetryAfter):
        return Outcome.retry(error, after=retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Outcome(OutcomeKind.RETRY, error=error, migrate_to=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return Outcome.gone(error)
    if isinstance(exc, BadRequest):  # before NetworkError: PTB derives BadRequest from it
        text = exc.message.lower()
        if "chat not found" in text:
            return Outcome.gone(error)
        if editing and "message is not modified" in text:
            return Outcome.sent(ref)
        return Outcome.failed(error)
    if isinstance(exc, (NetworkError, InvalidToken)):  # TimedOut is a NetworkError
        return Outcome.retry(error)
    return Outcome.failed(error)


def _is_parse_error(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and "can't parse entities" in exc.message.lower()


def _markup(rendered: Rendered) -> dict[str, Any] | None:
    """The inline keyboard as the Bot API's JSON."""
    if not rendered.buttons:
        return None
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row]
                                for row in rendered.buttons]}


def _preview(rendered: Rendered) -> dict[str, Any]:
    if rendered.preview_url:
        return {"url": rendered.preview_url}
    return {"is_disabled": True}


class TelegramSender:
    """Alerts, notices and replies to Telegram chats, forum topics and channels."""

    platform = "telegram"

    def __init__(self, bot: Bot, *, global_rate: float, token: str, private_pacing: float = PRIVATE_PACING,
                 group_pacing: float = GROUP_PACING, paid_broadcast: bool = False) -> None:
        self.bot = bot
        if not isinstance(bot.request, AiohttpRequest):
            raise TypeError("TelegramSender needs a Bot on AiohttpRequest (its sends go past PTB's objects)")
        self.api = BotApi(bot.request, bot.base_url)  # sendMessage / editMessageText
        self.global_rate = global_rate
        self.budget = SendBudget(global_rate)  # alerts, replies and edits alike
        self.paid_broadcast = paid_broadcast  # allow_paid_broadcast on every sendMessage
        self._render: RenderMemo[Message, Rendered] = RenderMemo(render)  # one fan-out, one rendering
        self._token = token
        self._private = private_pacing
        self._group = group_pacing

    def pacing(self, chat_kind: str) -> float:
        return self._private if chat_kind == "private" else self._group

    def describe(self, exc: BaseException) -> str:
        """A short error text for logs and the outbox, with the token scrubbed out."""
        name = type(exc).__name__
        text = str(getattr(exc, "message", None) or exc)
        if not text.lower().startswith(name.lower()):
            text = f"{name}: {text}"
        return text.replace(self._token, "[token]") if self._token else text

    # ------------------------------------------------------------ port
    async def send(self, to: Address, message: Message) -> Outcome:
        if isinstance(message, SpikeView):
            return await self.photo(to.chat, to.thread, message.chart, message.filename, self._render(message))
        reply_to = int(to.reply_to) if to.reply_to and to.reply_to.isdigit() else None
        return await self.post(to.chat, to.thread, self._render(message), reply_to=reply_to)

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome:
        return await self.replace(to.chat, message_ref, self._render(message))

    # --------------------------------------------------------- helpers
    async def post(self, chat: str, thread: int, rendered: Rendered, *, reply_to: int | None = None) -> Outcome:
        """sendMessage into a chat (and forum topic), quoting ``reply_to`` when it still exists."""
        if rendered.empty:
            return Outcome.failed("empty message")
        kwargs: dict[str, Any] = {
            "chat_id": chat_ref(chat), "message_thread_id": thread or None,
            "reply_markup": _markup(rendered), "link_preview_options": _preview(rendered),
        }
        if rendered.silent:
            kwargs["disable_notification"] = True
        if self.paid_broadcast:
            kwargs["allow_paid_broadcast"] = True
        if reply_to:
            kwargs["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        return await self._call("sendMessage", rendered, kwargs, editing=False, ref=None)

    async def post_document(self, chat: str, thread: int, filename: str, content: bytes) -> Outcome:
        """sendDocument: a file a reply carries (/export)."""
        try:
            await self.bot.send_document(chat_id=chat_ref(chat), document=InputFile(content, filename=filename),
                                         message_thread_id=thread or None)
        except TelegramError as exc:
            return outcome_for(exc, self.describe)
        return Outcome.sent(None)

    async def photo(self, chat: str, thread: int, png: bytes, filename: str, caption: Rendered) -> Outcome:
        """sendPhoto with an HTML caption (already fitted to 1,024 characters)."""
        if not png:
            return Outcome.failed("empty chart")
        kwargs: dict[str, Any] = {"chat_id": chat_ref(chat), "message_thread_id": thread or None}
        try:
            result = await self.bot.send_photo(photo=InputFile(png, filename=filename), caption=caption.html,
                                               parse_mode=ParseMode.HTML, **kwargs)
        except TelegramError as exc:
            if not _is_parse_error(exc):
                return outcome_for(exc, self.describe, editing=False, ref=None)
            log.error("telegram_html_rejected", error=self.describe(exc), html=caption.html[:500])
            try:
                result = await self.bot.send_photo(photo=InputFile(png, filename=filename), caption=caption.plain,
                                                   **kwargs)
            except TelegramError as exc2:
                return outcome_for(exc2, self.describe, editing=False, ref=None)
        message_id = getattr(result, "message_id", None)
        return Outcome.sent(str(message_id) if message_id is not None else None)

    async def replace(self, chat: str, message_ref: str, rendered: Rendered) -> Outcome:
        """editMessageText of a message the bot sent earlier."""
        if rendered.empty:
            return Outcome.failed("empty message")
        try:
            message_id = int(message_ref)
        except (TypeError, ValueError):
            return Outcome.failed(f"bad message reference {message_ref!r}")
        kwargs: dict[str, Any] = {
            "chat_id": chat_ref(chat), "message_id": message_id,
            "reply_markup": _markup(rendered), "link_preview_options": _preview(rendered),
        }
        return await self._call("editMessageText", rendered, kwargs, editing=True, ref=message_ref)

    async def _call(self, method: str, rendered: Rendered, kwargs: dict[str, Any], *,
                    editing: bool, ref: str | None) -> Outcome:
        try:
            result = await self.api.call(method, {"text": rendered.html, "parse_mode": ParseMode.HTML, **kwargs})
        except TelegramError as exc:
            if not _is_parse_error(exc):
                return outcome_for(exc, self.describe, editing=editing, ref=ref)
            # Our renderer escapes everything, so this is a bug or a Telegram quirk: the words
            # still matter more than the bold, so send them once more as plain text.
            log.error("telegram_html_rejected", error=self.describe(exc), html=rendered.html[:500])
            try:
                result = await self.api.call(method, {"text": rendered.plain, **kwargs})
            except TelegramError as exc2:
                return outcome_for(exc2, self.describe, editing=editing, ref=ref)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Outcome.sent(str(message_id) if message_id is not None else ref)
