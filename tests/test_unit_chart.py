"""The charts (bot/alerts/chart.py): PNG of a fixed size, the spike bins in red, any series length."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from matplotlib.image import imread

from bot.alerts.chart import HEIGHT, MAX_LINES, WIDTH, Line, lines_chart, spike_chart

START = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Riyadh")
PNG = b"\x89PNG\r\n\x1a\n"
RED = np.array([0xD1, 0x49, 0x5B]) / 255


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def red_columns(png: bytes) -> np.ndarray:
    pixels = imread(BytesIO(png))[:, :, :3]
    hits = np.all(np.abs(pixels - RED) < 0.02, axis=2)
    return np.nonzero(hits.any(axis=0))[0]


def test_a_spike_chart_is_a_png_of_the_fixed_size() -> None:
    png = spike_chart([1, 2] * 47 + [9, 14], [94, 95], START, TZ)
    assert size(png) == (WIDTH, HEIGHT)


def test_the_spike_bins_and_only_they_are_red() -> None:
    counts = [2] * 96
    counts[94], counts[95] = 9, 14
    cols = red_columns(spike_chart(counts, [94, 95], START, TZ))
    assert cols.size > 0 and cols.min() > WIDTH * 0.9  # the last two bars, at the right edge
    early = red_columns(spike_chart(counts, [3], START, TZ))
    assert early.size > 0 and early.max() < WIDTH * 0.15
    assert red_columns(spike_chart(counts, [], START, TZ)).size == 0


def test_the_same_data_gives_the_same_bytes() -> None:
    counts = list(range(96))
    assert spike_chart(counts, [95], START, TZ) == spike_chart(counts, [95], START, TZ)


@pytest.mark.parametrize("counts", [[], [0] * 96, [10**9] * 3, list(range(100_000))], ids=["empty", "zeros", "huge-values", "huge-series"])
def test_no_series_breaks_it(counts: list[int]) -> None:
    png = spike_chart(counts, [len(counts) - 1, -5, 10**9], START, TZ)
    assert size(png) == (WIDTH, HEIGHT)


def test_a_huge_series_keeps_its_highlight() -> None:
    counts = [1] * 100_000
    cols = red_columns(spike_chart(counts, [99_999], START, TZ))
    assert cols.size > 0 and cols.min() > WIDTH * 0.9


def test_lines_chart_draws_at_most_five_lines() -> None:
    lines = [Line(f"list-{i}", tuple((i * k) % 7 for k in range(96))) for i in range(8)]
    png = lines_chart(lines, START, TZ, timedelta(minutes=15))
    assert size(png) == (WIDTH, HEIGHT)
    assert MAX_LINES == 5
    assert size(lines_chart([], START, TZ, timedelta(hours=1))) == (WIDTH, HEIGHT)
    assert size(lines_chart([Line("x", ())], START, TZ, timedelta(hours=1))) == (WIDTH, HEIGHT)
