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
from typing import Protocol

import structlog

from bot.domain.polling import IntervalBounds, bounded, entry_frequency_interval
from bot.domain.sanitize import plain_text
from bot.domain.states import StoryState
from bot.domain.stories import StoryDraft, story_key
from bot.feeds.batch import BatchWriter
from bot.feeds.fetch import Fetcher, FetchError, FetchResult
from bot.feeds.hostlimit import HostLimits
from bot.feeds.parse import NotAFeed, ParsedFeed, parse_feed
from bot.storage.feeds_repo import FeedsRepo, PollOutcome
from bot.storage.records import FeedRecord
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Poller", "PollReport", "PollEvents", "PollPolicy", "hinted_interval"]

log = structlog.get_logger(__name__)

_CACHE_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)
# Bigger documents are parsed in a worker thread, so a slow parse never stalls the event loop.
_THREAD_BYTES = 128 * 1024


class PollEvents(Protocol):
    """What the poller tells the rest of the system (ops notices, metrics)."""

    def feed_polled(self, feed: FeedRecord, ok: bool, status: int | None, error: str | None) -> None: ...
    def stories_stored(self, count: int) -> None: ...
    def feed_paced(self, feed: FeedRecord, seconds: int) -> None: ...
    def hosts_limited(self, hosts: HostLimits) -> None: ...  # the fetcher's per-host limits, for /metrics
    async def feed_failing(self, feed: FeedRecord, failures: int, error: str) -> None: ...
    async def feed_recovered(self, feed: FeedRecord, failures: int) -> None: ...
    async def feed_disabled(self, feed: FeedRecord, reason: str) -> None: ...


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
    adaptive: bool = False  # entry-frequency pacing (NEWSBOT_ADAPTIVE_POLLING)

    @property
    def bounds(self) -> IntervalBounds:
        return IntervalBounds(self.default_interval, self.min_interval, self.max_interval)


def hinted_interval(policy: PollPolicy, hint: float | None) -> float:
    """Seconds until a feed without its own ``interval`` is polled again.

    The operator's default is used as given. A feed's hint (``ttl``, ``Cache-Control: max-age``)
    replaces it, bounded by ``min_interval`` and ``max_interval``; a bound on the far side of the
    default is the default itself, so the bounds can never push the interval past what the
    operator asked for (default 10 s with a 60 s minimum: a hint of 5 s gives 10 s, not 60 s).
    """
    if hint is None:
        return policy.default_interval
    return bounded(policy.bounds, hint)


@dataclass
class PollReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_stories: int = 0
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Done:
    """One feed's poll, ready to be written with others in one transaction."""

    feed: FeedRecord
    outcome: PollOutcome
    report: PollReport
    drafts: list[StoryDraft] = field(default_factory=list)
    states: list[StoryState] = field(default_factory=list)
    new: int = 0
    listed: frozenset[str] | None = None  # raw links of this fetch, remembered once committed


class Poller:
    """Fetch and parse concurrently; write outcomes and stories in batches.

    Writing one transaction per feed makes a thousand small transactions per
    cycle, serialised on SQLite's write lock; polls instead hand their results
    to a batch writer that commits up to ``batch`` feeds at a time.
    """

    def __init__(
        self, feeds: FeedsRepo, stories: StoriesRepo, fetcher: Fetcher, policy: PollPolicy, *,
        owner: str, clock: Callable[[], datetime], events: PollEvents | None = None,
        on_same_url: Callable[[int, int, str], Awaitable[None]] | None = None, batch: int = 200,
    ) -> None:
        self.feeds, self.stories, self.fetcher = feeds, stories, fetcher
        self.policy = policy
        self.owner = owner
        self.clock = clock
        self.events = events
        if events is not None:
            events.hosts_limited(fetcher.hosts)
        self.on_same_url = on_same_url
        self.on_stored: Callable[[int], None] | None = None
        # Told of every document parsed (WebSub: a feed advertising a hub gets subscribed).
        self.on_parsed: Callable[[FeedRecord, ParsedFeed, dict[str, str]], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writer = BatchWriter(self._write, max_batch=batch, max_delay=0.05)
        # Raw links (or guids) each feed listed last time: entries seen before skip cleaning,
        # canonicalising and the database entirely. Only a cache: a restart just redoes the work.
        self._known: dict[int, frozenset[str]] = {}
        # Publication times (POSIX seconds) each feed listed last time, so a 304 re-paces a feed that went
        # quiet; lost on restart, when the interval stored with the feed is kept until the next change.
        self._dates: dict[int, tuple[float, ...]] = {}

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

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for polls in flight (cancel what is left after ``timeout``)."""
        if not self._tasks:
            return
        done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _poll_safe(self, feed: FeedRecord, report: PollReport) -> None:
        try:
            done = await self._poll(feed, report)
        except asyncio.CancelledError:
            raise  # shutdown: the replica gives back its leases as it leaves
        except Exception as exc:  # noqa: BLE001 - a bug on one feed is recorded on it; others go on
            log.error("poll_crashed", feed=feed.key, error=repr(exc), exc_info=True)
            done = _Done(feed, PollOutcome(False, self.clock() + timedelta(seconds=self.policy.default_interval),
                                           error=f"internal error: {type(exc).__name__}"), report)
        try:
            await self._writer.submit(done)
        except Exception as exc:  # noqa: BLE001 - the lease expires and the feed is polled again
            log.error("poll_write_failed", feed=feed.key, error=repr(exc))

    async def _poll(self, feed: FeedRecord, report: PollReport) -> _Done:
        try:
            result = await self.fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                                              trusted=bool(feed.trusted))
        except FetchError as exc:
            return self._failed(feed, exc.message, report, status=exc.status, retry_after=exc.retry_after,
                                gone=exc.kind == "gone")
        if result.status == 304:
            when, interval = self._next(feed, result)
            return _Done(feed, PollOutcome(True, when, status=304,
                                           etag=result.headers.get("etag", feed.etag),
                                           last_modified=result.headers.get("last-modified", feed.last_modified),
                                           new_url=result.permanent_url, poll_interval=interval), report)
        digest = hashlib.sha256(result.body).hexdigest()
        if digest == feed.content_hash and feed.first_fetch_done:
            return _Done(feed, self._ok(feed, result, digest), report)
        try:
            parsed = await asyncio.to_thread(parse_feed, result.body, result.content_type, result.url) \
                if len(result.body) > _THREAD_BYTES else parse_feed(result.body, result.content_type, result.url)
        except NotAFeed as exc:
            return self._failed(feed, f"not a feed: {exc}", report, status=200)
        if self.on_parsed is not None:
            self.on_parsed(feed, parsed, result.headers)
        drafts, states = self._drafts(feed, parsed)
        done = _Done(feed, self._ok(feed, result, digest, parsed), report, drafts, states)
        done.listed = frozenset(e.link or e.guid or "" for e in parsed.entries)
        return done

    async def accept_document(self, feed_id: int, body: bytes, content_type: str) -> int:
        """A document pushed for a feed (WebSub): its new stories stored, the feed's polling state untouched."""
        feed = await self.feeds.get(feed_id)
        if feed is None or not feed.enabled:
            return 0
        parsed = await asyncio.to_thread(parse_feed, body, content_type, feed.url)
        drafts, states = self._drafts(feed, parsed)
        async with self.feeds.db.begin() as conn:
            inserted = await self.stories.insert_drafts(
                conn, [(feed.id, feed.language, d, st) for d, st in zip(drafts, states)], self.clock())
        total = inserted.get(feed.id, 0)
        if total and self.events is not None:
            self.events.stories_stored(total)
        if total and self.on_stored is not None:
            self.on_stored(total)
        return total

    def _ok(self, feed: FeedRecord, result: FetchResult, digest: str, parsed: ParsedFeed | None = None) -> PollOutcome:
        when, interval = self._next(feed, result, parsed)
        return PollOutcome(True, when, status=200,
                           etag=result.headers.get("etag"), last_modified=result.headers.get("last-modified"),
                           content_hash=digest, new_url=result.permanent_url, first_fetch_done=True,
                           poll_interval=interval)

    def _next(self, feed: FeedRecord, result: FetchResult, parsed: ParsedFeed | None = None) -> tuple[datetime, int]:
        """(when, interval): configured interval, else the feed's hints, else its entry frequency, else the default."""
        if feed.interval:
            interval = float(feed.interval)
        else:
            hints: list[float] = []
            if parsed is not None and parsed.ttl_seconds:
                hints.append(float(parsed.ttl_seconds))
            m = _CACHE_MAX_AGE.search(result.headers.get("cache-control", ""))
            if m and int(m.group(1)) > 0:  # max-age=0 asks to revalidate (conditional GET does), not for a pace
                hints.append(float(m.group(1)))
            paced = self._paced(feed, parsed) if not hints and self.policy.adaptive else None
            interval = paced if paced is not None else hinted_interval(self.policy, max(hints) if hints else None)
        return self.clock() + timedelta(seconds=interval * random.uniform(0.95, 1.05)), round(interval)

    def _paced(self, feed: FeedRecord, parsed: ParsedFeed | None) -> float | None:
        """The entry-frequency interval from this document's dates (or, unchanged, the last one's)."""
        if parsed is not None:
            dates = tuple(e.published.timestamp() for e in parsed.entries if e.published is not None)
            self._dates[feed.id] = dates
        elif feed.id in self._dates:
            dates = self._dates[feed.id]
        else:
            return float(feed.poll_interval) if feed.poll_interval else None
        return entry_frequency_interval(dates, self.clock().timestamp(), self.policy.bounds)

    def _failed(self, feed: FeedRecord, error: str, report: PollReport, *, status: int | None = None,
                retry_after: float | None = None, gone: bool = False) -> _Done:
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
        return _Done(feed, PollOutcome(False, self.clock() + timedelta(seconds=delay), status=status,
                                       error=error, disable_reason=disable), report)

    def _drafts(self, feed: FeedRecord, parsed: ParsedFeed) -> tuple[list[StoryDraft], list[StoryState]]:
        """Clean entries into drafts; the first sight of a feed records them without alerting."""
        drafts: dict[str, StoryDraft] = {}
        known = self._known.get(feed.id, frozenset()) if feed.first_fetch_done else frozenset()
        for e in parsed.entries:
            if (e.link or e.guid or "") in known:
                continue
            # Feed text enters here: bidi controls, needless zero-width characters and controls go.
            link = plain_text(e.link or "").strip()
            key = story_key(link, e.guid, feed.key)
            if key is None or key in drafts:
                continue
            title, summary = plain_text(e.title), plain_text(e.summary)  # parse gives plain text; sanitise it
            if not title and not summary:
                continue
            drafts[key] = StoryDraft(key, link, title or summary[:200], summary, e.published, e.guid,
                                     breaking=e.breaking)
        items = list(drafts.values())
        if feed.first_fetch_done:
            return items, [StoryState.NEW] * len(items)
        # Newest first by publication time, so a backfill alerts the latest stories.
        order = sorted(range(len(items)), key=lambda i: items[i].published_at or self.clock(), reverse=True)
        keep = set(order[: self.policy.backfill])
        return items, [StoryState.NEW if i in keep else StoryState.SEEN for i in range(len(items))]

    async def _write(self, batch: list[_Done]) -> None:
        """One transaction: every feed's outcome, every new story, and which URLs other feeds had first."""
        now = self.clock()
        copies: list[tuple[int, int, str]] = []
        async with self.feeds.db.begin() as conn:
            rows = [(d.feed.id, d.feed.language, draft, state) for d in batch
                    for draft, state in zip(d.drafts, d.states)]
            inserted = await self.stories.insert_drafts(conn, rows, now)
            for d in batch:
                d.new = inserted.get(d.feed.id, 0)
            await self.feeds.release_many(conn, self.owner, [(d.feed, d.outcome) for d in batch], now)
            if self.on_same_url is not None:
                pending = [(d.feed.id, draft.url_key, draft.link) for d in batch if d.feed.first_fetch_done
                           and len(d.drafts) > d.new for draft in d.drafts]
                copies = await self.stories.copies_from_other_feeds(conn, pending, now)
        total = 0
        for d in batch:
            if d.listed is not None:
                self._known[d.feed.id] = d.listed
            total += d.new
            d.report.new_stories += d.new
            await self._after(d)
        if total and self.events is not None:
            self.events.stories_stored(total)
        if total and self.on_stored is not None:
            self.on_stored(total)
        for story_id, feed_id, link in copies:
            assert self.on_same_url is not None
            await self.on_same_url(story_id, feed_id, link)

    async def _after(self, d: _Done) -> None:
        """Count, log and tell the observers about one feed's outcome (after it is committed)."""
        feed, outcome, report = d.feed, d.outcome, d.report
        if outcome.ok:
            report.ok += 1
            if outcome.status == 304:
                report.not_modified += 1
        else:
            report.failed += 1
            report.errors[feed.key] = outcome.error or ""
            if outcome.error != feed.last_error:
                log.warning("feed_failing", feed=feed.key, error=outcome.error, failures=feed.failure_count + 1)
        if outcome.new_url and outcome.new_url != feed.url:
            log.info("feed_moved", feed=feed.key, url=outcome.new_url)
        if self.events is None:
            return
        self.events.feed_polled(feed, outcome.ok, outcome.status, outcome.error)
        if outcome.poll_interval is not None:
            self.events.feed_paced(feed, outcome.poll_interval)
        if outcome.disable_reason:
            await self.events.feed_disabled(feed, outcome.disable_reason)
        elif not outcome.ok:
            await self.events.feed_failing(feed, int(feed.failure_count) + 1, outcome.error or "")
        elif feed.failure_count:
            await self.events.feed_recovered(feed, int(feed.failure_count))
