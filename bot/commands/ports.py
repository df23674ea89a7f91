"""What the command core needs from storage: a destination's settings, chat feeds, stored stories.

``bot.storage`` implements these on SQLAlchemy; the command core never imports a repository.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.domain.alerting import OutboxDraft
from bot.domain.alertwork import AlertWork, WorkTarget
from bot.domain.audit import AuditDraft
from bot.domain.pending_import import ImportOwner, PendingImport
from bot.domain.policy import DigestSchedule, NotifyMode, QuietHours
from bot.domain.states import AddResult, FeedOrigin
from bot.storage.records import (
    AttentionRecord,
    AuditRecord,
    ChatFeed,
    DeadLetter,
    DestinationRef,
    SourceFreshness,
    SpikeHistory,
    StoryRecord,
)

__all__ = ["SettingsStore", "ChatFeedStore", "StoryArchive", "DeadLetterStore", "AuditStore",
           "AlertWorkStore", "SourcesStore", "TrendsStore", "PendingImportStore"]


class SettingsStore(Protocol):
    """Destinations and their settings: subscriptions, own terms, pause, mute, linked feeds."""

    async def ensure_destination(
        self, platform: str, external_id: str, kind: str, *, thread_id: int = 0, title: str | None = None,
        now: datetime, reactivate: bool = True, is_ops: bool = False,
    ) -> DestinationRef: ...

    async def find_destination(self, platform: str, external_id: str,
                               thread_id: int = 0) -> DestinationRef | None: ...

    async def subscriptions(self, destination_id: int) -> list[str]: ...

    async def subscribe(self, destination_id: int, watchlist_ids: Iterable[str], now: datetime) -> list[str]: ...

    async def unsubscribe(self, destination_id: int, watchlist_ids: Iterable[str]) -> list[str]: ...

    async def set_enabled(self, destination_id: int, enabled: bool) -> None: ...

    async def set_muted(self, destination_id: int, until: datetime | None) -> None: ...

    async def take_missed(self, destination_id: int) -> int:
        """Alerts the mute dropped since it began (the count starts again at 0)."""
        ...

    async def terms(self, destination_id: int) -> list[str]: ...

    async def add_term(self, destination_id: int, term: str, key: str, by: str | None, now: datetime, *,
                       limit: int, own_list: str) -> AddResult: ...

    async def remove_term(self, destination_id: int, key: str) -> str | None: ...

    async def exclusions(self, destination_id: int) -> list[str]: ...

    async def add_exclusion(self, destination_id: int, term: str, key: str, by: str | None, now: datetime, *,
                            limit: int) -> AddResult: ...

    async def remove_exclusion(self, destination_id: int, key: str) -> str | None: ...

    async def feeds(self, destination_id: int) -> list[ChatFeed]: ...

    async def link_feed(self, destination_id: int, feed_id: int, by: str | None, now: datetime, *,
                        limit: int) -> AddResult: ...

    async def feed_count(self, destination_id: int) -> int: ...

    async def unlink_feed(self, destination_id: int, feed_id: int) -> bool: ...

    async def followed_threads(self, platform: str, external_id: str) -> list[int]: ...

    async def activity(self, destination_id: int) -> dict[str, int]: ...

    async def is_ops_chat(self, platform: str, external_id: str) -> bool: ...

    # Attention (issue 16)
    async def attention(self, destination_id: int) -> AttentionRecord: ...

    async def zone_of(self, destination_id: int) -> ZoneInfo: ...

    async def set_timezone(self, destination_id: int, zone: str | None) -> None: ...

    async def set_quiet(self, destination_id: int, quiet: QuietHours | None) -> None: ...

    async def set_digest(self, destination_id: int, digest: DigestSchedule | None) -> None: ...

    async def set_cap(self, destination_id: int, cap: int | None) -> None: ...

    async def set_notify(self, destination_id: int, mode: NotifyMode, here: bool) -> None: ...

    async def set_urgent_lists(self, destination_id: int, watchlist_ids: Iterable[str]) -> None: ...


class ChatFeedStore(Protocol):
    """Feeds added from chats (polled through the SSRF guard)."""

    async def create_chat_feed(self, url: str, name: str, key: str, now: datetime) -> int: ...

    async def drop_orphan_chat_feed(self, feed_id: int) -> None: ...

    async def operator_ids(self) -> list[str]: ...


class StoryArchive(Protocol):
    """Stored stories, for /preview."""

    async def recent(self, since: datetime, limit: int = 5000) -> list[StoryRecord]: ...


class DeadLetterStore(Protocol):
    """Alerts that were never delivered, for /failed and /retry."""

    async def for_destination(self, destination_id: int, limit: int = 50) -> list[DeadLetter]: ...

    async def requeue(self, now: datetime, *, ids: Sequence[int] | None = None,
                      destination_id: int | None = None) -> list[int]: ...


class AuditStore(Protocol):
    """The audit log: who changed what, where and when."""

    async def add(self, entry: AuditDraft) -> None: ...

    async def latest(self, platform: str, chat_id: str, thread_id: int | None = None,
                     limit: int = 10) -> list[AuditRecord]: ...


class AlertWorkStore(Protocol):
    """Buttons on alerts: the per-destination switch and the work done on each sent alert."""

    async def buttons(self, destination_id: int) -> bool: ...

    async def set_buttons(self, destination_id: int, on: bool) -> None: ...

    async def work(self, outbox_id: int) -> AlertWork | None: ...

    async def target(self, outbox_id: int) -> WorkTarget | None: ...

    async def target_by_message(self, platform: str, chat_id: str, message_ref: str) -> WorkTarget | None: ...

    async def acknowledge(self, outbox_id: int, user_id: str, name: str | None,
                          now: datetime) -> tuple[AlertWork, bool]: ...

    async def assign(self, outbox_id: int, assignee_id: str | None, assignee_name: str | None,
                     by: str | None) -> AlertWork: ...

    async def not_relevant(self, outbox_id: int, destination_id: int, user_id: str, terms: Sequence[str],
                           now: datetime) -> bool: ...

    async def top_irrelevant_terms(self, since: datetime, limit: int = 5,
                                   destination_id: int | None = None) -> list[tuple[str, int]]: ...

    async def follow(self, outbox_id: int, user_id: str, name: str | None, now: datetime) -> AlertWork:
        """Follow the alert's story (its later copies come as replies), or stop when it is followed already."""
        ...

    async def request_edit(self, outbox_id: int, now: datetime) -> None: ...


class SourcesStore(Protocol):
    """How feeds are doing, for /sources."""

    async def freshness(self, *, feed_ids: Sequence[int] | None = None,
                        origin: FeedOrigin | None = None) -> list[SourceFreshness]: ...

    async def is_ops(self, destination_id: int) -> bool: ...


class TrendsStore(Protocol):
    """/trends: the lists' sightings (as spike detection reads them), and the outbox for the chart."""

    async def history(self, since: datetime) -> SpikeHistory: ...

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int: ...


class PendingImportStore(Protocol):
    """/import plans awaiting their "apply" press, shared by every replica; a token is taken once."""

    async def put(self, owner: ImportOwner, payload: Mapping[str, Any], now: datetime, ttl: timedelta) -> str: ...

    async def peek(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None: ...

    async def claim(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None:
        """The owner's unexpired plan, marked used atomically: of two racing presses, one gets it."""
        ...

    async def drop(self, token: str, owner: ImportOwner) -> bool: ...
