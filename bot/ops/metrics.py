"""Prometheus metrics, one registry per running app (so tests can run several)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.feed_polls = Counter("newsbot_feed_polls", "Feed polls by outcome", ["feed", "outcome"], registry=r)
        self.feed_failures = Counter("newsbot_feed_failures", "Failed feed polls", ["feed"], registry=r)
        self.stories_seen = Counter("newsbot_stories_seen", "New stories stored", registry=r)
        self.stories_decided = Counter("newsbot_stories_decided", "Stories decided on by state", ["state"],
                                       registry=r)
        self.matches = Counter("newsbot_matches", "Stories matched, per watchlist", ["watchlist"], registry=r)
        self.alerts_queued = Counter("newsbot_alerts_queued", "Outbox rows queued", registry=r)
        self.alerts_sent = Counter("newsbot_alerts_sent", "Messages delivered", ["platform"], registry=r)
        self.alerts_failed = Counter("newsbot_alerts_failed", "Messages given up on", ["platform"], registry=r)
        self.alerts_retried = Counter("newsbot_alerts_retried", "Sends to retry later", ["platform"], registry=r)
        self.replies_lost = Counter("newsbot_replies_lost", "Command replies given up on (timeout: still refused "
                                    "after NEWSBOT_REPLY_GIVE_UP; refused: the platform will never take it)",
                                    ["platform", "reason"], registry=r)
        self.chats_gone = Counter("newsbot_chats_deactivated", "Chats deactivated", ["platform"], registry=r)
        self.outbox_depth = Gauge("newsbot_outbox_depth", "Outbox rows waiting to be sent", registry=r)
        self.outbox_oldest = Gauge("newsbot_outbox_oldest_age_seconds", "Age of the oldest waiting row",
                                   registry=r)
        self.feeds_failing = Gauge("newsbot_feeds_failing", "Enabled feeds whose last poll failed", registry=r)
        self.feed_interval = Gauge("newsbot_feed_poll_interval_seconds",
                                   "Seconds between polls the feed's last poll chose (adaptive)", ["feed"], registry=r)
        self.host_concurrency = Gauge("newsbot_fetch_host_concurrency",
                                      "Parallel requests a host may take now (adaptive)", ["host"], registry=r)
        self.feeds_enabled = Gauge("newsbot_feeds_enabled", "Enabled feeds", registry=r)
        self.latency = Histogram("newsbot_alert_latency_seconds", "From a story's first sight to its delivery",
                                 ["platform"], buckets=_LATENCY_BUCKETS, registry=r)
        self.dead_letters = Counter("newsbot_dead_letters", "Alerts that became dead letters",
                                    ["platform", "reason"], registry=r)
        self.dead_letters_stored = Gauge("newsbot_dead_letters_stored", "Dead letters kept (not yet retried)",
                                         registry=r)
        self.up = Gauge("newsbot_up", "1 while the process runs", registry=r)
        # Gauges read from live objects when /metrics is scraped (the fetcher's per-host limits ...).
        self.refreshers: list[Callable[[Metrics], None]] = []

    def render(self) -> bytes:
        for refresh in self.refreshers:
            refresh(self)
        return generate_latest(self.registry)
