"""Deciding on stored stories: too old, no match, a copy of an alerted story, or alert.

Runs as a singleton job (one replica holds the ``ingest`` lease), stories in
id order, one transaction per batch: story states, outbox rows and sightings
commit together or not at all, so a crash re-does a batch and never alerts
twice (outbox rows are unique per destination and story cluster).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from bot.alerts.model import MatchRef
from bot.domain.clustering import Clusterer, Fingerprint, fingerprint
from bot.pipeline.watchindex import WatchIndex
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.models import Story, StorySighting
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Ingestor", "IngestReport"]

log = structlog.get_logger(__name__)

MAX_EDITS = 5


class IngestReport:
    __slots__ = ("stories", "alerted", "duplicates", "nomatch", "old", "rows", "matches")

    def __init__(self) -> None:
        self.stories = self.alerted = self.duplicates = self.nomatch = self.old = self.rows = 0
        self.matches: dict[str, int] = {}


def dedupe_key(root_story_id: int) -> str:
    return f"story:{root_story_id}"


class Ingestor:
    def __init__(
        self, db: Database, index: WatchIndex, stories: StoriesRepo, chats: ChatsRepo, outbox: OutboxRepo, *,
        max_age: float, cluster_window: float, clock: Callable[[], datetime], batch: int = 500,
        on_report: Callable[[IngestReport], None] | None = None, edit_delay: float = 30.0,
    ) -> None:
        self.db, self.index, self.stories, self.chats, self.outbox = db, index, stories, chats, outbox
        self.max_age = max_age
        self.clusterer = Clusterer(cluster_window)
        self.clock = clock
        self.batch = batch
        self.on_report = on_report
        self.edit_delay = timedelta(seconds=edit_delay)  # copies arriving together make one edit
        self._loaded = False

    async def reload_clusters(self) -> None:
        """Rebuild the near-duplicate index from alerted stories in the window (on taking the lease)."""
        now = self.clock()
        self.clusterer = Clusterer(self.clusterer.window)
        for r in await self.stories.recent_fingerprints(now - timedelta(seconds=self.clusterer.window)):
            try:
                self.clusterer.add(r.id, Fingerprint.loads(r.fingerprint), r.first_seen_at)
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
        now = self.clock()
        matcher = self.index.matcher
        started = time.perf_counter()
        async with self.db.begin() as conn:
            for story in pending:
                report.stories += 1
                if story.published_at is not None and (now - story.published_at).total_seconds() > self.max_age:
                    await self.stories.mark(conn, story.id, state="old")
                    report.old += 1
                    continue
                matches = matcher.match(story.title, story.summary)
                if not matches:
                    await self.stories.mark(conn, story.id, state="nomatch")
                    report.nomatch += 1
                    continue
                for m in matches:
                    report.matches[m.watchlist] = report.matches.get(m.watchlist, 0) + 1
                fp = fingerprint(story.title, story.summary)
                root = self.clusterer.find(fp, now)
                if root is not None and root != story.id:
                    await self._copy(conn, story, root, now)
                    report.duplicates += 1
                    root_id = root
                else:
                    root_id = story.id
                refs = [MatchRef(m.watchlist, m.term, m.field, m.start, m.end, m.surface) for m in matches]
                audience = await self.chats.audience(
                    conn, sorted({m.watchlist for m in matches}), now,
                    feed_id=story.feed_id, feed_origin=story.feed_origin,
                )
                rows = []
                for (dest_id, chat_id), wl_ids in audience.items():
                    wanted = set(wl_ids)
                    rows.append({
                        "destination_id": dest_id, "chat_id": chat_id, "story_id": story.id, "kind": "alert",
                        "dedupe_key": dedupe_key(root_id), "state": "pending", "attempts": 0, "edits": 0,
                        "payload": {"watchlists": sorted(wanted),
                                    "matches": [r.to_json() for r in refs if r.watchlist in wanted]},
                        "created_at": now, "story_seen_at": story.first_seen_at,
                    })
                added = await self.outbox.enqueue(conn, rows)
                report.rows += added
                if root_id == story.id:
                    self.clusterer.add(story.id, fp, story.first_seen_at)
                    await self.stories.mark(conn, story.id, state="alerted", fingerprint=fp.dumps(),
                                            cluster_id=story.id,
                                            matches={"matches": [r.to_json() for r in refs]})
                    report.alerted += 1
                else:
                    await self.stories.mark(conn, story.id, state="duplicate", cluster_id=root_id,
                                            matches={"matches": [r.to_json() for r in refs]})
        log.debug("ingest_batch", stories=len(pending), seconds=round(time.perf_counter() - started, 4))

    async def _copy(self, conn: Any, story: Any, root: int, now: datetime) -> None:
        """Another outlet's copy of an alerted story: record it and edit the alerts already sent."""
        root_feed = (await conn.execute(select(Story.feed_id).where(Story.id == root))).scalar_one_or_none()
        if root_feed is not None and root_feed != story.feed_id:
            await self._sighting(conn, root, story.feed_id, story.link, now)

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
