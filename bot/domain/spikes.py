"""Spike detection for one watchlist: is this list suddenly everywhere, compared with what is usual?

Pure functions over *sightings* (a story, the outlet that carried it, when it
was first seen there); the caller reads them from the store. The rules, with
the reasons in ``docs/spikes.md``:

- the window is the last 30 minutes (two 15-minute bins), rolling with ``now``;
- a story counts once (its cluster root: another outlet's copy is one story
  and one more outlet), in the window where it was first seen anywhere; a
  story seen again later (republished) does not count again;
- no outlet carries more than its share: each outlet is credited with at most
  ``per_outlet`` stories of the window (``ceil(minimum / min_outlets)``), so a
  feed that dumps its archive cannot make a spike alone;
- the floor (also the whole rule on a cold start, with less than
  ``warmup`` of history): at least ``minimum`` stories (``NEWSBOT_SPIKE_MIN``)
  from at least ``min_outlets`` outlets;
- with history, the floor *and* a Poisson upper tail below ``alpha`` against
  the expected count (quasi-Poisson: scaled by the history's dispersion,
  since news comes in bunches), the larger of the same half hour on each of the last
  seven days and an exponentially weighted mean of the recent bins (so a
  slow ramp raises its own baseline and does not fire).

``may_alert`` is the "at most one spike alert per list per destination per
period" rule.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = ["BIN", "Sighting", "SpikeRules", "Basis", "Baseline", "WindowCount", "Verdict", "bin_floor",
           "series", "window_count", "baseline", "poisson_tail", "detect", "may_alert"]

BIN = timedelta(minutes=15)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, midnight UTC: bins are aligned to it
_EPOCH_TS = _EPOCH.timestamp()
_BIN_S = BIN.total_seconds()


@dataclass(frozen=True, slots=True)
class Sighting:
    """``story``: the cluster root (one event however many copies); ``outlet``: the feed."""

    story: int
    outlet: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SpikeRules:
    minimum: int = 8  # NEWSBOT_SPIKE_MIN
    min_outlets: int = 3
    window: timedelta = timedelta(minutes=30)
    alpha: float = 1e-4  # quasi-Poisson upper tail below this, once there is history
    history_days: int = 7
    warmup: timedelta = timedelta(hours=24)  # less history than this: the cold-start rule alone
    halflife_bins: float = 8.0  # the recent mean's half-life, in bins (2 hours)
    recent_bins: int = 96  # the recent mean looks back this many bins (24 hours)

    def __post_init__(self) -> None:
        if self.minimum < 1 or self.min_outlets < 1:
            raise ValueError("a spike needs at least one story from at least one outlet")
        if self.window < BIN or self.window % BIN:
            raise ValueError("the spike window is a whole number of 15-minute bins")

    @property
    def per_outlet(self) -> int:
        """The most stories one outlet is credited with in a window."""
        return max(1, math.ceil(self.minimum / self.min_outlets))


class Basis(StrEnum):
    COLD = "cold"  # not enough history: the floor alone
    SEASONAL = "seasonal"  # the same half hour on the previous days
    RECENT = "recent"  # the weighted mean of the last hours


@dataclass(frozen=True, slots=True)
class Baseline:
    expected: float  # stories expected in one window
    basis: Basis
    dispersion: float = 1.0  # variance over mean of past windows (news comes in bunches), at least 1


@dataclass(frozen=True, slots=True)
class WindowCount:
    stories: int  # distinct stories first seen in the window, each outlet capped at its share
    raw: int  # distinct stories first seen in the window, uncapped
    outlets: int  # distinct outlets that carried them (copies included)
    top: tuple[int, ...] = ()  # three story ids: most outlets first, then earliest, one per outlet first


@dataclass(frozen=True, slots=True)
class Verdict:
    spike: bool
    count: WindowCount
    baseline: Baseline
    p_value: float
    start: datetime
    end: datetime
    bins: tuple[datetime, ...] = field(default=())  # the bins of the window (to highlight on a chart)


def bin_floor(moment: datetime) -> datetime:
    """The start of the 15-minute bin ``moment`` falls in (UTC)."""
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    n = (moment - _EPOCH) // BIN
    return _EPOCH + n * BIN


def _first_seen(sightings: Iterable[Sighting]) -> dict[int, Sighting]:
    """Each story's first sighting (the earliest; the lower outlet id on a tie)."""
    first: dict[int, Sighting] = {}
    for s in sightings:
        cur = first.get(s.story)
        if cur is None or (s.at, s.outlet) < (cur.at, cur.outlet):
            first[s.story] = s
    return first


def series(sightings: Iterable[Sighting], end: datetime, bins: int = 96) -> tuple[int, ...]:
    """Distinct stories first seen per 15-minute bin, the ``bins`` bins up to the one holding ``end``."""
    last = bin_floor(end)
    start = last - (bins - 1) * BIN
    out = [0] * max(0, bins)
    for s in _first_seen(sightings).values():
        if start <= s.at < last + BIN:
            out[(bin_floor(s.at) - start) // BIN] += 1
    return tuple(out)


def window_count(sightings: Sequence[Sighting], start: datetime, end: datetime, rules: SpikeRules,
                 first: dict[int, Sighting] | None = None) -> WindowCount:
    """What the window (start, end] holds (see the module for the counting rules)."""
    first = _first_seen(sightings) if first is None else first
    new = {story for story, s in first.items() if start < s.at <= end}
    if not new:
        return WindowCount(0, 0, 0)
    outlets_of: dict[int, set[int]] = {story: set() for story in new}
    for s in sightings:
        if s.story in new and s.at <= end:
            outlets_of[s.story].add(s.outlet)
    credited: dict[int, int] = {}
    for story in new:
        o = first[story].outlet
        credited[o] = credited.get(o, 0) + 1
    capped = sum(min(n, rules.per_outlet) for n in credited.values())
    outlets = len(set().union(*outlets_of.values()))
    ranked = sorted(new, key=lambda story: (-len(outlets_of[story]), first[story].at, story))
    top: list[int] = []
    seen: set[int] = set()
    for story in ranked:  # the most carried story of each outlet first, so three outlets speak
        if first[story].outlet not in seen and len(top) < 3:
            top.append(story)
            seen.add(first[story].outlet)
    top += [story for story in ranked if story not in top][:3 - len(top)]
    return WindowCount(capped, len(new), outlets, tuple(top))


def baseline(first: dict[int, Sighting], start: datetime, rules: SpikeRules, history_start: datetime | None
             ) -> Baseline:
    """Stories expected in the window that starts at ``start``, from the history before it."""
    if history_start is None or start - history_start < rules.warmup:
        return Baseline(0.0, Basis.COLD)
    width = rules.window
    times = sorted(s.at for s in first.values())
    seasonal: list[int] = []
    for d in range(1, rules.history_days + 1):
        lo = start - timedelta(days=d)
        if lo < history_start:
            break
        seasonal.append(bisect_right(times, lo + width) - bisect_right(times, lo))
    season = sum(seasonal) / len(seasonal) if seasonal else 0.0
    # Recent: a weighted mean per bin over the bins before the window, newest weighing most.
    per_window = rules.window // BIN
    last = _index(start) - 1  # the last whole bin before the window
    first_ok = _index(history_start)
    oldest = max(first_ok, last - rules.history_days * 96)
    counts = Counter(_index(t) for t in times[bisect_right(times, _at(oldest)):bisect_right(times, start)])
    total = weight = 0.0
    for age in range(min(rules.recent_bins, last - first_ok + 1)):
        w = 0.5 ** (age / rules.halflife_bins)
        total += w * counts.get(last - age, 0)
        weight += w
    recent = (total / weight) * per_window if weight else 0.0
    windows = [sum(counts.get(b - i, 0) for i in range(per_window))
               for b in range(last, oldest + per_window - 2, -per_window)]
    dispersion = _dispersion(windows)
    if recent > season:
        return Baseline(recent, Basis.RECENT, dispersion)
    return Baseline(season, Basis.SEASONAL, dispersion)


def _index(moment: datetime) -> int:
    """The number of the 15-minute bin ``moment`` falls in."""
    return int((moment.timestamp() - _EPOCH_TS) // _BIN_S)


def _at(index: int) -> datetime:
    return _EPOCH + index * BIN


def _dispersion(windows: list[int]) -> float:
    """Variance over mean of the past non-overlapping windows (at least 1: never below Poisson)."""
    if len(windows) < 2:
        return 1.0
    mean = sum(windows) / len(windows)
    if mean <= 0:
        return 1.0
    var = sum((w - mean) ** 2 for w in windows) / (len(windows) - 1)
    return max(1.0, var / mean)


def poisson_tail(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam), in log space with bounded work; 1.0 for any n <= lam (no spike)."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if n <= lam:
        return 1.0  # not in the upper tail at all; no spike is decided on this
    log_term = -lam + n * math.log(lam) - math.lgamma(n + 1)
    total, k = 0.0, n
    steps = int(10 * math.sqrt(lam) + 200)
    for _ in range(steps):
        term = math.exp(log_term)
        total += term
        k += 1
        log_term += math.log(lam) - math.log(k)
        if term < total * 1e-12:
            break
    return min(1.0, total)


def detect(sightings: Sequence[Sighting], now: datetime, rules: SpikeRules = SpikeRules(),
           history_start: datetime | None = None) -> Verdict:
    """The verdict on the window ending at ``now``.

    ``history_start``: since when the store has been collecting (the install's first story), so
    that a quiet list on an old install is not mistaken for a cold start; None: no history.
    """
    start, end = now - rules.window, now
    first = _first_seen(sightings)
    count = window_count(sightings, start, end, rules, first)
    base = baseline(first, start, rules, history_start)
    floor_met = count.stories >= rules.minimum and count.outlets >= rules.min_outlets
    p = 0.0
    if base.basis is not Basis.COLD:  # quasi-Poisson: both sides scaled down by the dispersion
        d = base.dispersion
        p = poisson_tail(math.ceil(count.stories / d), max(base.expected, 0.1) / d)
    spike = floor_met and (base.basis is Basis.COLD or p < rules.alpha)
    bins: tuple[datetime, ...] = ()
    if spike:
        b, out = bin_floor(start), []
        while b <= end:
            if b + BIN > start:
                out.append(b)
            b += BIN
        bins = tuple(out)
    return Verdict(spike, count, base, p, start, end, bins)


def may_alert(last_alert: datetime | None, now: datetime, period: timedelta) -> bool:
    """At most one spike alert per list per destination per ``period``."""
    return last_alert is None or now - last_alert >= period
