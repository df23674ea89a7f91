"""Turns pipeline events into metrics and ops notices (the poller and dispatcher know neither)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.delivery.ports import Outcome
from bot.domain.states import DeadLetterReason, OutboxKind, OutboxState, OutcomeKind
from bot.domain.watchlists import is_custom_watchlist_id
from bot.feeds.hostlimit import HostLimits
from bot.ops.metrics import Metrics
from bot.ops.notices import OpsNotifier
from bot.pipeline.ingest import IngestReport
from bot.storage.records import ChatRecord, FeedRecord, OutboxItem

__all__ = ["Observer", "host_limit_gauges"]


class Observer:
    def __init__(self, metrics: Metrics, ops: OpsNotifier) -> None:
        self.metrics = metrics
        self.ops = ops

    # PollEvents
    def feed_polled(self, feed: FeedRecord, ok: bool, status: int | None, error: str | None) -> None:
        outcome = "ok" if ok and status != 304 else ("not_modified" if ok else "failed")
        self.metrics.feed_polls.labels(feed.key, outcome).inc()
        if not ok:
            self.metrics.feed_failures.labels(feed.key).inc()

    def hosts_limited(self, hosts: HostLimits) -> None:
        self.metrics.refreshers.append(host_limit_gauges(hosts))

    def feed_paced(self, feed: FeedRecord, seconds: int) -> None:
        self.metrics.feed_interval.labels(feed.key).set(seconds)

    def stories_stored(self, count: int) -> None:
        self.metrics.stories_seen.inc(count)

    async def feed_failing(self, feed: FeedRecord, failures: int, error: str) -> None:
        self.ops.feed_failing(feed, failures, error)

    async def feed_recovered(self, feed: FeedRecord, failures: int) -> None:
        self.ops.feed_recovered(feed, failures)

    async def feed_disabled(self, feed: FeedRecord, reason: str) -> None:
        self.ops.feed_disabled(feed, reason)

    # Ingest
    def ingested(self, report: IngestReport) -> None:
        for state, n in (("alerted", report.alerted), ("duplicate", report.duplicates),
                         ("nomatch", report.nomatch), ("old", report.old)):
            if n:
                self.metrics.stories_decided.labels(state).inc(n)
        for wl, n in report.matches.items():
            self.metrics.matches.labels(wl if not is_custom_watchlist_id(wl) else "custom").inc(n)
        if report.rows:
            self.metrics.alerts_queued.inc(report.rows)

    # Replies (bot.delivery.replies.ReplyCourier)
    def reply_lost(self, platform: str, reason: str) -> None:
        self.metrics.replies_lost.labels(platform, reason).inc()

    # DeliveryEvents
    def delivered(self, platform: str, row: OutboxItem, outcome: Outcome, now: datetime) -> None:
        if outcome.kind is OutcomeKind.SENT:
            self.metrics.alerts_sent.labels(platform).inc()
            if row.state is OutboxState.PENDING and row.story_seen_at is not None and row.kind is OutboxKind.ALERT:
                self.metrics.latency.labels(platform).observe(max(0.0, (now - row.story_seen_at).total_seconds()))
        elif outcome.kind is OutcomeKind.RETRY:
            self.metrics.alerts_retried.labels(platform).inc()
        else:
            self.metrics.alerts_failed.labels(platform).inc()

    def dead_letter(self, chat: ChatRecord, row: OutboxItem, reason: DeadLetterReason, error: str) -> None:
        self.metrics.dead_letters.labels(chat.platform, str(reason)).inc()
        self.ops.dead_letter(chat.platform, chat.title or chat.external_id, reason, error)

    async def chat_gone(self, platform: str, name: str, reason: str) -> None:
        self.metrics.chats_gone.labels(platform).inc()
        self.ops.chat_gone(platform, name, reason)


def host_limit_gauges(hosts: HostLimits) -> Callable[[Metrics], None]:
    """A /metrics refresher: each host's current adaptive concurrency limit."""
    def refresh(metrics: Metrics) -> None:
        for host, limit in hosts.snapshot().items():
            metrics.host_concurrency.labels(host).set(limit)
    return refresh
