"""What the repositories hand out: frozen dataclasses, never SQLAlchemy rows.

Callers above storage read attributes the type checker knows; a column
renamed here is an error at every site instead of an ``AttributeError`` at
run time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.alertwork import AlertWork, WorkTarget
from bot.domain.policy import DestinationSettings, DigestSchedule, NotifyMode, QuietHours
from bot.domain.polling import IntervalSummary
from bot.domain.spikes import Sighting
from bot.domain.states import DeadLetterReason, FeedOrigin, OutboxKind, OutboxState, StoryState
from bot.storage.row_mapping import from_row

__all__ = ["EndedMute", "FeedRecord", "FailingFeed", "FeedHealth", "StoryRecord", "StoryMark", "FingerprintRecord", "ChatRecord",
           "OutboxItem", "OutboxStats", "ChatFeed", "AudienceEntry", "Audience", "ChatCounts", "DestinationRef", "DeadLetter",
           "DEAD_LETTER_CONVERT", "AuditRecord", "SpikeHistory", "AlertWork", "WorkTarget", "from_row",
           "AttentionRecord", "HeldAlert", "EscalationRow", "DueDigest", "CAP_OFF", "SourceFreshness"]

CAP_OFF = -1  # the stored cap of a destination that lifted it (/cap off); NULL is "the default"

@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A feed and its polling state (a claimed poll, or a feed listed for a chat)."""

    id: int
    key: str
    url: str
    source_url: str
    name: str
    language: str
    origin: FeedOrigin
    trusted: bool
    interval: int | None
    enabled: bool
    disabled_reason: str | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_success_at: datetime | None
    first_fetch_done: bool
    failure_count: int
    last_error: str | None
    last_status: int | None
    created_at: datetime
    poll_interval: int | None = None  # seconds until the next poll, as the last poll chose them


FEED_CONVERT: dict[str, Callable[[Any], Any]] = {"origin": FeedOrigin}


@dataclass(frozen=True, slots=True)
class FailingFeed:
    key: str
    name: str
    failure_count: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class FeedHealth:
    enabled: int
    failing: int
    disabled: int
    last_poll: datetime | None
    failing_feeds: tuple[FailingFeed, ...] = ()
    intervals: IntervalSummary | None = None  # the poll intervals enabled feeds got


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A stored story with the name and origin of the feed that brought it."""

    id: int
    url_key: str
    link: str
    feed_id: int
    title: str
    summary: str
    lang: str | None
    published_at: datetime | None
    first_seen_at: datetime
    state: StoryState
    feed_name: str
    feed_origin: FeedOrigin
    cluster_id: int | None = None
    breaking: bool = False  # filed under a "breaking news" category by its feed
    feed_key: str = ""  # the operator's feed id (config feeds): what a rule's source: names
    feed_address: str = ""  # the address the feed was added with (a chat feed's source: id comes from it)


STORY_CONVERT: dict[str, Callable[[Any], Any]] = {"state": StoryState, "feed_origin": FeedOrigin}


@dataclass(frozen=True, slots=True)
class StoryMark:
    """What the ingest step decided about one story."""

    story_id: int
    state: StoryState
    cluster_id: int | None = None
    matches: dict[str, Any] | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class FingerprintRecord:
    id: int
    fingerprint: str
    first_seen_at: datetime
    feed_id: int


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """A chat as delivery sees it (claimed with a lease)."""

    id: int
    platform: str
    external_id: str
    kind: str
    title: str | None
    active: bool
    is_ops: bool
    next_send_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One outbox row, with the forum topic of its destination."""

    id: int
    destination_id: int
    chat_id: int
    story_id: int | None
    kind: OutboxKind
    dedupe_key: str
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    created_at: datetime
    story_seen_at: datetime | None
    message_ref: str | None
    thread_id: int
    edits: int = 0
    last_error: str | None = None
    buttons: bool = False  # the destination wants buttons on its alerts (/buttons on)
    timezone: str | None = None  # the destination's /timezone when read with the row ("" none set), else None


OUTBOX_CONVERT: dict[str, Callable[[Any], Any]] = {"state": OutboxState, "kind": OutboxKind,
                                                   "thread_id": int, "buttons": bool}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An alert the platform finally refused or that ran out of retries, kept with its reason."""

    id: int
    destination_id: int
    platform: str
    external_id: str
    thread_id: int
    chat_title: str | None
    story_title: str | None
    reason: DeadLetterReason
    last_error: str | None
    failed_at: datetime | None
    created_at: datetime
    attempts: int
    replays: int


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored row of the audit log."""

    id: int
    at: datetime
    platform: str
    chat_id: str
    thread_id: int
    chat_title: str | None
    user_id: str
    user_name: str | None
    action: str
    args: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    """How a feed is doing: its newest story, its polls, its failures, and its recent story times."""

    id: int
    name: str
    url: str
    origin: FeedOrigin
    enabled: bool
    interval: int | None  # seconds: what the last poll chose, else the configured interval
    last_success_at: datetime | None
    failure_count: int
    last_error: str | None
    disabled_reason: str | None
    last_story_at: datetime | None  # newest story's publication time (first sight when unknown)
    recent: tuple[datetime, ...]  # recent stories' times, newest first (for the feed's rhythm)


DEAD_LETTER_CONVERT: dict[str, Callable[[Any], Any]] = {"reason": DeadLetterReason, "thread_id": int}


@dataclass(frozen=True, slots=True)
class OutboxStats:
    by_state: dict[str, int]
    pending: int
    oldest_age: float
    per_platform: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, *states: OutboxState) -> int:
        return sum(self.by_state.get(str(s), 0) for s in states)


@dataclass(frozen=True, slots=True)
class ChatFeed:
    """A feed a destination added itself."""

    id: int
    url: str
    source_url: str
    name: str
    enabled: bool
    failure_count: int
    last_error: str | None
    disabled_reason: str | None


@dataclass(frozen=True, slots=True)
class AudienceEntry:
    """A destination subscribed to a list, with what the delivery policy needs to decide."""

    destination_id: int
    chat_id: int
    settings: DestinationSettings
    cap_notice_at: datetime | None = None  # the last cap notice written to it


@dataclass(frozen=True, slots=True)
class Audience:
    """Who subscribed to which lists, and which destinations added which chat feeds."""

    subscribers: dict[str, list[AudienceEntry]]
    feed_destinations: dict[int, set[int]]


@dataclass(frozen=True, slots=True)
class EndedMute:
    """A mute that ran out: where to tell it, and how many alerts it dropped."""

    destination_id: int
    chat_id: int
    thread_id: int
    kind: str
    until: datetime
    missed: int


@dataclass(frozen=True, slots=True)
class DestinationRef:
    """A destination with the chat facts commands and delivery need."""

    id: int
    chat_id: int
    platform: str
    external_id: str
    thread_id: int
    kind: str
    enabled: bool
    active: bool
    muted_until: datetime | None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ChatCounts:
    active_chats: int
    inactive_chats: int
    destinations: int


@dataclass(frozen=True, slots=True)
class AttentionRecord:
    """A destination's attention settings as stored (``cap``: None is the default, ``CAP_OFF`` off)."""

    timezone: str | None = None
    quiet: QuietHours | None = None
    digest: DigestSchedule | None = None
    cap: int | None = None
    notify: NotifyMode = NotifyMode.ALL
    slack_here: bool = False
    urgent_watchlists: tuple[str, ...] = ()
    last_cap_notice_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HeldAlert:
    """A held alert row claimed for a digest, with its story's facts."""

    row_id: int
    story_id: int
    title: str
    link: str
    outlet: str
    at: datetime
    watchlists: tuple[str, ...]
    created_at: datetime
    urgent: bool  # it became urgent (and was sent as an urgent alert too)


@dataclass(frozen=True, slots=True)
class EscalationRow:
    """An alert row of a story that became urgent by spread, with its destination's settings."""

    row_id: int
    destination_id: int
    chat_id: int
    story_id: int
    state: OutboxState
    watchlists: tuple[str, ...]
    payload: dict[str, Any]
    story_seen_at: datetime | None
    settings: DestinationSettings


@dataclass(frozen=True, slots=True)
class DueDigest:
    """A destination with held rows due, and what composing its digest needs."""

    destination_id: int
    chat_id: int
    platform: str
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class SpikeHistory:
    """What spike detection reads: since when the store collects, and each built-in list's sightings."""

    start: datetime | None  # the oldest stored story's first sighting; None: nothing stored yet
    sightings: dict[str, list[Sighting]]


@dataclass(frozen=True, slots=True)
class OutcomeWrite:
    """One send's outcome for ``OutboxRepo.record_many`` (the arguments of ``OutboxRepo.record``).

    ``row_id`` None writes only the chat (its lease released, ``next_send_at`` kept unless
    ``set_next``): what ``release_chat`` does.
    """

    row_id: int | None
    chat_id: int
    owner: str
    state: OutboxState | None = None
    now: datetime | None = None
    next_send_at: datetime | None = None
    message_ref: str | None = None
    error: str | None = None
    edited: bool = False
    release: bool = True
    renew_until: datetime | None = None
    reason: DeadLetterReason | None = None
    set_next: bool = True
