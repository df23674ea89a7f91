"""/trends ranking (bot/domain/trends.py): volume, change against the baseline, series, periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.trends import change_text
from bot.domain.spikes import Sighting
from bot.domain.trends import PERIODS, TrendRow, parse_period, trends

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
DAY = PERIODS["24h"]
WEEK = PERIODS["7d"]


def daily(start_id: int, per_day: int, days: int, outlet: int = 1) -> list[Sighting]:
    out = []
    for d in range(days):
        for i in range(per_day):
            out.append(Sighting(start_id + d * 1000 + i, outlet + i % 3, NOW - timedelta(days=d, hours=1 + i % 20)))
    return out


def test_ranked_by_volume_with_change_against_the_last_week() -> None:
    lists = {"ceasefire": daily(0, 4, 8)[:4] + daily(10**6, 2, 8)[2:],  # 4 today, 2 a day before
             "nato": daily(10**7, 3, 8), "sudan": []}
    rows = trends(lists, ["sudan", "nato", "ceasefire"], NOW, DAY, NOW - timedelta(days=9))
    assert [r.watchlist for r in rows] == ["ceasefire", "nato", "sudan"]
    cease = rows[0]
    assert cease.stories == 4 and cease.baseline == pytest.approx(2.0) and cease.change == pytest.approx(1.0)
    assert rows[1].change == pytest.approx(0.0) and rows[2].stories == 0
    assert len(cease.series) == 96 and sum(cease.series) == 4


def test_no_history_means_no_baseline() -> None:
    [row] = trends({"nato": daily(0, 3, 1)}, ["nato"], NOW, DAY, NOW - timedelta(hours=20))
    assert row.baseline is None and row.change is None and row.stories == 3


def test_a_copy_counts_once_and_adds_an_outlet() -> None:
    events = [Sighting(1, 1, NOW - timedelta(hours=2)), Sighting(1, 2, NOW - timedelta(hours=1))]
    [row] = trends({"nato": events}, ["nato"], NOW, DAY, None)
    assert (row.stories, row.outlets) == (1, 2)


def test_a_week_in_hours() -> None:
    [row] = trends({"nato": daily(0, 2, 7)}, ["nato"], NOW, WEEK, None)
    assert len(row.series) == 168 and sum(row.series) == 14


@pytest.mark.parametrize(("text", "name"), [("", "24h"), ("24h", "24h"), ("7d", "7d"), ("7D", "7d"),
                                            ("أسبوع", "7d")])
def test_periods(text: str, name: str) -> None:
    period = parse_period(text)
    assert period is not None and period.name == name


@pytest.mark.parametrize("text", ["30d", "x", "24h 7d", "-1"])
def test_other_periods_are_refused(text: str) -> None:
    assert parse_period(text) is None


@pytest.mark.parametrize(("stories", "baseline", "text"), [
    (14, 4.0, "▲ 250٪ عن المعتاد (4)"), (2, 4.0, "▼ 50٪ عن المعتاد (4)"), (3, 3.0, "كالمعتاد (3)"),
    (5, 0.0, "جديد، والمعتاد لا شيء"), (0, 0.0, "كالمعتاد (0)"), (5, None, "لا سجل سابق للمقارنة بعد"),
    (30, 12.4, "▲ 142٪ عن المعتاد (12)"), (3, 1.5, "▲ 100٪ عن المعتاد (1.5)"),
])
def test_the_change_in_words(stories: int, baseline: float | None, text: str) -> None:
    assert change_text(TrendRow("nato", stories, 1, baseline, ())) == text
