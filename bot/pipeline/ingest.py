"""Deciding on stored stories: too old, no match, a copy of an alerted story, or alert.

Runs as a singleton job (one replica holds the ``ingest`` lease), stories in
id order, one transaction per batch: story states, outbox rows and sightings
commit together or not at all, so a crash re-does a batch and never alerts
twice (outbox rows are unique per destination and story cluster).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from bot.alerts.model import MatchRef
from bot.domain.clustering import Clusterer, Fingerprint, fingerprint
from bot.domain.watchlists import is_custom_watchlist_id
from bot.pipeline.watchindex import WatchIndex
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.models import Story, StorySighting
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Ingestor", "IngestReport", "LeaseLost"]

log = structlog.get_logger(__name__)

MAX_EDITS = 5


class LeaseLost(Exception):
    """Another replica took the ingest lease: this batch is rolled back and left to it."""


class IngestReport:
    __slots__ = ("stories", "alerted", "duplicates", "nomatch", "old", "rows", "matches")

    def __init__(self) -> None:
        self.stories = self.alerted = self.duplicates = self.nomatch = self.old = self.rows = 0
        self.matches: dict[str, int] = {}


def _mark(story_id: int, state: str, *, cluster: int | None = None, matches: dict[str, Any] | None = None,
          fp: str | None = None) -> dict[str, Any]:
    return {"b_id": story_id, "v_state": state, "v_cluster": cluster, "v_matches": matches, "v_fp": fp}


def dedupe_key(root_story_id: int) -> str:
    return f"story:{root_story_id}"


class Ingestor:
    def __init__(
        self, db: Database, index: WatchIndex, stories: StoriesRepo, chats: ChatsRepo, outbox: OutboxRepo, *,
        max_age: float, cluster_window: float, clock: Callable[[], datetime], batch: int = 500,
        on_report: Callable[[IngestReport], None] | None = None, edit_delay: float = 30.0,
        lease_guard: Callable[[Any], Awaitable[bool]] | None = None,
    ) -> None:
        self.db, self.index, self.stories, self.chats, self.outbox = db, index, stories, chats, outbox
        self.max_age = max_age
        self.clusterer = Clusterer(cluster_window)
        self.clock = clock
        self.batch = batch
        self.on_report = on_report
        self.edit_delay = timedelta(seconds=edit_delay)  # copies arriving together make one edit
        self.lease_guard = lease_guard  # renews the singleton lease inside each batch's transaction
        self._loaded = False

    async def reload_clusters(self) -> None:
        """Rebuild the near-duplicate index from alerted stories in the window (on taking the lease)."""
        now = self.clock()
        self.clusterer = Clusterer(self.clusterer.window)
        for r in await self.stories.recent_fingerprints(now - timedelta(seconds=self.clusterer.window)):
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
            pending = await self.stories.pending(self.batch)
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
        if self.on_report is not None and report.stories:
            self.on_report(report)
        return report

    async def _batch(self, pending: list[Any], report: IngestReport) -> None:
        """Decide in memory, then write the whole batch in one transaction with a few statements."""
        now = self.clock()
        matcher = self.index.matcher
        started = time.perf_counter()
        marks: list[dict[str, Any]] = []
        alerts: list[tuple[Any, list[MatchRef], int]] = []  # (story, matches, cluster root)
        copies: list[tuple[int, int, str]] = []  # (root, feed, link)
        for story in pending:
            report.stories += 1
            if story.published_at is not None and (now - story.published_at).total_seconds() > self.max_age:
                marks.append(_mark(story.id, "old"))
                report.old += 1
                continue
            found = matcher.match(story.title, story.summary)
            if not found:
                marks.append(_mark(story.id, "nomatch"))
                report.nomatch += 1
                continue
            refs = [MatchRef(m.watchlist, m.term, m.field, m.start, m.end, m.surface) for m in found]
            for wl in {r.watchlist for r in refs}:  # stories matched per watchlist, not words
                report.matches[wl] = report.matches.get(wl, 0) + 1
            fp = fingerprint(story.title, story.summary)
            root = self.clusterer.find(fp, now)
            # What the story matched, for the record: a popular term watched by many chats is one
            # span here, however many lists it is in.
            lists = {r.watchlist for r in refs}
            payload = {"watchlists": sorted(w for w in lists if not is_custom_watchlist_id(w)),
                       "custom_lists": sum(1 for w in lists if is_custom_watchlist_id(w)),
                       "spans": sorted({(r.field, r.start, r.end, r.surface) for r in refs})}
            if root is not None and root != story.id:
                report.duplicates += 1
                marks.append(_mark(story.id, "duplicate", cluster=root, matches=payload))
                if self.clusterer.feed_of(root) not in (None, story.feed_id):
                    copies.append((root, story.feed_id, story.link))
            else:
                root = story.id
                self.clusterer.add(story.id, fp, story.first_seen_at, story.feed_id)
                marks.append(_mark(story.id, "alerted", cluster=story.id, matches=payload, fp=fp.dumps()))
                report.alerted += 1
            alerts.append((story, refs, root))

        async with self.db.begin() as conn:
            if self.lease_guard is not None and not await self.lease_guard(conn):
                raise LeaseLost("the ingest lease moved to another replica")
            rows = await self._outbox_rows(conn, alerts, now)
            report.rows += await self.outbox.enqueue(conn, rows)
            await self.stories.mark_many(conn, marks)
            for root, feed_id, link in copies:
                await self._sighting(conn, root, feed_id, link, now)
        log.debug("ingest_batch", stories=len(pending), seconds=round(time.perf_counter() - started, 4))

    async def _outbox_rows(self, conn: Any, alerts: list[tuple[Any, list[MatchRef], int]], now: datetime
                           ) -> list[dict[str, Any]]:
        """One row per (destination, story) for every subscriber of a matched watchlist."""
        if not alerts:
            return []
        wanted_lists = sorted({r.watchlist for _, refs, _ in alerts for r in refs})
        chat_feeds = sorted({s.feed_id for s, _, _ in alerts if s.feed_origin == "chat"})
        subscribers, feed_dests = await self.chats.audience_many(conn, wanted_lists, now, chat_feeds)
        rows = []
        for story, refs, root in alerts:
            per_dest: dict[tuple[int, int], set[str]] = {}
            allowed = feed_dests.get(story.feed_id) if story.feed_origin == "chat" else None
            for wl in {r.watchlist for r in refs}:
                for dest in subscribers.get(wl, ()):
                    if allowed is None or dest[0] in allowed:
                        per_dest.setdefault(dest, set()).add(wl)
            for (dest_id, chat_id), wls in per_dest.items():
                rows.append({
                    "destination_id": dest_id, "chat_id": chat_id, "story_id": story.id, "kind": "alert",
                    "dedupe_key": dedupe_key(root), "state": "pending", "attempts": 0, "edits": 0,
                    "payload": {"watchlists": sorted(wls), "matches": [r.to_json() for r in refs if r.watchlist in wls]},
                    "created_at": now, "story_seen_at": story.first_seen_at,
                })
        return rows

    async def _sighting(self, conn: Any, root: int, feed_id: int, link: str, now: datetime) -> None:
        t = StorySighting.__table__
        inserted = (await conn.execute(
            self.db.insert(t).values(story_id=root, feed_id=feed_id, link=link, seen_at=now)
            .on_conflict_do_nothing().returning(t.c.id)
        )).first()
        if inserted is not None:
            await self.outbox.schedule_edits(conn, dedupe_key(root), now + self.edit_delay, MAX_EDITS)

    async def record_same_url(self, story_id: int, feed_id: int, link: str) -> None:
        """The same canonical URL seen in another feed: one more outlet for an existing story."""
        now = self.clock()
        async with self.db.begin() as conn:
            row = (await conn.execute(select(Story.feed_id, Story.state, Story.cluster_id)
                                      .where(Story.id == story_id))).first()
            if row is None or row.feed_id == feed_id or row.state not in ("alerted", "duplicate"):
                return
            await self._sighting(conn, row.cluster_id or story_id, feed_id, link, now)
