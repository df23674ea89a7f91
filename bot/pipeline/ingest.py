"""Deciding on stored stories: too old, no match, a copy of an alerted story, or alert.

Runs as a singleton job (one replica holds the ``ingest`` lease), stories in
id order, one transaction per batch: story states, outbox rows and sightings
commit together or not at all, so a crash re-does a batch and never alerts
twice (outbox rows are unique per destination and story cluster). Who of a
list's subscribers gets the alert is the delivery policy's call
(``bot.domain.policy``), not the query's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot.alerts.mute_notice import mute_ended_notice
from bot.alerts.work import follow_up_notice
from bot.domain.alerting import OutboxDraft, story_dedupe_key
from bot.domain.clustering import Clusterer, Fingerprint, fingerprint
from bot.domain.crosslingual import language_of
from bot.domain.matcher import Match
from bot.domain.states import FeedOrigin, StoryState
from bot.domain.urgency import SpreadRule
from bot.domain.watchlists import is_custom_watchlist_id
from bot.errors import NewsbotError
from bot.pipeline.attention import AttentionBatch, Target, escalate
from bot.pipeline.ports import IngestStore, IngestTx
from bot.pipeline.watchindex import WatchIndex, story_facts
from bot.storage.records import AudienceEntry, StoryMark, StoryRecord

__all__ = ["Ingestor", "IngestReport", "LeaseLost"]

log = structlog.get_logger(__name__)

MAX_EDITS = 5


class LeaseLost(NewsbotError):
    """Another replica took the ingest lease: this batch is rolled back and left to it."""


@dataclass(slots=True)
class IngestReport:
    stories: int = 0
    alerted: int = 0
    duplicates: int = 0
    nomatch: int = 0
    old: int = 0
    rows: int = 0
    dropped: int = 0  # subscribers the policy left out (paused, muted, gone)
    held: int = 0  # rows held for a digest (quiet hours, digest mode, cap)
    matches: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Alert:
    story: StoryRecord
    matches: list[Match]
    root: int
    vetoed: frozenset[int] = frozenset()  # destinations whose /exclude terms the story contains


class Ingestor:
    def __init__(
        self, store: IngestStore, index: WatchIndex, *, max_age: float, cluster_window: float,
        clock: Callable[[], datetime], batch: int = 500,
        on_report: Callable[[IngestReport], None] | None = None, edit_delay: float = 30.0,
        spread: SpreadRule = SpreadRule(),
    ) -> None:
        self.store, self.index = store, index
        self.max_age = max_age
        self.clusterer = Clusterer(cluster_window)
        self.clock = clock
        self.batch = batch
        self.on_report = on_report
        self.edit_delay = timedelta(seconds=edit_delay)  # copies arriving together make one edit
        self.spread = spread
        self._loaded = False

    def _urgent_lists(self) -> frozenset[str]:
        """The operator's ``urgent: true`` watchlists."""
        return frozenset(w.id for w in self.index.builtins.values() if w.urgent)

    async def reload_clusters(self) -> None:
        """Rebuild the near-duplicate index from alerted stories in the window (on taking the lease)."""
        now = self.clock()
        self.clusterer = Clusterer(self.clusterer.window)
        for r in await self.store.recent_fingerprints(now - timedelta(seconds=self.clusterer.window)):
            try:
                self.clusterer.add(r.id, Fingerprint.loads(r.fingerprint), r.first_seen_at, r.feed_id)
            except (ValueError, KeyError, TypeError):
                continue
        self._loaded = True

    async def run_once(self) -> IngestReport:
        """Decide on every pending story (in batches); returns what happened."""
        report = IngestReport()
        if not self._loaded:
            await self.reload_clusters()
        await self.index.refresh()
        while True:
            pending = await self.store.pending(self.batch)
            if not pending:
                break
            try:
                await self._batch(pending, report)
            except Exception:
                # The transaction rolled back; the in-memory index may hold stories it did not commit.
                self._loaded = False
                raise
            if len(pending) < self.batch:
                break
        await self._end_mutes()  # after the stories: what a mute dropped up to now is in its count
        if self.on_report is not None and report.stories:
            self.on_report(report)
        return report

    async def _batch(self, pending: list[StoryRecord], report: IngestReport) -> None:
        """Decide in memory, then write the whole batch in one transaction with a few statements."""
        now = self.clock()
        started = time.perf_counter()
        marks: list[StoryMark] = []
        alerts: list[_Alert] = []
        copies: list[tuple[int, int, str]] = []  # (root, feed, link)
        # Oldest first, so a batch of alerts reaches a chat in the order the stories were published.
        for story in sorted(pending, key=lambda st: ((st.published_at or st.first_seen_at).timestamp(), st.id)):
            report.stories += 1
            if story.published_at is not None and (now - story.published_at).total_seconds() > self.max_age:
                marks.append(StoryMark(story.id, StoryState.OLD))
                report.old += 1
                continue
            resolved = self.index.match(story.title, story.summary, story_facts(story))
            found = resolved.matches
            if not found:
                marks.append(StoryMark(story.id, StoryState.NOMATCH))
                report.nomatch += 1
                continue
            lists = {m.watchlist for m in found}
            for wl in lists:  # stories matched per watchlist, not words
                report.matches[wl] = report.matches.get(wl, 0) + 1
            fp = fingerprint(story.title, story.summary, lang=language_of(story.title, story.lang),
                             entities=sorted(w for w in lists if not is_custom_watchlist_id(w)))
            root = self.clusterer.find(fp, now)  # the same words, or else the same event in the other language
            # What the story matched, for the record: a popular term watched by many chats is one
            # span here, however many lists it is in.
            record: dict[str, Any] = {
                "watchlists": sorted(w for w in lists if not is_custom_watchlist_id(w)),
                "custom_lists": sum(1 for w in lists if is_custom_watchlist_id(w)),
                "rules": list(resolved.rules),  # the chat rules that fired, for spike detection
                "spans": sorted({(m.field, m.start, m.end, m.surface) for m in found})}
            if root is not None and root != story.id:
                report.duplicates += 1
                marks.append(StoryMark(story.id, StoryState.DUPLICATE, cluster_id=root, matches=record))
                if self.clusterer.feed_of(root) not in (None, story.feed_id):
                    copies.append((root, story.feed_id, story.link))
            else:
                root = story.id
                self.clusterer.add(story.id, fp, story.first_seen_at, story.feed_id)
                marks.append(StoryMark(story.id, StoryState.ALERTED, cluster_id=story.id, matches=record,
                                       fingerprint=fp.dumps()))
                report.alerted += 1
            alerts.append(_Alert(story, found, root, resolved.vetoed))

        async with self.store.transaction() as tx:
            if not await tx.holds_lease():
                raise LeaseLost("the ingest lease moved to another replica")
            drafts = await self._drafts(tx, alerts, now, report)
            report.rows += await tx.enqueue(drafts)
            await tx.mark(marks)
            for root, feed_id, link in copies:
                await self._sighting(tx, root, feed_id, link, now)
        log.debug("ingest_batch", stories=len(pending), seconds=round(time.perf_counter() - started, 4))

    async def _drafts(self, tx: IngestTx, alerts: list[_Alert], now: datetime,
                      report: IngestReport) -> list[OutboxDraft]:
        """One row per (destination, story) for every subscriber the policy lets through."""
        if not alerts:
            return []
        wanted_lists = sorted({m.watchlist for a in alerts for m in a.matches})
        chat_feeds = sorted({a.story.feed_id for a in alerts if a.story.feed_origin is FeedOrigin.CHAT})
        audience = await tx.audience(wanted_lists, chat_feeds)
        batch = AttentionBatch(now, self._urgent_lists())
        per_alert: list[tuple[_Alert, list[Target]]] = []
        for a in alerts:
            story = a.story
            per_dest: dict[int, tuple[AudienceEntry, set[str]]] = {}
            allowed = audience.feed_destinations.get(story.feed_id) \
                if story.feed_origin is FeedOrigin.CHAT else None
            for wl in {m.watchlist for m in a.matches}:
                for entry in audience.subscribers.get(wl, ()):
                    if allowed is not None and entry.destination_id not in allowed:
                        continue
                    if entry.destination_id in a.vetoed:
                        report.dropped += 1
                        continue
                    per_dest.setdefault(entry.destination_id, (entry, set()))[1].add(wl)
            per_alert.append((a, [Target(e, tuple(sorted(w))) for e, w in per_dest.values()]))
        await batch.load(tx, (t for _, targets in per_alert for t in targets))
        for a, targets in per_alert:
            batch.add(a.story, a.root, a.matches, targets)
        await batch.finish(tx)
        report.dropped += batch.dropped
        report.held += batch.held
        return batch.drafts

    async def _end_mutes(self) -> None:
        """Mutes that ran out: each destination hears so, with how many alerts it missed."""
        now = self.clock()
        async with self.store.transaction() as tx:
            if not await tx.holds_lease():
                return  # another replica ingests, and tells
            ended = await tx.end_mutes(now)
            if ended:
                await tx.enqueue([OutboxDraft.notice(e.destination_id, e.chat_id,
                                                     f"mute-end:{e.destination_id}:{int(e.until.timestamp())}",
                                                     mute_ended_notice(e.missed, e.kind, e.thread_id), now)
                                  for e in ended])

    async def _sighting(self, tx: IngestTx, root: int, feed_id: int, link: str, now: datetime) -> None:
        if await tx.add_sighting(root, feed_id, link, now):
            await tx.schedule_edits(story_dedupe_key(root), now + self.edit_delay, MAX_EDITS)
            # Where a member pressed 🔔 on the alert, the copy also goes as a reply to it (the edit still comes).
            await tx.enqueue([OutboxDraft.follow_up(f.destination_id, f.chat_id, f.outbox_id, feed_id, f.message_ref,
                                                    follow_up_notice(f.title, f.outlet, link), now)
                              for f in await tx.followed(story_dedupe_key(root), feed_id)])
            await escalate(tx, root, now, self.spread, self._urgent_lists())

    async def record_same_url(self, story_id: int, feed_id: int, link: str) -> None:
        """The same canonical URL seen in another feed: one more outlet for an existing story."""
        now = self.clock()
        async with self.store.transaction() as tx:
            story = await tx.story(story_id)
            if story is None or story.feed_id == feed_id or \
                    story.state not in (StoryState.ALERTED, StoryState.DUPLICATE):
                return
            await self._sighting(tx, story.cluster_id or story_id, feed_id, link, now)
