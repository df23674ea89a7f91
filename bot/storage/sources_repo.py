"""Source freshness for /sources and the ops digest: each feed's polls, failures and recent story times."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.domain.states import FeedOrigin
from bot.storage.db import Database
from bot.storage.models import Chat, Destination, Feed, Story, table
from bot.storage.records import SourceFreshness

__all__ = ["SourcesRepo"]

RECENT = 12


class SourcesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def freshness(self, *, feed_ids: Sequence[int] | None = None,
                        origin: FeedOrigin | None = None) -> list[SourceFreshness]:
        """These feeds (or all of one origin), by name."""
        f, st = table(Feed), table(Story)
        q = select(f)
        if feed_ids is not None:
            q = q.where(f.c.id.in_(list(feed_ids)))
        if origin is not None:
            q = q.where(f.c.origin == str(origin))
        out = []
        async with self.db.read() as conn:
            feeds = (await conn.execute(q.order_by(f.c.name))).all()
            for feed in feeds:
                rows = (await conn.execute(
                    select(st.c.published_at, st.c.first_seen_at).where(st.c.feed_id == feed.id)
                    .order_by(st.c.id.desc()).limit(RECENT))).all()
                # A story's time is when it was published, unless that claims to be after we first saw it.
                times = tuple(min(p, seen) if p is not None else seen for p, seen in rows)
                out.append(SourceFreshness(
                    feed.id, feed.name, feed.url, FeedOrigin(feed.origin), feed.enabled,
                    feed.poll_interval or feed.interval, feed.last_success_at, feed.failure_count,
                    feed.last_error, feed.disabled_reason, max(times) if times else None,
                    tuple(sorted(times, reverse=True))))
        return out

    async def is_ops(self, destination_id: int) -> bool:
        c, d = table(Chat), table(Destination)
        async with self.db.read() as conn:
            return bool((await conn.execute(select(c.c.is_ops).join(d, d.c.chat_id == c.c.id)
                                            .where(d.c.id == destination_id))).scalar())
