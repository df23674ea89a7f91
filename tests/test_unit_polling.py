"""Adaptive polling, as pure logic: the entry-frequency interval and the per-host AIMD limit."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.polling import POLLS_PER_GAP, WEEK, IntervalBounds, entry_frequency_interval, summarise_intervals
from bot.feeds.hostlimit import AdaptiveLimit

NOW = 1_700_000_000.0
B = IntervalBounds(default=300, low=60, high=7200)
H = 3600.0


@pytest.mark.parametrize(("name", "dates", "expected"), [
    ("no dated entries: no evidence", [], None),
    ("only future dates: no evidence", [NOW + 10 * H], None),
    ("nothing in the last week: quiet, the maximum", [NOW - 8 * 24 * H, NOW - 9 * 24 * H], 7200),
    ("the document reaches past the week: miniflux's week / count, polled four times per gap",
     [NOW - i * H for i in range(1, 150)] + [NOW - 8 * 24 * H], WEEK / 149 / POLLS_PER_GAP),
    ("a document of its latest entries: their own span / count", [NOW - i * 600 for i in range(1, 51)],
     50 * 600 / 50 / POLLS_PER_GAP),
    ("busier than the minimum allows", [NOW - i * 5 for i in range(1, 51)], 60),
    ("one entry a day", [NOW - i * 24 * H for i in range(1, 7)], 7200),
    ("an hourly feed: every quarter of an hour", [NOW - i * H for i in range(1, 25)], H / 4),
    ("a date a little ahead (clock skew) counts as now", [NOW + 60, NOW - 2400], 2400 / 2 / POLLS_PER_GAP),
])
def test_entry_frequency_interval(name: str, dates: list[float], expected: float | None) -> None:
    got = entry_frequency_interval(dates, NOW, B)
    assert got == (pytest.approx(expected) if expected is not None else None), name


def test_bounds_never_push_past_the_default() -> None:
    """A default outside the bounds is itself a bound (as for hints): 10 s default, 60 s minimum."""
    fast = [NOW - i for i in range(1, 40)]
    assert entry_frequency_interval(fast, NOW, IntervalBounds(10, 60, 3600)) == 10
    assert entry_frequency_interval([NOW - 30 * 24 * H], NOW, IntervalBounds(7200, 60, 3600)) == 7200


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=NOW - 30 * 24 * H, max_value=NOW + 24 * H), max_size=100))
def test_interval_always_within_bounds(dates: list[float]) -> None:
    got = entry_frequency_interval(dates, NOW, B)
    assert got is None or B.low <= got <= B.high


def test_summary_for_status() -> None:
    s = summarise_intervals([("a", 600), ("b", 60), ("c", 3600), ("d", 120)])
    assert s is not None and (s.shortest, s.median, s.longest) == (60, 600, 3600)
    assert s.fastest == (("b", 60), ("d", 120), ("a", 600))
    assert summarise_intervals([]) is None


def test_limit_grows_on_fast_clean_answers_up_to_the_ceiling() -> None:
    lim = AdaptiveLimit(4, 64)
    for _ in range(10):
        lim.record(latency=0.05, host_error=False)
    assert lim.current == 14  # slow start: one more per answer
    for _ in range(500):
        lim.record(latency=0.05, host_error=False)
    assert lim.current == 64


def test_errors_halve_once_per_round_trip_and_never_below_one() -> None:
    lim = AdaptiveLimit(4, 64)
    for _ in range(28):
        lim.record(latency=0.05, host_error=False)
    assert lim.current == 32
    for _ in range(5):  # a burst of errors from one round trip cuts once
        lim.record(latency=0.05, host_error=True)
    assert lim.current == 16
    for _ in range(200):
        lim.record(latency=0.05, host_error=True)
    assert lim.current == 1
    for _ in range(3):  # past the first cut, growth is one per round trip
        lim.record(latency=0.05, host_error=False)
    assert lim.current in (1, 2) and lim.limit < 4


def test_slow_answers_take_a_quarter_off() -> None:
    lim = AdaptiveLimit(8, 64)
    lim.record(latency=0.05, host_error=False)
    assert lim.current == 9
    lim.record(latency=2.0, host_error=False)  # 40x the best and 1.95 s over it
    assert lim.current == 6
    lim.record(latency=0.5, host_error=False)  # slower, but not 1 s over the best: it grows (by 1/limit now)
    assert 6.75 < lim.limit < 7


async def test_waiters_are_served_as_the_limit_allows() -> None:
    lim = AdaptiveLimit(2, 3)
    peak = 0
    running = 0

    async def job() -> None:
        nonlocal peak, running
        await lim.acquire()
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        lim.record(latency=0.001, host_error=False)
        lim.release()

    await asyncio.gather(*(job() for _ in range(30)))
    assert peak == 3 and lim.inflight == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    lim = AdaptiveLimit(1, 1)
    await lim.acquire()
    waiter = asyncio.ensure_future(lim.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    lim.release()
    assert lim.inflight == 0
    await asyncio.wait_for(lim.acquire(), 1)
    assert lim.inflight == 1
