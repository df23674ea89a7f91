"""Telegram updates -> the command core, and its replies back to the same chat or topic.

Nothing here decides what a command means: this module only says who is
asking and where (a ``Context``), answers the two questions only Telegram can
(``can_manage``, ``resolve_target``), and renders the ``Reply``. It also
keeps chats in step with the bot's own membership (removed, blocked, added
back) and with group -> supergroup migrations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from telegram import CallbackQuery, Chat, ChatMember, ChatMemberUpdated, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.adapters.telegram.permissions import Permissions
from bot.adapters.telegram.render import render_reply
from bot.adapters.telegram.sender import TelegramSender
from bot.commands.parse import parse_command
from bot.commands.reply import Reply
from bot.commands.service import CommandService, Context
from bot.commands.table import COMMANDS
from bot.delivery.membership import ChatLifecycle
from bot.delivery.replies import ReplyCourier
from bot.domain.chat_config import MAX_DOCUMENT, ConfigError

__all__ = ["UpdateRouter", "PLATFORM"]

log = structlog.get_logger(__name__)

PLATFORM = "telegram"
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
ANSWER_MAX = 200  # answerCallbackQuery text limit


def _short(text: str | None, limit: int = ANSWER_MAX) -> str | None:
    if not text:
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _thread(message: Message) -> int:
    """The forum topic a message belongs to (0: the chat itself, or the General topic)."""
    if message.is_topic_message and message.message_thread_id:
        return int(message.message_thread_id)
    return 0


def can_post(chat_type: str, member: ChatMember) -> bool:
    """Whether the bot, with this membership, can deliver alerts to the chat."""
    status = member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        return False
    if chat_type == ChatType.CHANNEL:
        return status == ChatMember.OWNER or (
            status == ChatMember.ADMINISTRATOR and bool(getattr(member, "can_post_messages", False)))
    if status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False) and getattr(member, "can_send_messages", False))
    return True


def _attachment(message: Message) -> Callable[[], Awaitable[bytes]]:
    """Fetches the document a command came with (refused unread when it is larger than a document may be)."""

    async def fetch() -> bytes:
        doc = message.document
        assert doc is not None
        if doc.file_size is not None and doc.file_size > MAX_DOCUMENT:
            raise ConfigError(f"الملف كبير جداً: الحد الأقصى {MAX_DOCUMENT // 1024} كيلوبايت.")
        file = await doc.get_file()
        return bytes(await file.download_as_bytearray())

    return fetch


class UpdateRouter:
    """The one PTB handler: routes every update kind this bot asks Telegram for."""

    def __init__(self, commands: CommandService, lifecycle: ChatLifecycle, sender: TelegramSender,
                 permissions: Permissions, replies: ReplyCourier, *, username: Callable[[], str | None]) -> None:
        self.commands = commands
        self.replies = replies
        self.lifecycle = lifecycle
        self.sender = sender
        self.permissions = permissions
        self.username = username

    async def __call__(self, update: Update, _context: Any = None) -> None:
        """PTB callback; an error is logged here and never reaches the updater."""
        try:
            if update.callback_query is not None:
                await self._callback(update.callback_query)
            elif update.my_chat_member is not None:
                await self._membership(update.my_chat_member)
            elif update.message is not None:
                await self._message(update.message, channel=False)
            elif update.channel_post is not None:
                await self._message(update.channel_post, channel=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad update must not stop the others
            log.error("telegram_update_failed", update_id=update.update_id, error=self.sender.describe(exc),
                      exc_info=True)

    # -------------------------------------------------------- messages
    async def _message(self, message: Message, *, channel: bool) -> None:
        chat = message.chat
        if message.migrate_to_chat_id:
            await self._migrated(str(chat.id), str(message.migrate_to_chat_id))
            return
        if message.migrate_from_chat_id:
            await self._migrated(str(message.migrate_from_chat_id), str(chat.id))
            return
        text = message.text or (message.caption if message.document is not None else None)
        if not text:
            return
        if message.is_automatic_forward:
            return  # a linked channel's post copied into its discussion group
        if not channel and message.sender_chat is None and (message.from_user is None or message.from_user.is_bot):
            return
        if not text.startswith("/"):
            if chat.type == ChatType.PRIVATE:  # a person talking to the bot: a hint and a first step
                hint = await self.commands.plain(self._context(message, channel=False), text)
                if hint is not None:
                    await self.answer(chat, 0, hint)
            return  # plain conversation in a group or a channel is not for the bot
        inv = parse_command(text)
        if not inv.name:
            return
        me = self.username()
        if inv.addressed_to and me and inv.addressed_to.lower() != me.lower():
            return  # /cmd@otherbot
        if chat.type in GROUPS and not inv.addressed_to and inv.name not in COMMANDS:
            return  # an unknown bare command in a group is most likely another bot's
        reply = await self.commands.handle(self._context(message, channel=channel), text)
        if reply is None:
            return
        if channel:
            # A broadcast channel's readers are its audience, not the admin who typed: no public answer
            # (Telegram does not say which admin posted, so there is nobody to answer privately).
            log.info("telegram_channel_command_not_answered", chat=chat.id, command=inv.name, error=reply.error)
            return
        await self.answer(chat, _thread(message), reply,
                          reply_to=message.message_id if chat.type in GROUPS else None)

    def _context(self, message: Message, *, channel: bool) -> Context:
        chat = message.chat
        here = str(chat.id)
        sender_chat = message.sender_chat
        person = message.from_user if sender_chat is None else None
        # A channel's posts come from its admins; a message sent as the group itself is an anonymous admin.
        speaks_for_chat = channel or (sender_chat is not None and sender_chat.id == chat.id)
        if channel or sender_chat is not None:
            user_id = str(sender_chat.id if sender_chat is not None else chat.id)
        else:
            user_id = str(person.id) if person else here

        async def can_manage(chat_id: str) -> bool:
            if speaks_for_chat and chat_id == here:
                return True
            if person is None:
                return False  # acting as a chat (a linked channel), not as a person
            return await self.permissions.is_admin(chat_id, str(person.id))

        return Context(
            platform=PLATFORM, chat_id=here, chat_kind=str(chat.type), user_id=user_id,
            thread_id=_thread(message), chat_title=chat.title,
            user_name=(person.username or person.full_name) if person else chat.title,
            can_manage=can_manage, resolve_target=self.permissions.resolve,
            attachment=_attachment(message) if message.document is not None else None,
            reply_to_ref=str(message.reply_to_message.message_id) if message.reply_to_message else None,
        )

    async def answer(self, chat: Chat, thread: int, reply: Reply, *, reply_to: int | None = None) -> None:
        """Send a command's reply through the send budget, first in line; a 429 is waited out (bounded)."""
        rendered = render_reply(reply)
        doc = reply.document
        if doc is not None:  # a reply too (/export): the same budget, the same bounded wait on a 429
            sent = await self.replies.deliver(
                lambda: self.sender.post_document(str(chat.id), thread, doc.filename, doc.content), chat=str(chat.id))
            if sent.kind != "sent":
                log.warning("telegram_document_failed", chat=chat.id, error=sent.error)
        if rendered.empty:
            return
        await self.replies.deliver(
            lambda: self.sender.post(str(chat.id), thread, rendered, reply_to=reply_to), chat=str(chat.id))

    async def _migrated(self, old: str, new: str) -> None:
        await self.lifecycle.migrated(PLATFORM, old, new, str(ChatType.SUPERGROUP))
        self.permissions.forget(old)
        log.info("telegram_chat_migrated", old=old, new=new)

    # --------------------------------------------------------- buttons
    async def _callback(self, query: CallbackQuery) -> None:
        answered = False
        try:
            message = query.message
            if not isinstance(message, Message) or not query.data:
                return  # too old to edit (InaccessibleMessage) or not ours
            chat = message.chat
            user = str(query.from_user.id)
            ctx = Context(
                platform=PLATFORM, chat_id=str(chat.id), chat_kind=str(chat.type), user_id=user,
                thread_id=_thread(message), chat_title=chat.title,
                user_name=query.from_user.username or query.from_user.full_name,
                can_manage=lambda chat_id: self.permissions.is_admin(chat_id, user),
            )
            if query.data.startswith("w|"):  # a button on an alert: the core checks the token and the row
                reply = await self.commands.alert_button(ctx, query.data, str(message.message_id))
                answered = True
                await self._answer_query(query, _short(reply.toast or reply.plain_text()),
                                         alert=reply.error or not reply.changed)
                return
            reply = await self.commands.action(ctx, query.data)
            toast = reply.toast or (reply.plain_text() if reply.error else None)
            answered = True
            await self._answer_query(query, _short(toast), alert=reply.error)
            if reply.error:
                return
            if reply.edit:
                rendered, here, ref = render_reply(reply), str(chat.id), str(message.message_id)
                await self.replies.deliver(lambda: self.sender.replace(here, ref, rendered), chat=here)
            elif reply.lines:  # a first step (topics, help) or a change made from a hint: a new message
                await self.answer(chat, _thread(message), reply)
        finally:
            if not answered:
                await self._answer_query(query, None, alert=False)

    async def _answer_query(self, query: CallbackQuery, text: str | None, *, alert: bool) -> None:
        try:
            await query.answer(text=text, show_alert=alert and bool(text))
        except TelegramError as exc:
            log.info("telegram_callback_answer_failed", error=self.sender.describe(exc))

    # ------------------------------------------------------ membership
    async def _membership(self, change: ChatMemberUpdated) -> None:
        chat = change.chat
        external = str(chat.id)
        self.permissions.forget(external)
        was = can_post(chat.type, change.old_chat_member)
        now = can_post(chat.type, change.new_chat_member)
        status = change.new_chat_member.status
        if not now:
            await self.lifecycle.gone(PLATFORM, external, f"bot membership: {status}", name=chat.title)
            log.info("telegram_chat_deactivated", chat=external, status=status)
            return
        await self.lifecycle.back(PLATFORM, external)
        added = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
        if not was:
            log.info("telegram_chat_active", chat=external, status=status)
        if added and chat.type in GROUPS:
            await self._greet(change)

    async def _greet(self, change: ChatMemberUpdated) -> None:
        """Just added to a group: "I'm back" with its kept settings, or a short welcome."""
        chat = change.chat

        async def never(_chat_id: str) -> bool:
            return False

        ctx = Context(platform=PLATFORM, chat_id=str(chat.id), chat_kind=str(chat.type),
                      user_id=str(change.from_user.id), chat_title=chat.title, can_manage=never)
        await self.answer(chat, 0, await self.commands.welcome(ctx))

