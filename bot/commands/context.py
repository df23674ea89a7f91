"""What every command handler gets: its dependencies, the request's context, and a few helpers.

``Context`` is what an adapter tells the core about a command: who sent it,
where, and the two questions only the platform can answer (may this user
manage that chat; which chat is "@channel"). ``Deps`` is everything a handler
may use, passed in explicitly so a handler is a plain function a test (or
"find usages") can see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.alerts.arabic import isolate, isolate_ltr
from bot.commands.actions import ActionCodec, TargetRef
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
from bot.commands.texts import TERM_ERRORS, T
from bot.domain.watchlists import TermError
from bot.errors import NewsbotError
from bot.feeds.fetch import Fetcher
from bot.ops.status import StatusSnapshot
from bot.pipeline.watchindex import CUSTOM_LABEL, WatchIndex
from bot.settings import Settings
from bot.storage.records import DestinationRef

if TYPE_CHECKING:
    from bot.commands.table import Command

__all__ = ["Context", "ChatTarget", "TargetError", "Where", "Deps", "UsageError", "find_destination",
           "ensure_destination", "term_usage", "labels_of", "unknown_ids", "signer"]


class TargetError(NewsbotError):
    """'@channel' could not be used; code: not_found | not_channel | bot_not_admin."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class UsageError(NewsbotError):
    """Raised by a handler for arguments it cannot use; the core answers with the message and the usage."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    managers: str = "admins"  # who may change settings here: admins | members | workspace_admins (the refusal says)
    # A file sent with the command (Telegram: a document captioned "/import"), fetched on demand.
    attachment: Callable[[], Awaitable[bytes]] | None = None
    reply_to_ref: str | None = None  # the message this command answers (Telegram reply), for /assign


@dataclass(frozen=True, slots=True)
class Where:
    """The destination a command acts on (this chat, or a channel named with @)."""

    chat_id: str
    kind: str
    thread_id: int
    title: str | None
    label: str  # how to name it in replies


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything a command handler may use; built once by the command core."""

    settings: Settings
    chats: SettingsStore
    feeds: ChatFeedStore
    stories: StoryArchive
    index: WatchIndex
    fetcher: Fetcher
    clock: Callable[[], datetime]
    status: Callable[[], Awaitable[StatusSnapshot]]
    topic_names: Mapping[str, str]  # a normalised label or plain term -> built-in watchlist id
    commands: Mapping[str, Command]  # the command table, for /help
    actions: ActionCodec  # button callback data (signed when it names another chat)
    dead_letters: DeadLetterStore | None = None  # /failed, /retry (None: not wired, e.g. a bare core in tests)
    audit: AuditStore | None = None  # the audit log (None: changes are not recorded)
    pending: PendingImportStore | None = None  # /import plans awaiting confirmation (None: /import not wired)
    alert_work: AlertWorkStore | None = None  # buttons on alerts (None: not wired)
    alert_secret: bytes = b""  # signs the buttons' callback data
    sources: SourcesStore | None = None  # /sources
    trends: TrendsStore | None = None  # /trends (None: not wired)


async def find_destination(deps: Deps, ctx: Context, where: Where) -> DestinationRef | None:
    """The destination a command acts on, if anything was ever set there (nothing is created)."""
    return await deps.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)


async def ensure_destination(deps: Deps, ctx: Context, where: Where) -> DestinationRef:
    """The destination a command acts on, created on first use."""
    return await deps.chats.ensure_destination(ctx.platform, where.chat_id, where.kind,
                                               thread_id=where.thread_id, title=where.title, now=deps.clock())


def term_usage(exc: TermError) -> UsageError:
    """Why a term was refused, in Arabic."""
    return UsageError(TERM_ERRORS.get(exc.code, TERM_ERRORS["empty"]))


def labels_of(deps: Deps, ids: list[str]) -> str:
    """Watchlist ids as their Arabic labels, comma-separated."""
    return "، ".join(deps.index.topic(i).label if i != "mine" else CUSTOM_LABEL for i in ids) or T.NONE


def unknown_ids(deps: Deps, unknown: list[str]) -> UsageError:
    """Names that are no watchlist, and the ids that are."""
    valid = "، ".join(f"{w.label} {isolate_ltr(f'({w.id})')}" for w in deps.index.builtins.values())
    return UsageError(T.UNKNOWN_IDS.format(ids=" ولا ".join(f"«{isolate(u)}»" for u in unknown), valid=valid))


def signer(deps: Deps, ctx: Context, where: Where) -> Callable[[str], str]:
    """How this reply's buttons write their actions: as they are for this chat, signed for a chat named with @."""
    target = TargetRef(where.chat_id, where.kind) if where.label else None

    def sign(action: str) -> str:
        kind, _, arg = action.partition(":")
        return deps.actions.encode(kind, arg, platform=ctx.platform, origin=ctx.chat_id, target=target)
    return sign
