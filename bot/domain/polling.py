"""How often to poll a feed: miniflux's entry-frequency rule, with the precedence of the other sources of a pace.

Entry frequency (miniflux ``SCHEDULER_SERVICE=entry_frequency``): the number
of entries a feed published in the last week gives its pace, ``week /
count``, bounded by ``NEWSBOT_MIN_FEED_INTERVAL`` and
``NEWSBOT_MAX_FEED_INTERVAL``. Miniflux counts the entries in its database;
here the feed's own document is the evidence, so when every dated entry of
the document falls inside the week (the document lists only its latest
items) the window is the stretch it does cover, from its oldest entry to
now. A feed with dated entries but none in the week is quiet: the maximum.
A feed whose entries carry no dates gives no evidence: the default pace.

Unlike miniflux, which paces a reader's feed at one poll per entry, a feed is
polled ``POLLS_PER_GAP`` times per usual gap between its entries: an alert is
worth something only while it is news, and one poll per gap would leave a
story waiting half a gap on average (20 minutes on a feed that publishes every
40). Four polls per gap keep that wait near an eighth of the gap while a
quiet feed still costs a fraction of a busy one.

Precedence, first that applies: a feed's configured ``interval`` as given;
the publisher's own hint (RSS ``<ttl>``, ``Cache-Control: max-age``) within
the bounds; the entry-frequency pace; the operator's default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["POLLS_PER_GAP", "IntervalBounds", "entry_frequency_interval", "bounded", "IntervalSummary", "summarise_intervals"]

WEEK = 7 * 24 * 3600.0
POLLS_PER_GAP = 4  # polls per usual gap between a feed's entries (see the module docstring)
_FUTURE_SLACK = 300.0  # entries dated up to 5 minutes ahead (clock skew) count as now


@dataclass(frozen=True, slots=True)
class IntervalBounds:
    default: float
    low: float
    high: float


def bounded(bounds: IntervalBounds, seconds: float) -> float:
    """``seconds`` within the bounds; a bound on the far side of the default is the default itself."""
    low = min(bounds.low, bounds.default)
    high = max(bounds.high, bounds.default)
    return min(max(seconds, low), high)


def entry_frequency_interval(published: Iterable[float], now: float, bounds: IntervalBounds) -> float | None:
    """Seconds between polls from entries' publication times (POSIX seconds); None without dated entries."""
    dated = 0
    recent = 0
    oldest = now
    for when in published:
        if when > now + _FUTURE_SLACK:
            continue  # a date in the future says nothing about the pace
        dated += 1
        if when >= now - WEEK:
            recent += 1
            oldest = min(oldest, when)
    if dated == 0:
        return None
    if recent == 0:
        return max(bounds.high, bounds.default)
    window = WEEK if recent < dated else max(now - oldest, 0.0)
    return bounded(bounds, window / recent / POLLS_PER_GAP)


@dataclass(frozen=True, slots=True)
class IntervalSummary:
    """The poll intervals enabled feeds got, for /status: shortest, median, longest, and the busiest feeds."""

    shortest: int
    median: int
    longest: int
    fastest: tuple[tuple[str, int], ...]  # (feed name, seconds), shortest first


def summarise_intervals(named: Iterable[tuple[str, int]], top: int = 3) -> IntervalSummary | None:
    rows = sorted(named, key=lambda r: (r[1], r[0]))
    if not rows:
        return None
    values = [v for _, v in rows]
    return IntervalSummary(values[0], values[len(values) // 2], values[-1], tuple(rows[:top]))
