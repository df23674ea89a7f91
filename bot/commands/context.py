"""What every command handler shares: the request's context and a few helpers.

``Context`` is what an adapter tells the core about a command: who sent it,
where, and the two questions only the platform can answer (may this user
manage that chat; which chat is "@channel"). ``CommandBase`` holds the
repositories and the helpers the handler groups use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.arabic import isolate, isolate_ltr
from bot.commands.reply import Reply
from bot.commands.texts import TERM_ERRORS, USAGE, T
from bot.domain.watchlists import TermError
from bot.feeds.fetch import Fetcher
from bot.ops.status import StatusSnapshot
from bot.pipeline.watchindex import CUSTOM_LABEL, WatchIndex
from bot.settings import Settings
from bot.storage.chats_repo import ChatsRepo, DestinationRef
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Context", "ChatTarget", "TargetError", "Where", "CommandBase"]


class TargetError(Exception):
    """'@channel' could not be used; code: not_found | not_channel | bot_not_admin."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class ChatTarget:
    chat_id: str
    kind: str
    title: str | None = None


@dataclass(slots=True)
class Context:
    """Who sent a command, where, and what only the platform can tell us."""

    platform: str
    chat_id: str
    chat_kind: str  # private | group | supergroup | channel | slack
    user_id: str
    thread_id: int = 0
    chat_title: str | None = None
    user_name: str | None = None
    can_manage: Callable[[str], Awaitable[bool]] | None = None
    resolve_target: Callable[[str], Awaitable[ChatTarget]] | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """The destination a command acts on (this chat, or a channel named with @)."""

    chat_id: str
    kind: str
    thread_id: int
    title: str | None
    label: str  # how to name it in replies


class CommandBase:
    """Repositories, clock and helpers shared by the command groups."""

    settings: Settings
    chats: ChatsRepo
    feeds: FeedsRepo
    stories: StoriesRepo
    index: WatchIndex
    fetcher: Fetcher
    clock: Callable[[], datetime]
    status_source: Callable[[], Awaitable[StatusSnapshot]]

    async def _find(self, ctx: Context, where: Where) -> DestinationRef | None:
        """The destination a command acts on, if anything was ever set there (nothing is created)."""
        return await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)

    async def _ensure(self, ctx: Context, where: Where) -> DestinationRef:
        return await self.chats.ensure_destination(ctx.platform, where.chat_id, where.kind,
                                                   thread_id=where.thread_id, title=where.title, now=self.clock())

    def _usage(self, name: str, message: str) -> Reply:
        return Reply(error=True).add(message).add(T.TRY.format(usage=isolate_ltr(USAGE[name])))

    def _term_usage(self, name: str, exc: TermError) -> Reply:
        return self._usage(name, TERM_ERRORS.get(exc.code, TERM_ERRORS["empty"]))

    def _labels_of(self, ids: list[str]) -> str:
        return "، ".join(self.index.topic(i).label if i != "mine" else CUSTOM_LABEL for i in ids) or T.NONE

    def _valid_ids(self) -> str:
        return "، ".join(isolate_ltr(i) for i in self.index.builtins)

    def _unknown_ids(self, name: str, unknown: list[str]) -> Reply:
        return self._usage(name, T.UNKNOWN_IDS.format(ids="، ".join(isolate(u) for u in unknown),
                                                     valid=self._valid_ids()))
