"""Stories: stored first (unique by canonical URL), then decided on by the ingest step."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Row

from bot.domain.stories import StoryDraft
from bot.storage.db import Database
from bot.storage.models import Feed, Story, StorySighting

__all__ = ["StoriesRepo"]


class StoriesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_new(
        self, feed_id: int, drafts: Sequence[StoryDraft], now: datetime, states: Sequence[str], lang: str | None
    ) -> list[int]:
        """Insert the drafts not stored yet (by canonical URL); return the ids that are new."""
        if not drafts:
            return []
        t = Story.__table__
        rows = [
            {"url_key": d.url_key, "link": d.link[:4000], "feed_id": feed_id, "title": d.title[:2000],
             "summary": d.summary[:8000], "lang": lang, "published_at": d.published_at,
             "first_seen_at": now, "state": state}
            for d, state in zip(drafts, states)
        ]
        new_ids: list[int] = []
        async with self.db.begin() as conn:
            existing = set((await conn.execute(
                select(t.c.url_key).where(t.c.url_key.in_([r["url_key"] for r in rows]))
            )).scalars())
            fresh = [r for r in rows if r["url_key"] not in existing]
            if fresh:
                stmt = self.db.insert(t).on_conflict_do_nothing(index_elements=["url_key"]).returning(t.c.id)
                result = await conn.execute(stmt, fresh)
                new_ids = [r.id for r in result.all()]
        return sorted(new_ids)

    async def other_feed_copies(self, feed_id: int, url_keys: list[str], now: datetime,
                                window: float = 86400.0) -> list[tuple[int, str]]:
        """Recent alerted stories with these URLs that another feed brought first."""
        s = Story.__table__
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(s.c.id, s.c.link).where(
                    s.c.url_key.in_(url_keys), s.c.feed_id != feed_id, s.c.state.in_(["alerted", "duplicate"]),
                    s.c.first_seen_at >= now - timedelta(seconds=window))
            )).all()
        return [(r.id, r.link) for r in rows]

    async def pending(self, limit: int) -> list[Row[Any]]:
        """Stories stored but not yet decided on, oldest first, with their feed."""
        s, f = Story.__table__, Feed.__table__
        async with self.db.read() as conn:
            return list((await conn.execute(
                select(s, f.c.name.label("feed_name"), f.c.origin.label("feed_origin"))
                .join(f, f.c.id == s.c.feed_id)
                .where(s.c.state == "new").order_by(s.c.id).limit(limit)
            )).all())

    async def recent_fingerprints(self, since: datetime) -> list[Row[Any]]:
        """Alerted stories inside the clustering window, for near-duplicate checks."""
        s = Story.__table__
        async with self.db.read() as conn:
            return list((await conn.execute(
                select(s.c.id, s.c.fingerprint, s.c.first_seen_at, s.c.feed_id)
                .where(s.c.state == "alerted", s.c.first_seen_at >= since, s.c.fingerprint.is_not(None))
                .order_by(s.c.id)
            )).all())

    async def get(self, story_id: int) -> Row[Any] | None:
        s, f = Story.__table__, Feed.__table__
        async with self.db.read() as conn:
            return (await conn.execute(
                select(s, f.c.name.label("feed_name")).join(f, f.c.id == s.c.feed_id).where(s.c.id == story_id)
            )).first()

    async def sightings(self, story_ids: Iterable[int]) -> dict[int, list[str]]:
        """Names of the other outlets that carried each story."""
        ids = list(story_ids)
        if not ids:
            return {}
        g, f = StorySighting.__table__, Feed.__table__
        out: dict[int, list[str]] = {}
        async with self.db.read() as conn:
            for r in (await conn.execute(
                select(g.c.story_id, f.c.name).join(f, f.c.id == g.c.feed_id)
                .where(g.c.story_id.in_(ids)).order_by(g.c.id)
            )).all():
                out.setdefault(r.story_id, []).append(r.name)
        return out

    async def recent(self, since: datetime, limit: int = 5000) -> list[Row[Any]]:
        """Stored stories seen since ``since`` (newest first) for previews."""
        s, f = Story.__table__, Feed.__table__
        async with self.db.read() as conn:
            return list((await conn.execute(
                select(s.c.id, s.c.title, s.c.summary, s.c.link, s.c.published_at, s.c.first_seen_at,
                       f.c.name.label("feed_name"))
                .join(f, f.c.id == s.c.feed_id)
                .where(s.c.first_seen_at >= since, s.c.state != "duplicate")
                .order_by(s.c.id.desc()).limit(limit)
            )).all())

    async def count(self) -> int:
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(Story))).scalar_one())

    async def mark(self, conn: Any, story_id: int, **values: Any) -> None:
        await conn.execute(update(Story.__table__).where(Story.id == story_id).values(**values))
