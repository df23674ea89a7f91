"""Stories: stored first (unique by canonical URL), then decided on by the ingest step."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.states import StoryState
from bot.domain.stories import StoryDraft
from bot.storage.db import Database
from bot.storage.models import Feed, Story, StorySighting, table
from bot.storage.records import (
    STORY_CONVERT,
    FingerprintRecord,
    StoryMark,
    StoryRecord,
    from_row,
)

__all__ = ["StoriesRepo", "StoryMark"]


def _with_feed() -> Select[Any]:
    s, f = table(Story), table(Feed)
    return select(s, f.c.name.label("feed_name"), f.c.origin.label("feed_origin"),
                  f.c.key.label("feed_key"), f.c.source_url.label("feed_address")).join(f, f.c.id == s.c.feed_id)


class StoriesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_drafts(self, conn: AsyncConnection, rows: Sequence[tuple[int, str | None, StoryDraft, StoryState]],
                            now: datetime) -> dict[int, int]:
        """Insert (feed id, language, draft, state) rows not stored yet; returns new stories per feed."""
        if not rows:
            return {}
        t = table(Story)
        values = [
            {"url_key": d.url_key, "link": d.link[:4000], "feed_id": feed_id, "title": d.title[:2000],
             "summary": d.summary[:8000], "lang": lang, "published_at": d.published_at,
             "first_seen_at": now, "state": str(state), "breaking": d.breaking}
            for feed_id, lang, d, state in rows
        ]
        counts: dict[int, int] = {}
        stmt = self.db.insert(t).on_conflict_do_nothing(index_elements=["url_key"]).returning(t.c.feed_id)
        for r in (await conn.execute(stmt, values)).all():
            counts[r.feed_id] = counts.get(r.feed_id, 0) + 1
        return counts

    async def copies_from_other_feeds(self, conn: AsyncConnection, pending: Sequence[tuple[int, str, str]], now: datetime,
                                      window: float = 86400.0) -> list[tuple[int, int, str]]:
        """(story id, feed id, link) for URLs a feed lists that another feed brought first and alerted."""
        if not pending:
            return []
        s = table(Story)
        wanted: dict[str, list[tuple[int, str]]] = {}
        for feed_id, key, link in pending:
            wanted.setdefault(key, []).append((feed_id, link))
        out: list[tuple[int, int, str]] = []
        keys = list(wanted)
        for i in range(0, len(keys), 500):
            rows = (await conn.execute(
                select(s.c.id, s.c.url_key, s.c.feed_id).where(
                    s.c.url_key.in_(keys[i:i + 500]), s.c.state.in_([StoryState.ALERTED, StoryState.DUPLICATE]),
                    s.c.first_seen_at >= now - timedelta(seconds=window))
            )).all()
            for r in rows:
                out.extend((r.id, feed_id, link) for feed_id, link in wanted[r.url_key] if feed_id != r.feed_id)
        return out

    async def pending(self, limit: int) -> list[StoryRecord]:
        """Stories stored but not yet decided on, oldest first, with their feed."""
        s = table(Story)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                _with_feed().where(s.c.state == StoryState.NEW).order_by(s.c.id).limit(limit))).all()
        return [from_row(StoryRecord, r, STORY_CONVERT) for r in rows]

    async def recent_fingerprints(self, since: datetime) -> list[FingerprintRecord]:
        """Alerted stories inside the clustering window, for near-duplicate checks."""
        s = table(Story)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(s.c.id, s.c.fingerprint, s.c.first_seen_at, s.c.feed_id)
                .where(s.c.state == StoryState.ALERTED, s.c.first_seen_at >= since, s.c.fingerprint.is_not(None))
                .order_by(s.c.id)
            )).all()
        return [from_row(FingerprintRecord, r) for r in rows]

    async def get(self, story_id: int) -> StoryRecord | None:
        s = table(Story)
        async with self.db.read() as conn:
            row = (await conn.execute(_with_feed().where(s.c.id == story_id))).first()
        return from_row(StoryRecord, row, STORY_CONVERT) if row is not None else None

    async def get_in(self, conn: AsyncConnection, story_id: int) -> StoryRecord | None:
        """The same inside a caller's transaction."""
        s = table(Story)
        row = (await conn.execute(_with_feed().where(s.c.id == story_id))).first()
        return from_row(StoryRecord, row, STORY_CONVERT) if row is not None else None

    async def add_sighting(self, conn: AsyncConnection, root: int, feed_id: int, link: str, now: datetime) -> bool:
        """Record another outlet carrying an alerted story; True when it is a new outlet for it."""
        t = table(StorySighting)
        inserted = (await conn.execute(
            self.db.insert(t).values(story_id=root, feed_id=feed_id, link=link, seen_at=now)
            .on_conflict_do_nothing().returning(t.c.id)
        )).first()
        return inserted is not None

    async def forget_before(self, conn: AsyncConnection, cutoff: datetime) -> int:
        """Retention: stories first seen before ``cutoff`` (their sightings and outbox rows cascade)."""
        res = await conn.execute(delete(table(Story)).where(table(Story).c.first_seen_at < cutoff))
        return int(res.rowcount or 0)

    async def sightings(self, story_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """The other outlets that carried each story: (name, link of their article)."""
        ids = list(story_ids)
        if not ids:
            return {}
        g, f = table(StorySighting), table(Feed)
        out: dict[int, list[tuple[str, str]]] = {}
        async with self.db.read() as conn:
            for r in (await conn.execute(
                select(g.c.story_id, f.c.name, g.c.link).join(f, f.c.id == g.c.feed_id)
                .where(g.c.story_id.in_(ids)).order_by(g.c.id)
            )).all():
                out.setdefault(r.story_id, []).append((r.name, r.link))
        return out

    async def recent(self, since: datetime, limit: int = 5000) -> list[StoryRecord]:
        """Stored stories seen since ``since`` (newest first) for previews."""
        s = table(Story)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                _with_feed().where(s.c.first_seen_at >= since, s.c.state != StoryState.DUPLICATE)
                .order_by(s.c.id.desc()).limit(limit)
            )).all()
        return [from_row(StoryRecord, r, STORY_CONVERT) for r in rows]

    async def mark_many(self, conn: AsyncConnection, marks: Sequence[StoryMark]) -> None:
        """Record the ingest decisions in one statement."""
        if not marks:
            return
        t = table(Story)
        stmt = update(t).where(t.c.id == bindparam("b_id")).values(
            state=bindparam("v_state"), cluster_id=bindparam("v_cluster"),
            matches=bindparam("v_matches", type_=JSON), fingerprint=bindparam("v_fp"))
        await conn.execute(stmt, [{"b_id": m.story_id, "v_state": str(m.state), "v_cluster": m.cluster_id,
                                   "v_matches": m.matches, "v_fp": m.fingerprint} for m in marks])
