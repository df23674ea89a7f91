"""/trends: a destination's lists ranked by volume and by change against what is usual for them.

Pure functions over the same sightings as spike detection (``bot.domain.spikes``):
a story counts once, in the period where it was first seen. The baseline of a
period is the mean count of the same-length periods just before it that the
store fully covers: the previous 7 days for ``24h``, the previous 3 weeks for
``7d``; without any, there is no baseline (a new install) and no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.spikes import Sighting

__all__ = ["Period", "PERIODS", "TrendRow", "trends", "parse_period"]


@dataclass(frozen=True, slots=True)
class Period:
    name: str  # as typed: 24h | 7d
    length: timedelta
    step: timedelta  # one chart point
    baseline_periods: int

    @property
    def points(self) -> int:
        return int(self.length / self.step)


PERIODS: Mapping[str, Period] = {
    "24h": Period("24h", timedelta(hours=24), timedelta(minutes=15), 7),
    "7d": Period("7d", timedelta(days=7), timedelta(hours=1), 3),
}
_ALIASES = {"": "24h", "24h": "24h", "24": "24h", "1d": "24h", "day": "24h", "يوم": "24h",
            "7d": "7d", "7": "7d", "week": "7d", "1w": "7d", "أسبوع": "7d", "اسبوع": "7d"}


def parse_period(text: str) -> Period | None:
    """'24h' (the default), '7d' and a few spellings; None for anything else."""
    key = _ALIASES.get(text.strip().lower())
    return PERIODS[key] if key else None


@dataclass(frozen=True, slots=True)
class TrendRow:
    watchlist: str
    stories: int  # distinct stories first seen in the period
    outlets: int
    baseline: float | None  # mean per period before it; None: no history
    series: tuple[int, ...]  # stories per step over the period, oldest first

    @property
    def change(self) -> float | None:
        """Relative change against the baseline (0.5 = +50 %); None without a positive baseline."""
        if self.baseline is None or self.baseline <= 0:
            return None
        return (self.stories - self.baseline) / self.baseline


def _first(sightings: Sequence[Sighting]) -> tuple[dict[int, datetime], dict[int, set[int]]]:
    first: dict[int, datetime] = {}
    outlets: dict[int, set[int]] = {}
    for s in sightings:
        if s.story not in first or s.at < first[s.story]:
            first[s.story] = s.at
        outlets.setdefault(s.story, set()).add(s.outlet)
    return first, outlets


def _row(wl: str, sightings: Sequence[Sighting], now: datetime, period: Period,
         history_start: datetime | None) -> TrendRow:
    first, outlets_of = _first(sightings)
    start = now - period.length
    inside = [story for story, at in first.items() if start < at <= now]
    outlets = set().union(*(outlets_of[s] for s in inside)) if inside else set()
    series = [0] * period.points
    for story in inside:
        i = min(period.points - 1, int((first[story] - start) / period.step))
        series[i] += 1
    past: list[int] = []
    for k in range(1, period.baseline_periods + 1):
        lo, hi = start - k * period.length, start - (k - 1) * period.length
        if history_start is None or lo < history_start:
            break
        past.append(sum(1 for at in first.values() if lo < at <= hi))
    baseline = sum(past) / len(past) if past else None
    return TrendRow(wl, len(inside), len(outlets), baseline, tuple(series))


def trends(per_list: Mapping[str, Sequence[Sighting]], watchlists: Sequence[str], now: datetime,
           period: Period, history_start: datetime | None) -> list[TrendRow]:
    """One row per list asked for, busiest first, then the largest rise, then by id."""
    rows = [_row(wl, per_list.get(wl, ()), now, period, history_start) for wl in dict.fromkeys(watchlists)]
    return sorted(rows, key=lambda r: (-r.stories, -(r.change if r.change is not None else 0.0), r.watchlist))
