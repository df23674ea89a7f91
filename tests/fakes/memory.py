"""In-memory implementations of the storage ports, for unit tests that run in milliseconds.

``MemoryIngestStore`` is an ``IngestStore`` (``bot.pipeline.ports``) that keeps the
rules the SQL store relies on: ``pending`` lists ``new`` stories in id order, outbox rows
are unique per (destination, dedupe key), sightings per (story, feed), edits are scheduled
only on sent alerts and coalesced, and a transaction commits at the end of its block or not
at all (an exception, such as a lost lease, leaves the store as it was).
``MemoryPendingImports`` is a ``PendingImportStore`` (``bot.commands.ports``): a token is taken
once, by its owner, before it expires (``bot.domain.pending_import.claimable``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.domain.alerting import OutboxDraft
from bot.domain.pending_import import ImportOwner, PendingImport, claimable
from bot.domain.policy import DestinationSettings
from bot.domain.states import FeedOrigin, OutboxKind, OutboxState, StoryState
from bot.storage.records import Audience, AudienceEntry, EndedMute, EscalationRow, FingerprintRecord, StoryMark, StoryRecord

__all__ = ["MemoryIngestStore", "MemoryPendingImports", "OutboxRow", "Sighting", "Subscriber"]


@dataclass(slots=True)
class OutboxRow:
    """An outbox row as the fake keeps it: the draft plus the bookkeeping delivery would change."""

    id: int
    draft: OutboxDraft
    state: OutboxState = OutboxState.PENDING
    edits: int = 0
    edit_due_at: datetime | None = None
    urgent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    story_id: int
    feed_id: int
    link: str
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    destination_id: int
    chat_id: int
    settings: DestinationSettings = DestinationSettings()


@dataclass(slots=True)
class _State:
    stories: dict[int, StoryRecord] = field(default_factory=dict)
    fingerprints: dict[int, str] = field(default_factory=dict)
    matches: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    missed: dict[int, set[int]] = field(default_factory=dict)  # destination -> story clusters its mute dropped
    sightings: list[Sighting] = field(default_factory=list)


class _Tx:
    def __init__(self, store: MemoryIngestStore, state: _State) -> None:
        self.store, self.state = store, state

    async def holds_lease(self) -> bool:
        return self.store.lease_held

    async def audience(self, watchlist_ids: Sequence[str], chat_feed_ids: Sequence[int]) -> Audience:
        self.store.audience_queries.append((tuple(watchlist_ids), tuple(chat_feed_ids)))
        subs = {wl: [AudienceEntry(s.destination_id, s.chat_id, s.settings) for s in self.store.subscribers[wl]]
                for wl in watchlist_ids if self.store.subscribers.get(wl)}
        feeds = {f: set(self.store.feed_destinations[f]) for f in chat_feed_ids if f in self.store.feed_destinations}
        return Audience(subs, feeds)

    async def count_missed(self, dropped: Mapping[int, Sequence[int]]) -> None:
        for dest, roots in dropped.items():
            self.state.missed.setdefault(dest, set()).update(roots)

    async def end_mutes(self, now: datetime) -> list[EndedMute]:
        return []

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        taken = {(r.draft.destination_id, r.draft.dedupe_key) for r in self.state.outbox}
        added = 0
        for d in drafts:
            if (d.destination_id, d.dedupe_key) in taken:
                continue
            taken.add((d.destination_id, d.dedupe_key))
            self.state.outbox.append(OutboxRow(len(self.state.outbox) + 1, d, d.state))
            added += 1
        return added

    async def mark(self, marks: Sequence[StoryMark]) -> None:
        for m in marks:
            story = self.state.stories[m.story_id]
            self.state.stories[m.story_id] = dataclasses.replace(story, state=m.state, cluster_id=m.cluster_id)
            self.state.matches[m.story_id] = m.matches
            if m.fingerprint is not None:
                self.state.fingerprints[m.story_id] = m.fingerprint
            else:
                self.state.fingerprints.pop(m.story_id, None)

    async def story(self, story_id: int) -> StoryRecord | None:
        return self.state.stories.get(story_id)

    async def add_sighting(self, root: int, feed_id: int, link: str, now: datetime) -> bool:
        if any(s.story_id == root and s.feed_id == feed_id for s in self.state.sightings):
            return False
        self.state.sightings.append(Sighting(root, feed_id, link, now))
        return True

    async def recent_normal(self, destination_ids: Sequence[int], since: datetime) -> dict[int, list[datetime]]:
        out: dict[int, list[datetime]] = {}
        for r in self.state.outbox:
            d = r.draft
            if (d.destination_id in destination_ids and d.kind is OutboxKind.ALERT and d.created_at > since
                    and r.state in (OutboxState.PENDING, OutboxState.SENT) and d.tier in (None, "normal")):
                out.setdefault(d.destination_id, []).append(d.created_at)
        return out

    async def cap_noticed(self, destination_ids: Sequence[int], now: datetime) -> None:
        for dest in destination_ids:
            self.store.cap_notices[dest] = now

    async def sightings(self, root: int) -> tuple[datetime, list[tuple[str, datetime]]] | None:
        story = self.state.stories.get(root)
        if story is None:
            return None
        seen = [(str(s.feed_id), s.seen_at) for s in self.state.sightings if s.story_id == root]
        return story.first_seen_at, [(str(story.feed_id), story.first_seen_at), *seen]

    async def escalation_rows(self, root: int) -> list[EscalationRow]:
        out = []
        for r in self.state.outbox:
            d = r.draft
            if (d.dedupe_key == f"story:{root}" and d.kind is OutboxKind.ALERT and r.urgent_at is None
                    and d.tier in (None, "normal") and r.state in (OutboxState.HELD, OutboxState.PENDING,
                                                                   OutboxState.SENT)):
                settings = next((s.settings for subs in self.store.subscribers.values() for s in subs
                                 if s.destination_id == d.destination_id), DestinationSettings())
                out.append(EscalationRow(r.id, d.destination_id, d.chat_id, d.story_id or 0, r.state,
                                         tuple(d.payload.get("watchlists", ())), dict(d.payload), d.story_seen_at,
                                         settings))
        return out

    async def mark_urgent(self, row_id: int, now: datetime, payload: dict[str, Any] | None = None) -> None:
        for r in self.state.outbox:
            if r.id == row_id:
                r.urgent_at = now
                if payload is not None:
                    r.draft = dataclasses.replace(r.draft, payload=payload, tier="urgent")

    async def followed(self, dedupe_key: str, feed_id: int) -> list[Any]:
        return []  # nobody presses 🔔 in the in-memory tests (the end-to-end tests do)

    async def schedule_edits(self, dedupe_key: str, due: datetime, max_edits: int) -> int:
        n = 0
        for r in self.state.outbox:
            if (r.draft.dedupe_key == dedupe_key and r.draft.kind is OutboxKind.ALERT and r.state is OutboxState.SENT
                    and r.edit_due_at is None and r.edits < max_edits):
                r.edit_due_at = due
                n += 1
        return n


class MemoryIngestStore:
    """Stories, subscribers and chat feeds set up by the test; what ingest wrote, to assert on."""

    def __init__(self) -> None:
        self._state = _State()
        self.subscribers: dict[str, list[Subscriber]] = {}
        self.feed_destinations: dict[int, set[int]] = {}  # chat feed id -> destinations that added it
        self.feed_names: dict[int, str] = {}
        self.lease_held = True
        self.commits = 0
        self.audience_queries: list[tuple[tuple[str, ...], tuple[int, ...]]] = []
        self.cap_notices: dict[int, datetime] = {}

    # ---- set-up
    def add_story(self, title: str, summary: str = "", *, feed_id: int = 1, first_seen_at: datetime,
                  published_at: datetime | None = None, link: str | None = None,
                  origin: FeedOrigin = FeedOrigin.CONFIG, state: StoryState = StoryState.NEW) -> int:
        story_id = max(self._state.stories, default=0) + 1
        link = link or f"https://news.example/{story_id}"
        self._state.stories[story_id] = StoryRecord(
            id=story_id, url_key=link, link=link, feed_id=feed_id, title=title, summary=summary, lang="ar",
            published_at=published_at, first_seen_at=first_seen_at, state=state,
            feed_name=self.feed_names.get(feed_id, f"feed {feed_id}"), feed_origin=origin)
        return story_id

    def subscribe(self, watchlist_id: str, destination_id: int, chat_id: int | None = None,
                  settings: DestinationSettings | None = None) -> None:
        self.subscribers.setdefault(watchlist_id, []).append(
            Subscriber(destination_id, destination_id if chat_id is None else chat_id,
                       settings or DestinationSettings()))

    def mark_sent(self) -> None:
        """What the dispatcher would do: every pending row delivered."""
        for r in self._state.outbox:
            if r.state is OutboxState.PENDING:
                r.state = OutboxState.SENT

    # ---- reading what happened
    @property
    def outbox(self) -> list[OutboxRow]:
        return list(self._state.outbox)

    @property
    def sightings(self) -> list[Sighting]:
        return list(self._state.sightings)

    def story_record(self, story_id: int) -> StoryRecord:
        return self._state.stories[story_id]

    def matches_of(self, story_id: int) -> dict[str, Any] | None:
        return self._state.matches.get(story_id)

    def state_of(self, story_id: int) -> StoryState:
        return self._state.stories[story_id].state

    # ---- the IngestStore port
    async def pending(self, limit: int) -> list[StoryRecord]:
        new = [s for _, s in sorted(self._state.stories.items()) if s.state is StoryState.NEW]
        return new[:limit]

    async def recent_fingerprints(self, since: datetime) -> list[FingerprintRecord]:
        return [FingerprintRecord(s.id, self._state.fingerprints[s.id], s.first_seen_at, s.feed_id)
                for _, s in sorted(self._state.stories.items())
                if s.state is StoryState.ALERTED and s.first_seen_at >= since and s.id in self._state.fingerprints]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        """Work on a copy; it replaces the store's state only if the block ends without an exception."""
        work = copy.deepcopy(self._state)
        yield _Tx(self, work)
        self._state = work
        self.commits += 1


class MemoryPendingImports:
    """/import plans awaiting confirmation, in one dict (the SQL store's rules, without the database)."""

    def __init__(self) -> None:
        self.items: dict[str, PendingImport] = {}

    async def put(self, owner: ImportOwner, payload: Mapping[str, Any], now: datetime, ttl: timedelta) -> str:
        token = secrets.token_urlsafe(12)
        self.items[token] = PendingImport(token, owner, copy.deepcopy(dict(payload)), now, now + ttl)
        return token

    async def peek(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None:
        item = self.items.get(token)
        return item if item is not None and claimable(item, owner, now) else None

    async def claim(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None:
        item = await self.peek(token, owner, now)
        if item is None:
            return None
        self.items[token] = dataclasses.replace(item, used_at=now)
        return item

    async def drop(self, token: str, owner: ImportOwner) -> bool:
        item = self.items.get(token)
        if item is None or item.owner != owner:
            return False
        del self.items[token]
        return True

    async def forget_expired(self, now: datetime) -> int:
        gone = [k for k, v in self.items.items() if v.used_at is not None or v.expires_at <= now]
        for k in gone:
            del self.items[k]
        return len(gone)
