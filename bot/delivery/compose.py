"""From an outbox row to the neutral message a Sender renders (formatted once, here)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts.model import Alert, AlertView, Outlet, format_alert
from bot.alerts.spike import SpikeView, format_chart, format_spike
from bot.alerts.work import with_work
from bot.delivery.digests import digest_message
from bot.delivery.ports import Message, Notice, StoryReader
from bot.domain.alerting import AlertPayload, ChartPayload, NoticePayload, SpikePayload, story_root
from bot.domain.alertwork import AlertWork, sign
from bot.domain.chat_rules import rule_destination
from bot.domain.states import AlertAction, OutboxKind, OutboxState
from bot.domain.watchlists import custom_watchlist_id
from bot.pipeline.watchindex import WatchIndex
from bot.storage.records import OutboxItem, StoryRecord

__all__ = ["Composer", "WorkReader"]

K = TypeVar("K")
V = TypeVar("V")


class WorkReader(Protocol):
    """Who took an alert and who it is assigned to (for the buttons and their lines)."""

    async def work(self, outbox_id: int) -> AlertWork | None: ...


async def _once(flights: dict[K, asyncio.Future[V]], key: K, fetch: Callable[[], Awaitable[V]]) -> V:
    """One fetch per key at a time: the callers that ask while it runs share its answer."""
    flight = flights.get(key)
    if flight is not None:
        return await asyncio.shield(flight)
    flight = asyncio.get_running_loop().create_future()
    flights[key] = flight
    try:
        value = await fetch()
    except asyncio.CancelledError:
        flight.cancel()
        raise
    except Exception as exc:
        flight.set_exception(exc)
        flight.exception()  # retrieved: nobody else may be waiting
        raise
    finally:
        del flights[key]
    flight.set_result(value)
    return value


class Composer:
    """Builds messages; one story goes to many chats, so stories and outlet lists are cached briefly."""

    def __init__(self, stories: StoryReader, index: WatchIndex, tz: ZoneInfo, *, cache_size: int = 2048,
                 sightings_ttl: float = 5.0, work: WorkReader | None = None, secret: bytes = b"",
                 zones: Callable[[int], Awaitable[ZoneInfo]] | None = None) -> None:
        self.work, self.secret = work, secret
        self.stories = stories
        self.index = index
        self.tz = tz
        self.zones = zones  # a destination's own /timezone, for the times its alerts show
        self._zones: dict[int, tuple[float, ZoneInfo]] = {}
        self._stories: OrderedDict[int, StoryRecord] = OrderedDict()
        self._sightings: dict[int, tuple[float, list[Outlet]]] = {}
        self._cache_size = cache_size
        self._ttl = sightings_ttl
        self._flights: dict[int, asyncio.Future[list[Outlet]]] = {}
        self._story_flights: dict[int, asyncio.Future[StoryRecord | None]] = {}
        self._views: OrderedDict[tuple[int, tuple[Outlet, ...], str, str], AlertView] = OrderedDict()
        self._spikes: OrderedDict[str, SpikeView] = OrderedDict()  # one chart per spike, however many chats

    async def _story(self, story_id: int) -> StoryRecord | None:
        row = self._stories.get(story_id)
        if row is not None:
            self._stories.move_to_end(story_id)
            return row
        row = await _once(self._story_flights, story_id, lambda: self.stories.get(story_id))
        if row is not None:
            self._stories[story_id] = row
            if len(self._stories) > self._cache_size:
                self._stories.popitem(last=False)
        return row

    async def _also(self, root: int, *, fresh: bool) -> list[Outlet]:
        """Other outlets of a story; for a first send a few seconds stale at most (edits bring the rest)."""
        now = time.monotonic()
        hit = self._sightings.get(root)
        if hit is not None and not fresh and now - hit[0] < self._ttl:
            return hit[1]
        # A hundred chats of one fan-out ask at once: one query answers them all.
        names = await _once(self._flights, root, lambda: self._outlets(root))
        if len(self._sightings) > self._cache_size:
            self._sightings = {k: v for k, v in self._sightings.items() if now - v[0] < self._ttl}
        self._sightings[root] = (now, names)
        return names

    async def _outlets(self, root: int) -> list[Outlet]:
        return [Outlet(name, link) for name, link in (await self.stories.sightings([root])).get(root, [])]

    def _known_zone(self, name: str) -> ZoneInfo:
        """A zone read with the row (the claim joins it in): no query per alert."""
        if not name or self.zones is None:
            return self.tz
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return self.tz

    async def _zone(self, destination_id: int) -> ZoneInfo:
        """The destination's zone (cached for a few seconds: a /timezone change shows within them)."""
        if self.zones is None:
            return self.tz
        now = time.monotonic()
        hit = self._zones.get(destination_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        if len(self._zones) > self._cache_size:
            self._zones.clear()
        zone: ZoneInfo = await self.zones(destination_id)
        self._zones[destination_id] = (now, zone)
        return zone

    async def build(self, row: OutboxItem, platform: str = "", chat: str = "") -> Message | None:
        """The message for a row, or None when its story no longer exists.

        With buttons on for the row's destination, the alert carries them (signed for ``platform`` and
        ``chat``) and the lines saying who took it and who it is assigned to.
        """
        if row.kind is OutboxKind.SPIKE:
            return await self._spike(row)
        if row.kind is OutboxKind.CHART:
            return await asyncio.to_thread(format_chart, ChartPayload.from_json(row.payload), self.tz)
        if row.kind is OutboxKind.DIGEST:
            return digest_message(row.payload)
        if row.kind is not OutboxKind.ALERT:
            notice = NoticePayload.from_json(row.payload)
            return Notice(notice.title, notice.lines)
        story = await self._story(row.story_id) if row.story_id is not None else None
        if story is None:
            return None
        root = story_root(row.dedupe_key) or story.id
        also = list(await self._also(root, fresh=row.state is OutboxState.SENT))  # an edit is about the outlets
        if root != story.id:
            root_story = await self._story(root)
            if root_story is not None:
                also = [Outlet(root_story.feed_name, root_story.link), *also]
        also = [o for o in also if o.name != story.feed_name]
        zone = self._known_zone(row.timezone) if row.timezone is not None else await self._zone(row.destination_id)
        key = (story.id, tuple(also), repr(row.payload), zone.key)  # same story, lists, zone: one view for all
        view = self._views.get(key)
        if view is None:
            view = self._view(story, also, row, zone)
            self._views[key] = view
            if len(self._views) > 256:
                self._views.popitem(last=False)
        if not row.buttons or self.work is None or not self.secret or not platform:
            return view
        tokens = {a: sign(self.secret, a, row.id, platform, chat) for a in AlertAction}
        return with_work(view, await self.work.work(row.id), self.tz, tokens)

    def _view(self, story: StoryRecord, also: list[Outlet], row: OutboxItem, zone: ZoneInfo) -> AlertView:
        payload = AlertPayload.from_json(row.payload)
        topics = tuple(self.index.topic(w) for w in payload.watchlists)
        alert = Alert(
            story_id=story.id, title=story.title, summary=story.summary or "", link=story.link,
            source=story.feed_name, published_at=story.published_at or story.first_seen_at,
            topics=topics, matches=payload.matches, also=tuple(also), lang=story.lang,
            urgent=payload.urgent,
            spread=payload.spread, silent=payload.silent and not payload.urgent, here=payload.here and payload.urgent,
        )
        return format_alert(alert, zone)

    async def _spike(self, row: OutboxItem) -> SpikeView:
        """A spike alert with its chart, rendered off the event loop once per spike (not per chat)."""
        view = self._spikes.get(row.dedupe_key)
        if view is not None:
            self._spikes.move_to_end(row.dedupe_key)
            return view
        payload = SpikePayload.from_json(row.payload)
        owner = rule_destination(payload.watchlist)  # a chat rule: the topic of the chat's own list
        topic = self.index.topic(payload.watchlist if owner is None else custom_watchlist_id(owner))
        view = await asyncio.to_thread(format_spike, payload, topic, self.tz)
        self._spikes[row.dedupe_key] = view
        if len(self._spikes) > 32:
            self._spikes.popitem(last=False)
        return view
