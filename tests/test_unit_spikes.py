"""The spike detector (bot/domain/spikes.py) on synthetic series: steady, ramp, burst, cold start, republishing."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.spikes import (
    BIN,
    Basis,
    Sighting,
    SpikeRules,
    bin_floor,
    detect,
    may_alert,
    poisson_tail,
    series,
)

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=8)
RULES = SpikeRules()


class Ids:
    """Story ids that never repeat within one test."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n


def steady(ids: Ids, per_bin: int, start: datetime, end: datetime, outlets: int = 10) -> Iterator[Sighting]:
    """``per_bin`` stories every 15 minutes, spread over the bin, from rotating outlets."""
    t = start
    k = 0
    while t < end:
        for i in range(per_bin):
            k += 1
            yield Sighting(ids(), k % outlets, t + BIN * (i + 0.5) / (per_bin + 1))
        t += BIN


def burst(ids: Ids, n: int, outlets: int, end: datetime = NOW, minutes: int = 25) -> list[Sighting]:
    return [Sighting(ids(), 100 + i % outlets, end - timedelta(minutes=minutes) + timedelta(minutes=minutes * i / n))
            for i in range(n)]


def test_a_steady_busy_list_is_not_a_spike_at_any_time_of_the_day() -> None:
    ids = Ids()
    history = list(steady(ids, 10, WEEK_AGO, NOW))  # 20 stories every half hour from 10 outlets
    verdicts = [detect(history, NOW - timedelta(minutes=7 * i), RULES, WEEK_AGO) for i in range(200)]
    assert not any(v.spike for v in verdicts)
    # The same window on a cold start would have been one (the floor alone): history is what stops it.
    assert detect(history, NOW, RULES, history_start=None).spike
    assert verdicts[0].baseline.expected == pytest.approx(20, rel=0.1)


def _noisy(counts: Callable[[random.Random], int], seed: int) -> list[Sighting]:
    ids, rng = Ids(), random.Random(seed)
    history = []
    t = WEEK_AGO
    while t < NOW:
        for _ in range(counts(rng)):
            history.append(Sighting(ids(), rng.randrange(12), t + timedelta(seconds=rng.uniform(0, 899))))
        t += BIN
    return history


def _poisson(lam: float) -> Callable[[random.Random], int]:
    def draw(rng: random.Random) -> int:  # Knuth's method
        k, p, limit = 0, 1.0, math.exp(-lam)
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return draw


def _bunched(rng: random.Random) -> int:
    """Geometric counts, mean 1.5 per bin and variance 3.75: news comes in bunches."""
    k = 0
    while rng.random() < 0.6:
        k += 1
    return k


@pytest.mark.parametrize("seed", [19, 20, 21])
def test_a_steady_noisy_quiet_list_is_not_a_spike(seed: int) -> None:
    history = _noisy(_poisson(1.5), seed)  # about 3 stories per half hour, for eight days
    assert not any(detect(history, NOW - timedelta(minutes=15 * i), RULES, WEEK_AGO).spike for i in range(192))


@pytest.mark.parametrize("seed", [19, 20, 21])
def test_bunched_news_rarely_looks_like_a_spike(seed: int) -> None:
    """Heavier-tailed than Poisson: the dispersion keeps false spikes to at most one in two days."""
    history = _noisy(_bunched, seed)
    fired = sum(detect(history, NOW - timedelta(minutes=15 * i), RULES, WEEK_AGO).spike for i in range(192))
    assert fired <= 1
    naive = SpikeRules(alpha=1e-4)
    plain = [w for w in range(192) if _plain_poisson_spike(history, NOW - timedelta(minutes=15 * w), naive)]
    assert len(plain) >= fired  # never more than a plain Poisson test would raise


def _plain_poisson_spike(history: list[Sighting], now: datetime, rules: SpikeRules) -> bool:
    v = detect(history, now, rules, WEEK_AGO)
    return v.count.stories >= rules.minimum and v.count.outlets >= rules.min_outlets and \
        poisson_tail(v.count.stories, max(v.baseline.expected, 0.1)) < rules.alpha


def test_a_slow_ramp_raises_its_own_baseline() -> None:
    ids = Ids()
    history = list(steady(ids, 1, WEEK_AGO, NOW - timedelta(hours=12)))
    # Over the last 12 hours the list climbs steadily from 1 to 12 stories per bin.
    t, per = NOW - timedelta(hours=12), 1.0
    while t < NOW:
        history.extend(steady(ids, int(per), t, t + BIN))
        per += 11 / 48
        t += BIN
    v = detect(history, NOW, RULES, WEEK_AGO)
    assert v.count.stories >= RULES.minimum and v.count.outlets >= 3  # the floor is met...
    assert not v.spike and v.baseline.basis is Basis.RECENT  # ...but so is what had become usual


def test_a_single_burst_on_a_quiet_list_is_a_spike_with_what_and_how_much() -> None:
    ids = Ids()
    history = list(steady(ids, 1, WEEK_AGO, NOW - timedelta(minutes=30)))  # 2 stories per half hour
    history += burst(ids, 14, 6)
    v = detect(history, NOW, RULES, WEEK_AGO)
    assert v.spike
    assert (v.count.stories, v.count.outlets) == (14, 6)
    assert round(v.baseline.expected) == 2 and v.baseline.basis is not Basis.COLD
    assert v.p_value < 1e-6
    assert len(v.count.top) == 3
    assert v.bins and v.bins[-1] == bin_floor(NOW) and all(b >= bin_floor(NOW - RULES.window) for b in v.bins)
    # Half an hour later the burst has left the window.
    assert not detect(history, NOW + timedelta(minutes=31), RULES, WEEK_AGO).spike


def test_a_burst_below_the_floor_is_not_a_spike_even_far_above_the_baseline() -> None:
    ids = Ids()
    history = list(steady(ids, 0, WEEK_AGO, NOW)) + burst(ids, 7, 5)  # nothing usual, then 7
    quiet_but_old = [Sighting(ids(), 1, WEEK_AGO)] + history
    v = detect(quiet_but_old, NOW, RULES, WEEK_AGO)
    assert not v.spike and v.count.stories == 7


@pytest.mark.parametrize(("stories", "outlets", "spike"), [(8, 3, True), (7, 3, False), (8, 2, False),
                                                           (20, 8, True), (30, 2, False)])
def test_cold_start_needs_the_minimum_from_three_outlets_within_thirty_minutes(stories: int, outlets: int,
                                                                               spike: bool) -> None:
    ids = Ids()
    v = detect(burst(ids, stories, outlets), NOW, RULES, history_start=None)
    assert v.spike is spike and v.baseline.basis is Basis.COLD
    # Less than a day of history is still a cold start.
    assert detect(burst(Ids(), stories, outlets), NOW, RULES, NOW - timedelta(hours=5)).spike is spike


def test_cold_start_window_is_thirty_minutes() -> None:
    ids = Ids()
    spread = burst(ids, 10, 5, minutes=50)  # 10 stories over 50 minutes: 6 of them in the last 30
    v = detect(spread, NOW, RULES, history_start=None)
    assert not v.spike and v.count.raw < 8


def test_the_minimum_is_a_setting() -> None:
    ids = Ids()
    events = burst(ids, 5, 3)
    assert not detect(events, NOW, RULES).spike
    assert detect(events, NOW, SpikeRules(minimum=5)).spike


def test_an_outlet_republishing_its_archive_cannot_make_a_spike_alone() -> None:
    ids = Ids()
    history = list(steady(ids, 1, WEEK_AGO, NOW - timedelta(minutes=30)))
    # One outlet dumps 25 new URLs in ten minutes; two others carry one story each.
    dump = [Sighting(ids(), 7, NOW - timedelta(minutes=10) + timedelta(seconds=20 * i)) for i in range(25)]
    others = [Sighting(ids(), 8, NOW - timedelta(minutes=5)), Sighting(ids(), 9, NOW - timedelta(minutes=4))]
    for start in (WEEK_AGO, None):
        v = detect(history + dump + others, NOW, RULES, start)
        assert not v.spike
        assert v.count.raw == 27 and v.count.stories == RULES.per_outlet + 2


def test_a_story_republished_or_copied_counts_once_but_its_outlets_count() -> None:
    ids = Ids()
    old = [Sighting(ids(), o, NOW - timedelta(hours=3)) for o in range(8)]  # eight stories from 3 h ago
    again = [Sighting(s.story, s.outlet, NOW - timedelta(minutes=5)) for s in old]  # republished now
    assert detect(old + again, NOW, RULES).count.stories == 0
    # Three stories each carried by four outlets: three stories, twelve outlets.
    copies = [Sighting(1000 + k, 200 + 4 * k + j, NOW - timedelta(minutes=10 - j)) for k in range(3) for j in range(4)]
    count = detect(copies, NOW, RULES).count
    assert (count.stories, count.outlets) == (3, 12)


def test_the_top_stories_are_the_most_carried_first() -> None:
    ids = Ids()
    events = burst(ids, 10, 5)
    events += [Sighting(events[4].story, 300 + j, NOW - timedelta(minutes=1)) for j in range(3)]
    events += [Sighting(events[2].story, 400, NOW - timedelta(minutes=1))]
    assert detect(events, NOW, RULES).count.top[:2] == (events[4].story, events[2].story)


def test_series_counts_stories_per_bin_at_their_first_sighting() -> None:
    ids = Ids()
    events = burst(ids, 8, 4, minutes=14)
    events.append(Sighting(events[0].story, 99, NOW))  # a copy: not a new story
    events.append(Sighting(ids(), 1, NOW - timedelta(days=2)))  # outside the 24 hours
    s = series(events, NOW)
    assert len(s) == 96 and sum(s) == 8
    assert series([], NOW) == (0,) * 96


@pytest.mark.parametrize(("n", "lam", "expected"), [(0, 3.0, 1.0), (3, 2.0, 1 - 5 * 0.1353352832366127),
                                                    (8, 2.0, 0.0010967), (2, 5.0, 1.0), (5, 0.0, 0.0)])
def test_poisson_tail(n: int, lam: float, expected: float) -> None:
    assert poisson_tail(n, lam) == pytest.approx(expected, rel=1e-4, abs=1e-12)


def test_poisson_tail_is_bounded_for_huge_counts() -> None:
    assert 0.0 <= poisson_tail(10**9, 3.0) < 1e-300 or poisson_tail(10**9, 3.0) == 0.0
    assert poisson_tail(10_050, 10_000.0) == pytest.approx(0.3085, abs=0.01)


def test_one_alert_per_period() -> None:
    period = timedelta(hours=3)
    assert may_alert(None, NOW, period)
    assert not may_alert(NOW - timedelta(hours=2, minutes=59), NOW, period)
    assert may_alert(NOW - period, NOW, period)


def test_impossible_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        SpikeRules(minimum=0)
    with pytest.raises(ValueError):
        SpikeRules(window=timedelta(minutes=20))


def test_the_top_three_come_from_three_outlets_when_they_can() -> None:
    ids = Ids()
    events = [Sighting(ids(), 1, NOW - timedelta(minutes=20)) for _ in range(6)]
    events += [Sighting(ids(), 2, NOW - timedelta(minutes=10)), Sighting(ids(), 3, NOW - timedelta(minutes=5))]
    top = detect(events, NOW, RULES).count.top
    assert {next(e.outlet for e in events if e.story == t) for t in top} == {1, 2, 3}
