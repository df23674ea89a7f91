"""Polling: claim due feeds, fetch them concurrently, store what is new, schedule the next poll.

A failing feed never stops the others: each poll ends in an outcome written
to the feed's row (reason, backoff, maybe disabling), and the error is
logged once per change of reason rather than on every retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from bot.domain.stories import StoryDraft, clean_text, story_key
from bot.feeds.fetch import Fetcher, FetchError, FetchResult
from bot.feeds.parse import NotAFeed, ParsedFeed, parse_feed
from bot.storage.feeds_repo import FeedsRepo, PollOutcome
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Poller", "PollReport", "PollEvents", "PollPolicy"]

log = structlog.get_logger(__name__)

_CACHE_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


class PollEvents(Protocol):
    """What the poller tells the rest of the system (ops notices, metrics)."""

    def feed_polled(self, feed: Any, ok: bool, status: int | None, error: str | None) -> None: ...
    async def feed_failing(self, feed: Any, failures: int, error: str) -> None: ...
    async def feed_recovered(self, feed: Any, failures: int) -> None: ...
    async def feed_disabled(self, feed: Any, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PollPolicy:
    default_interval: float = 120.0
    min_interval: float = 60.0
    max_interval: float = 3600.0
    max_backoff: float = 6 * 3600.0
    disable_after: int = 50
    backfill: int = 0
    max_age: float = 48 * 3600.0
    lease_seconds: float = 120.0


@dataclass
class PollReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_stories: int = 0
    errors: dict[str, str] = field(default_factory=dict)


class Poller:
    def __init__(
        self, feeds: FeedsRepo, stories: StoriesRepo, fetcher: Fetcher, policy: PollPolicy, *,
        owner: str, clock: Callable[[], datetime], events: PollEvents | None = None,
        on_same_url: Callable[[int, int, str], Awaitable[None]] | None = None,
    ) -> None:
        self.feeds, self.stories, self.fetcher = feeds, stories, fetcher
        self.policy = policy
        self.owner = owner
        self.clock = clock
        self.events = events
        self.on_same_url = on_same_url
        self.on_stored: Callable[[int], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run_once(self, *, limit: int = 100_000, force: bool = False) -> PollReport:
        """Poll every due feed (all enabled feeds with ``force``) once and wait for all of them."""
        report = PollReport()
        now = self.clock()
        claim_time = now + timedelta(days=3650) if force else now
        claimed = await self.feeds.claim_due(self.owner, claim_time, limit, self.policy.lease_seconds)
        report.feeds = len(claimed)
        await asyncio.gather(*(self._poll_safe(feed, report) for feed in claimed))
        return report

    async def start_due(self, capacity: int) -> int:
        """Claim due feeds up to ``capacity`` polls in flight and start them; returns how many started."""
        free = capacity - len(self._tasks)
        if free <= 0:
            return 0
        claimed = await self.feeds.claim_due(self.owner, self.clock(), free, self.policy.lease_seconds)
        for feed in claimed:
            task = asyncio.get_running_loop().create_task(self._poll_safe(feed, PollReport()))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for polls in flight (cancel what is left after ``timeout``)."""
        if not self._tasks:
            return
        done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _poll_safe(self, feed: Any, report: PollReport) -> None:
        try:
            await self._poll(feed, report)
        except asyncio.CancelledError:
            raise  # shutdown: the replica gives back its leases as it leaves
        except Exception as exc:  # noqa: BLE001 - a bug on one feed is recorded on it; others go on
            log.error("poll_crashed", feed=feed.key, error=repr(exc), exc_info=True)
            await self._finish(feed, PollOutcome(False, self.clock() + timedelta(seconds=self.policy.min_interval),
                                                 error=f"internal error: {type(exc).__name__}"), report)

    async def _poll(self, feed: Any, report: PollReport) -> None:
        try:
            result = await self.fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                                              trusted=bool(feed.trusted))
        except FetchError as exc:
            await self._failed(feed, exc.message, report, status=exc.status, retry_after=exc.retry_after,
                               gone=exc.kind == "gone")
            return
        if result.status == 304:
            report.not_modified += 1
            await self._finish(feed, PollOutcome(True, self._next(feed, result), status=304,
                                                 etag=result.headers.get("etag", feed.etag),
                                                 last_modified=result.headers.get("last-modified", feed.last_modified),
                                                 new_url=result.permanent_url), report)
            return
        digest = hashlib.sha256(result.body).hexdigest()
        if digest == feed.content_hash and feed.first_fetch_done:
            await self._finish(feed, self._ok(feed, result, digest), report)
            return
        try:
            parsed = await asyncio.to_thread(parse_feed, result.body, result.content_type) \
                if len(result.body) > 512 * 1024 else parse_feed(result.body, result.content_type)
        except NotAFeed as exc:
            await self._failed(feed, f"not a feed: {exc}", report, status=200)
            return
        new = await self._store(feed, parsed)
        report.new_stories += new
        if new and self.on_stored is not None:
            self.on_stored(new)
        await self._finish(feed, self._ok(feed, result, digest, parsed), report)

    def _ok(self, feed: Any, result: FetchResult, digest: str, parsed: ParsedFeed | None = None) -> PollOutcome:
        return PollOutcome(True, self._next(feed, result, parsed), status=200,
                           etag=result.headers.get("etag"), last_modified=result.headers.get("last-modified"),
                           content_hash=digest, new_url=result.permanent_url, first_fetch_done=True)

    def _next(self, feed: Any, result: FetchResult, parsed: ParsedFeed | None = None) -> datetime:
        """The feed's own interval, else what it asks for (ttl, Cache-Control), within bounds."""
        p = self.policy
        if feed.interval:
            interval = float(feed.interval)
        else:
            hints = []
            if parsed is not None and parsed.ttl_seconds:
                hints.append(parsed.ttl_seconds)
            m = _CACHE_MAX_AGE.search(result.headers.get("cache-control", ""))
            if m:
                hints.append(int(m.group(1)))
            interval = max([p.default_interval, *hints]) if hints else p.default_interval
            interval = min(max(interval, p.min_interval), p.max_interval)
        return self.clock() + timedelta(seconds=interval * random.uniform(0.95, 1.05))

    async def _failed(self, feed: Any, error: str, report: PollReport, *, status: int | None = None,
                      retry_after: float | None = None, gone: bool = False) -> None:
        p = self.policy
        failures = int(feed.failure_count) + 1
        base = float(feed.interval or p.default_interval)
        delay = min(p.max_backoff, base * (2 ** min(failures - 1, 10)))
        delay *= random.uniform(0.8, 1.2)  # jitter: failing feeds do not retry in lockstep
        if retry_after:
            delay = max(delay, min(retry_after, p.max_backoff))
        disable = None
        if gone:
            disable = "HTTP 410 Gone: the publisher removed this feed"
        elif failures >= p.disable_after:
            disable = f"disabled after {failures} failures in a row: {error}"
        report.errors[feed.key] = error
        await self._finish(feed, PollOutcome(False, self.clock() + timedelta(seconds=delay), status=status,
                                             error=error, disable_reason=disable), report)

    async def _finish(self, feed: Any, outcome: PollOutcome, report: PollReport) -> None:
        if outcome.ok:
            report.ok += 1
        else:
            report.failed += 1
            if outcome.error != feed.last_error:
                log.warning("feed_failing", feed=feed.key, error=outcome.error, failures=feed.failure_count + 1)
        if outcome.new_url and outcome.new_url != feed.url:
            log.info("feed_moved", feed=feed.key, url=outcome.new_url)
        updated = await self.feeds.release(feed.id, self.owner, outcome, self.clock())
        if self.events is None:
            return
        self.events.feed_polled(feed, outcome.ok, outcome.status, outcome.error)
        if outcome.disable_reason:
            await self.events.feed_disabled(updated or feed, outcome.disable_reason)
        elif not outcome.ok:
            await self.events.feed_failing(updated or feed, int(feed.failure_count) + 1, outcome.error or "")
        elif feed.failure_count:
            await self.events.feed_recovered(updated or feed, int(feed.failure_count))

    async def _store(self, feed: Any, parsed: ParsedFeed) -> int:
        """Store new entries; the first sight of a feed records them without alerting."""
        drafts: dict[str, StoryDraft] = {}
        for e in parsed.entries:
            key = story_key(e.link, e.guid, feed.key)
            if key is None or key in drafts:
                continue
            title = clean_text(e.title)
            summary = clean_text(e.summary)
            if not title and not summary:
                continue
            drafts[key] = StoryDraft(key, (e.link or "").strip(), title or summary[:200], summary, e.published, e.guid)
        if not drafts:
            return 0
        items = list(drafts.values())
        if not feed.first_fetch_done:
            # Newest first by publication time, so a backfill alerts the latest stories.
            order = sorted(range(len(items)), key=lambda i: items[i].published_at or self.clock(), reverse=True)
            keep = set(order[: self.policy.backfill])
            states = ["new" if i in keep else "seen" for i in range(len(items))]
        else:
            states = ["new"] * len(items)
        now = self.clock()
        new_ids = await self.stories.insert_new(feed.id, items, now, states, feed.language)
        if self.on_same_url is not None and len(new_ids) < len(items) and feed.first_fetch_done:
            for story_id, link in await self.stories.other_feed_copies(feed.id, [d.url_key for d in items], now):
                await self.on_same_url(story_id, feed.id, link)
        return len(new_ids)
