"""The command core: Invocation -> checks -> settings change -> Reply. Both platforms call it.

Adapters translate their updates into a ``Context`` and render the ``Reply``.
Every rule — limits, permissions, validation, Arabic wording — lives in this
package once: this module routes and checks, reading each command's
permissions from the table (``bot.commands.table``); the handlers
(subscriptions, terms, feeds, about) change settings and answer.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

import structlog

from bot.alerts.arabic import isolate
from bot.alerts.plural import SECONDS_AFTER, counted
from bot.commands import audit, transfer
from bot.commands.about import add_command_list
from bot.commands.actions import ActionCodec
from bot.commands.alertwork import assign_from_picker, press
from bot.commands.context import ChatTarget, Context, Deps, TargetError, UsageError, Where
from bot.commands.greeting import button_reply, plain_hint, welcome
from bot.commands.parse import Invocation, parse_command
from bot.commands.ports import (
    AlertWorkStore,
    AuditStore,
    ChatFeedStore,
    DeadLetterStore,
    PendingImportStore,
    SettingsStore,
    SourcesStore,
    StoryArchive,
    TrendsStore,
)
from bot.commands.reply import ChatSpan, Reply, command, line, phrase
from bot.commands.subscriptions import DEFAULT_TOPICS, topic_names
from bot.commands.table import COMMANDS, Command
from bot.commands.texts import T
from bot.feeds.fetch import Fetcher
from bot.ops.status import StatusSnapshot
from bot.pipeline.watchindex import WatchIndex
from bot.settings import Settings

__all__ = ["CommandService", "Context", "ChatTarget", "TargetError", "DEFAULT_TOPICS"]

log = structlog.get_logger(__name__)

_CHAT_ID = re.compile(r"-100\d{5,15}(?:\s|$)")


WINDOW = 60.0  # seconds: the per-user limits are "so many in any minute"
BUTTON_FACTOR = 3  # button presses have their own, looser bucket: they never use up typed commands
_REFUSALS = {"members": T.NOT_MEMBER, "workspace_admins": T.NOT_WORKSPACE_ADMIN}
AUDITED_PRESSES = {"toggle": "topics", "sub": "subscribe", "watch": "watch"}  # press -> the audit log's action


def action_key(settings: Settings) -> bytes:
    """The key that signs button data: derived from the platform secrets (same on every replica)."""
    secrets = [s.get_secret_value() for s in (settings.telegram_bot_token, settings.slack_signing_secret,
                                               settings.slack_bot_token) if s is not None]
    if not secrets:
        return os.urandom(32)  # no chat platform: nothing to sign for
    return hashlib.sha256(("newsbot-actions\x00" + "\x00".join(secrets)).encode()).digest()


class CommandService:
    def __init__(self, settings: Settings, chats: SettingsStore, feeds: ChatFeedStore, stories: StoryArchive,
                 index: WatchIndex, *, fetcher: Fetcher, clock: Callable[[], datetime],
                 status: Callable[[], Awaitable[StatusSnapshot]], table: Mapping[str, Command] = COMMANDS,
                 dead_letters: DeadLetterStore | None = None, audit_log: AuditStore | None = None,
                 alert_work: AlertWorkStore | None = None, alert_secret: bytes = b"",
                 sources: SourcesStore | None = None, trends: TrendsStore | None = None,
                 pending: PendingImportStore | None = None) -> None:
        self.settings = settings
        self.deps = Deps(settings=settings, chats=chats, feeds=feeds, stories=stories, index=index,
                         fetcher=fetcher, clock=clock, status=status,
                         topic_names=topic_names(index.builtins.values()), commands=table,
                         dead_letters=dead_letters, audit=audit_log, alert_work=alert_work,
                         alert_secret=alert_secret, sources=sources, trends=trends, pending=pending,
                         actions=ActionCodec(action_key(settings)))
        self._recent: dict[tuple[str, str, str], deque[float]] = defaultdict(deque)

    # ------------------------------------------------------------ entry
    async def handle(self, ctx: Context, text: str, *, slash_optional: bool = False) -> Reply | None:
        """Answer one command message; None when the text is not a command at all."""
        inv = parse_command(text, slash_optional=slash_optional)
        if not inv.name:
            return None
        wait = self._wait(ctx, "command", self.settings.commands_per_minute)
        if wait:
            return Reply(error=True).add(T.RATE_LIMITED.format(wait=counted(wait, SECONDS_AFTER)))
        try:
            return await self._dispatch(ctx, inv)
        except Exception as exc:  # noqa: BLE001 - the user gets a clean answer; the log gets the details
            log.error("command_failed", command=inv.name, platform=ctx.platform, chat=ctx.chat_id,
                      error=repr(exc), exc_info=True)
            return Reply(error=True).add(T.INTERNAL)

    async def plain(self, ctx: Context, text: str) -> Reply | None:
        """A message that is no command: a one-line hint with buttons in a private chat, nothing elsewhere."""
        if ctx.chat_kind != "private" or self._wait(ctx, "command", self.settings.commands_per_minute):
            return None
        return plain_hint(self.deps, ctx, text)

    async def welcome(self, ctx: Context) -> Reply:
        """Just added to a group: "I'm back" with the kept settings, or a short welcome."""
        try:
            return await welcome(self.deps, ctx, self._here(ctx))
        except Exception as exc:  # noqa: BLE001
            log.error("welcome_failed", chat=ctx.chat_id, error=repr(exc), exc_info=True)
            return Reply()

    async def action(self, ctx: Context, action: str) -> Reply:
        """A button press (Telegram callback / Slack block action), see ``bot.commands.actions``."""
        wait = self._wait(ctx, "button", self.settings.commands_per_minute * BUTTON_FACTOR)
        if wait:
            return Reply(error=True).add(T.PRESSED_TOO_FAST.format(wait=counted(wait, SECONDS_AFTER)))
        try:
            kind, _, arg = action.partition(":")
            if kind in (transfer.IMPORT_ACTION, transfer.CANCEL_ACTION):
                return await self._import_action(ctx, kind, arg)
            press = self.deps.actions.decode(action, platform=ctx.platform, origin=ctx.chat_id)
            if press is None:
                return Reply(error=True).add(T.UNKNOWN)
            where = self._here(ctx)
            if press.target is not None:
                dest = await self.deps.chats.find_destination(ctx.platform, press.target.chat_id)
                where = Where(press.target.chat_id, press.target.kind, 0, dest.title if dest else None,
                              (dest.title if dest else None) or press.target.chat_id)
            audited = press.kind in AUDITED_PRESSES and self.deps.audit is not None
            before = await audit.snapshot(self.deps, ctx, where) if audited else None
            reply = await button_reply(self.deps, ctx, where, press, self._may_manage, self._refusal(ctx))
            if audited and reply.changed and not reply.error:
                await audit.record(self.deps, ctx, where, AUDITED_PRESSES[press.kind], press.arg, before=before,
                                   after=await audit.snapshot(self.deps, ctx, where))
            return self._labelled(reply, where)
        except Exception as exc:  # noqa: BLE001
            log.error("action_failed", action=action[:64], error=repr(exc), exc_info=True)
            return Reply(error=True).add(T.INTERNAL)

    async def _import_action(self, ctx: Context, kind: str, token: str) -> Reply:
        """The buttons under an /import plan: apply it (once, for whoever asked) or drop it."""
        if not await self._may_manage(ctx, ctx.chat_id):
            return Reply(error=True).add(self._refusal(ctx))
        if kind == transfer.CANCEL_ACTION:
            return await transfer.cancel_import(self.deps, ctx, token)
        stored = await transfer.pending_where(self.deps, ctx, token)
        if stored is None:
            return (await transfer.confirm_import(self.deps, ctx, token))[0]
        before = await audit.snapshot(self.deps, ctx, stored)
        reply, where = await transfer.confirm_import(self.deps, ctx, token)
        if where is not None:
            await audit.record(self.deps, ctx, where, "import", "", before=before,
                               after=await audit.snapshot(self.deps, ctx, where))
        return reply

    async def alert_button(self, ctx: Context, token: str, message_ref: str | None, *,
                           assignee: str | None = None) -> Reply:
        """A button on an alert (signed ``token``), pressed on the message ``message_ref`` of ``ctx``'s chat."""
        wait = self._wait(ctx, "button", self.settings.commands_per_minute * BUTTON_FACTOR)
        if wait:
            return Reply(error=True).add(T.PRESSED_TOO_FAST.format(wait=counted(wait, SECONDS_AFTER)))
        try:
            if assignee is not None:
                return await assign_from_picker(self.deps, ctx, token, message_ref, assignee)
            return await press(self.deps, ctx, token, message_ref)
        except UsageError as exc:
            return Reply(error=True).add(exc.message)
        except Exception as exc:  # noqa: BLE001
            log.error("alert_button_failed", error=repr(exc), exc_info=True)
            return Reply(error=True).add(T.INTERNAL)

    def _wait(self, ctx: Context, bucket: str, limit: int) -> int:
        """Per-user sliding window: 0 when allowed (and counted), else the seconds until a place frees."""
        key = (bucket, ctx.platform, ctx.user_id)
        now = time.monotonic()
        q = self._recent[key]
        while q and now - q[0] > WINDOW:
            q.popleft()
        if len(q) >= limit:
            return max(1, math.ceil(WINDOW - (now - q[0])))
        q.append(now)
        if len(self._recent) > 10000:
            for k in [k for k, v in self._recent.items() if not v or now - v[-1] > WINDOW][:5000]:
                del self._recent[k]
        return 0

    async def _may_manage(self, ctx: Context, chat_id: str) -> bool:
        if ctx.chat_kind == "private" and chat_id == ctx.chat_id:
            return True
        if ctx.can_manage is None:
            return False
        return await ctx.can_manage(chat_id)

    @staticmethod
    def _refusal(ctx: Context) -> str:
        """Why someone may not change this chat: the rule that applies here."""
        return _REFUSALS.get(ctx.managers, T.NOT_ADMIN)

    def _here(self, ctx: Context) -> Where:
        return Where(ctx.chat_id, ctx.chat_kind, ctx.thread_id, ctx.chat_title, "")

    @staticmethod
    def _labelled(reply: Reply, where: Where) -> Reply:
        """A reply about a chat named with "@" starts with that chat's name (tappable)."""
        if where.label and not reply.error:
            reply.lines.insert(0, line(ChatSpan(isolate(where.label), bold=True)))
        return reply

    async def _dispatch(self, ctx: Context, inv: Invocation) -> Reply:
        cmd = self.deps.commands.get(inv.name)
        if cmd is None:
            return self._unknown()
        args = inv.raw if cmd.raw else inv.args
        where = self._here(ctx)
        lone = cmd.lone_handle_is_argument and len(args.split()) == 1
        if args.startswith("@") and not cmd.targetable and not cmd.usage:  # takes no argument: no chat either
            return Reply(error=True).add(*phrase(T.TARGET_NOT_FOR.format(name=cmd.name)))
        if cmd.targetable and (args.startswith("@") and not lone or _CHAT_ID.match(args)):  # or -100…
            target_ref, *rest = args.split(None, 1)
            args = rest[0].strip() if rest else ""
            if ctx.resolve_target is None:
                return Reply(error=True).add(T.TARGET_UNSUPPORTED)
            if ctx.chat_kind != "private":
                return Reply(error=True).add(T.TARGET_ONLY_PRIVATE)
            try:
                target = await ctx.resolve_target(target_ref)
            except TargetError as exc:
                text = {"not_channel": T.TARGET_NOT_CHANNEL, "bot_not_admin": T.TARGET_BOT_NOT_ADMIN}.get(
                    exc.code, T.TARGET_BAD)
                return Reply(error=True).add(text.format(target=isolate(target_ref)))
            if not await self._may_manage(ctx, target.chat_id):
                return Reply(error=True).add(T.NOT_ADMIN_TARGET.format(target=isolate(target_ref)))
            where = Where(target.chat_id, target.kind, 0, target.title, target_ref)
        elif cmd.mutates and not await self._may_manage(ctx, ctx.chat_id):
            return Reply(error=True).add(self._refusal(ctx))
        elif cmd.admin and not await self._may_manage(ctx, ctx.chat_id):
            return Reply(error=True).add(T.NOT_ADMIN_VIEW)
        audited = cmd.mutates and self.deps.audit is not None
        before = await audit.snapshot(self.deps, ctx, where) if audited else None
        try:
            reply = await cmd.handler(self.deps, ctx, where, args)
        except UsageError as exc:
            return self._usage(cmd, exc.message)
        if audited and reply.changed and not reply.error:
            await audit.record(self.deps, ctx, where, cmd.name, args, before=before,
                               after=await audit.snapshot(self.deps, ctx, where))
        return self._labelled(reply, where)

    def _usage(self, cmd: Command, message: str) -> Reply:
        """A refused argument: why, and how the command is written."""
        usage = command(cmd.name, cmd.usage, isolated=True)
        return Reply(error=True).add(message).add(*phrase(T.TRY, usage=usage))

    def _unknown(self) -> Reply:
        reply = Reply(error=True).add(T.UNKNOWN).add(T.COMMANDS_HEADER)
        return add_command_list(reply, self.deps.commands.values())
