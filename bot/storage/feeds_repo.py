"""Feeds and their polling state; polls are claimed with row leases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.polling import summarise_intervals
from bot.domain.sanitize import plain_text
from bot.domain.states import FeedOrigin
from bot.storage.db import Database
from bot.storage.models import DestinationFeed, Feed, table
from bot.storage.records import (
    FEED_CONVERT,
    FailingFeed,
    FeedHealth,
    FeedRecord,
    from_row,
)

__all__ = ["FeedsRepo", "FeedRecord", "PollOutcome"]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of a feed changed, written back in one statement."""

    ok: bool
    next_poll_at: datetime
    status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    new_url: str | None = None
    disable_reason: str | None = None
    first_fetch_done: bool = False
    poll_interval: int | None = None  # the interval this poll chose (None: keep the stored one)


class FeedsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sync_config(self, specs: Sequence[Any], now: datetime, *, trusted: bool) -> None:
        """Make the config feeds exist as configured; feeds gone from the config stop."""
        t = table(Feed)
        keys = {s.id for s in specs}
        async with self.db.begin() as conn:
            rows = {r.key: r for r in (await conn.execute(select(Feed).where(Feed.origin == FeedOrigin.CONFIG))).all()}
            for spec in specs:
                row = rows.get(spec.id)
                if row is None:
                    await conn.execute(
                        self.db.insert(t)
                        .values(key=spec.id, url=spec.url, source_url=spec.url, name=plain_text(spec.name),
                                language=spec.language, origin=FeedOrigin.CONFIG, trusted=trusted,
                                interval=spec.interval, enabled=True, next_poll_at=now, created_at=now,
                                failure_count=0, first_fetch_done=False)
                        .on_conflict_do_nothing()
                    )
                    continue
                values: dict[str, Any] = {"name": plain_text(spec.name), "language": spec.language,
                                          "interval": spec.interval, "trusted": trusted}
                if row.source_url != spec.url:
                    values.update(url=spec.url, source_url=spec.url, etag=None, last_modified=None,
                                  content_hash=None, enabled=True, disabled_reason=None,
                                  failure_count=0, next_poll_at=now)
                elif not row.enabled and row.disabled_reason == "removed from config":
                    values.update(enabled=True, disabled_reason=None, next_poll_at=now)
                await conn.execute(update(t).where(t.c.id == row.id).values(**values))
            gone = [r.id for k, r in rows.items() if k not in keys and r.enabled]
            if gone:
                await conn.execute(update(t).where(t.c.id.in_(gone))
                                   .values(enabled=False, disabled_reason="removed from config"))

    async def claim_due(self, owner: str, now: datetime, limit: int, lease_s: float) -> list[FeedRecord]:
        """Lease up to ``limit`` feeds that are due; each goes to exactly one replica."""
        t = table(Feed)
        due = (
            select(t.c.id)
            .where(t.c.enabled.is_(True), t.c.next_poll_at <= now,
                   or_(t.c.lease_until.is_(None), t.c.lease_until < now))
            .order_by(t.c.next_poll_at)
            .limit(limit)
        )
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        async with self.db.begin() as conn:
            ids = [r.id for r in (await conn.execute(due)).all()]
            if not ids:
                return []
            until = now + timedelta(seconds=lease_s)
            await conn.execute(update(t).where(t.c.id.in_(ids)).values(lease_owner=owner, lease_until=until))
            rows = (await conn.execute(select(t).where(t.c.id.in_(ids)))).all()
        return [from_row(FeedRecord, r, FEED_CONVERT) for r in rows]

    async def release_many(self, conn: AsyncConnection, owner: str, items: Sequence[tuple[FeedRecord, PollOutcome]],
                           now: datetime) -> None:
        """Write many polls' outcomes at once (values computed from each claimed row)."""
        if not items:
            return
        t = table(Feed)
        params = []
        for feed, o in items:
            v: dict[str, Any] = {
                "b_id": feed.id, "b_owner": owner, "v_polled": now, "v_next": o.next_poll_at,
                "v_status": o.status, "v_url": o.new_url or feed.url,
                "v_enabled": False if o.disable_reason else feed.enabled,
                "v_disabled": o.disable_reason or feed.disabled_reason,
                "v_interval": o.poll_interval if o.poll_interval is not None else feed.poll_interval,
            }
            if o.ok:
                v.update(v_failures=0, v_error=None, v_success=now, v_etag=o.etag, v_lm=o.last_modified,
                         v_hash=o.content_hash or feed.content_hash,
                         v_first=bool(feed.first_fetch_done or o.first_fetch_done))
            else:
                v.update(v_failures=int(feed.failure_count) + 1, v_error=(o.error or "")[:500],
                         v_success=feed.last_success_at, v_etag=feed.etag, v_lm=feed.last_modified,
                         v_hash=feed.content_hash, v_first=bool(feed.first_fetch_done))
            params.append(v)
        stmt = update(t).where(t.c.id == bindparam("b_id"), t.c.lease_owner == bindparam("b_owner")).values(
            lease_owner=None, lease_until=None, last_polled_at=bindparam("v_polled"),
            next_poll_at=bindparam("v_next"), last_status=bindparam("v_status"), url=bindparam("v_url"),
            enabled=bindparam("v_enabled"), disabled_reason=bindparam("v_disabled"),
            failure_count=bindparam("v_failures"), last_error=bindparam("v_error"),
            last_success_at=bindparam("v_success"), etag=bindparam("v_etag"), last_modified=bindparam("v_lm"),
            content_hash=bindparam("v_hash"), first_fetch_done=bindparam("v_first"),
            poll_interval=bindparam("v_interval"),
        )
        await conn.execute(stmt, params)

    async def get(self, feed_id: int) -> FeedRecord | None:
        """One feed by id (a WebSub push names its feed), None when it is gone."""
        t = table(Feed)
        async with self.db.read() as conn:
            row = (await conn.execute(select(t).where(t.c.id == feed_id))).one_or_none()
        return from_row(FeedRecord, row, FEED_CONVERT) if row is not None else None

    async def operator_ids(self) -> list[str]:
        """The ids of the operator's feeds (config/feeds.yaml), sorted: what a rule's source: may name."""
        t = table(Feed)
        async with self.db.read() as conn:
            rows = (await conn.execute(select(t.c.key).where(t.c.origin == FeedOrigin.CONFIG).order_by(t.c.key))).all()
        return [str(r.key) for r in rows]

    async def health(self) -> FeedHealth:
        """Counts for /status: enabled, failing, disabled, and the newest poll."""
        t = table(Feed)
        async with self.db.read() as conn:
            row = (await conn.execute(select(
                func.count().filter(t.c.enabled.is_(True)),
                func.count().filter(and_(t.c.enabled.is_(True), t.c.failure_count > 0)),
                func.count().filter(t.c.enabled.is_(False)),
                func.max(t.c.last_polled_at),
            ))).one()
            failing = (await conn.execute(
                select(t.c.key, t.c.name, t.c.failure_count, t.c.last_error)
                .where(t.c.enabled.is_(True), t.c.failure_count > 0)
                .order_by(t.c.failure_count.desc()).limit(10)
            )).all()
            paced = (await conn.execute(
                select(t.c.name, t.c.poll_interval).where(t.c.enabled.is_(True), t.c.poll_interval.is_not(None))
            )).all()
        return FeedHealth(int(row[0]), int(row[1]), int(row[2]), row[3],
                          tuple(from_row(FailingFeed, r) for r in failing),
                          summarise_intervals((str(r.name), int(r.poll_interval)) for r in paced))

    async def create_chat_feed(self, url: str, name: str, key: str, now: datetime) -> int:
        """A feed added from a chat (untrusted: fetched only through the SSRF guard)."""
        t = table(Feed)
        async with self.db.begin() as conn:
            await conn.execute(
                self.db.insert(t).values(key=key, url=url, source_url=url, name=plain_text(name), language="ar",
                                         origin=FeedOrigin.CHAT, trusted=False, enabled=True, next_poll_at=now,
                                         created_at=now, failure_count=0, first_fetch_done=False)
                .on_conflict_do_nothing()
            )
            row = (await conn.execute(select(t.c.id, t.c.enabled).where(t.c.key == key))).one()
            if not row.enabled:
                await conn.execute(update(t).where(t.c.id == row.id).values(
                    enabled=True, disabled_reason=None, failure_count=0, next_poll_at=now))
            return int(row.id)

    async def drop_orphan_chat_feed(self, feed_id: int) -> None:
        """Stop polling a chat-added feed that no destination uses any more."""
        t = table(Feed)
        async with self.db.begin() as conn:
            users = (await conn.execute(
                select(func.count()).select_from(DestinationFeed).where(DestinationFeed.feed_id == feed_id)
            )).scalar_one()
            if users == 0:
                await conn.execute(update(t).where(t.c.id == feed_id, t.c.origin == FeedOrigin.CHAT)
                                   .values(enabled=False, disabled_reason="no subscribers"))
