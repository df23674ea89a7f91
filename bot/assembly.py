"""What the settings build before the bot is wired: the config files, the fetcher, the poll policy.

Kept apart from ``bot.app`` (which wires) so the CLI and the tests can build the same pieces.
"""

from __future__ import annotations

from typing import Any

from bot.configfiles import ConfigError, FeedSpec, load_feeds, load_watchlists
from bot.domain.watchlists import Watchlist
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.poller import PollPolicy
from bot.settings import Settings

__all__ = ["build_fetcher", "load_config", "poll_policy"]


def load_config(settings: Settings) -> tuple[list[FeedSpec], list[Watchlist]]:
    """The config files, or ConfigError listing every problem with its file and line."""
    feeds, p1 = load_feeds(settings.config_dir / "feeds.yaml")
    lists, p2 = load_watchlists(settings.config_dir / "watchlists.yaml")
    if p1 or p2:
        raise ConfigError([*p1, *p2])
    return feeds, lists


def build_fetcher(settings: Settings, **seams: Any) -> Fetcher:
    """The HTTP fetcher with the limits from the settings (``seams``: test-only DNS overrides)."""
    return Fetcher(FetchLimits(
        max_bytes=settings.max_feed_bytes, max_redirects=settings.max_redirects,
        total_timeout=settings.fetch_timeout, connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout, concurrency=settings.fetch_concurrency,
        per_host=settings.fetch_per_host, per_host_max=settings.fetch_per_host_max,
    ), settings.user_agent, **seams)


def poll_policy(s: Settings) -> PollPolicy:
    return PollPolicy(default_interval=s.poll_interval, min_interval=s.min_feed_interval,
                      max_interval=s.max_feed_interval, adaptive=s.adaptive_polling,
                      disable_after=s.failure_deactivate_after, backfill=s.backfill,
                      max_backoff=s.max_backoff,
                      max_age=s.max_age_seconds, lease_seconds=s.fetch_timeout * 2 + 10)
