"""Small PNG charts of story counts: one series with spike bins highlighted, or up to five lines.

Rendered headless with matplotlib's Agg canvas (no pyplot, no global state,
no display), at a fixed size and DPI with fixed metadata, so the same input
gives the same bytes. No Arabic text is drawn: the image carries only digits
and times (Latin digits, left to right), and every word goes in the caption,
where the chat platform shapes Arabic correctly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # matplotlib (with numpy and Pillow, ~40 MB) is imported by the first chart, not at start-up
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

__all__ = ["WIDTH", "HEIGHT", "MAX_LINES", "MAX_POINTS", "Line", "spike_chart", "lines_chart"]

WIDTH, HEIGHT, DPI = 800, 300, 100  # pixels
MAX_LINES = 5
MAX_POINTS = 400  # at least two pixels a bar; longer series are summed into this many buckets
BAR = "#8da9c4"
SPIKE = "#d1495b"
COLOURS = ("#2a6f97", "#d1495b", "#edae49", "#00798c", "#66a182")
_METADATA = {"Software": None}  # no version string: the bytes depend on the data only


@dataclass(frozen=True, slots=True)
class Line:
    """One labelled series; the label must be Latin (an id such as ``ceasefire``): no shaping here."""

    label: str
    counts: tuple[int, ...]


def _figure() -> tuple[Figure, FigureCanvasAgg]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    return fig, FigureCanvasAgg(fig)


def _png(fig: Figure, canvas: FigureCanvasAgg) -> bytes:
    out = BytesIO()
    fig.savefig(out, format="png", metadata=_METADATA, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _bucket(counts: Sequence[int], limit: int = MAX_POINTS) -> tuple[list[int], int]:
    """Sum neighbouring points so a huge series draws as at most ``limit`` bars; (points, factor)."""
    n = len(counts)
    if n <= limit:
        return [max(0, int(c)) for c in counts], 1
    factor = -(-n // limit)
    return [sum(max(0, int(c)) for c in counts[i:i + factor]) for i in range(0, n, factor)], factor


def _hours(ax: object, start: datetime, step: timedelta, n: int, tz: ZoneInfo) -> None:
    ticks = max(1, n // 6)
    positions = list(range(0, n, ticks))
    labels = [(start + step * i).astimezone(tz).strftime("%H:%M" if step < timedelta(hours=6) else "%m-%d")
              for i in positions]
    ax.set_xticks(positions, labels)  # type: ignore[attr-defined]


def _bars(ax: Any, xs: Sequence[int], heights: Sequence[int], colour: str) -> None:
    from matplotlib.collections import PolyCollection

    """Bars as one polygon collection (one artist instead of one patch per bar: many times faster)."""
    if not xs:
        return
    verts = [((x - 0.42, 0), (x - 0.42, h), (x + 0.42, h), (x + 0.42, 0)) for x, h in zip(xs, heights)]
    ax.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="none", antialiaseds=False))


def spike_chart(counts: Sequence[int], highlight: Sequence[int], start: datetime, tz: ZoneInfo,
                step: timedelta = timedelta(minutes=15)) -> bytes:
    """Bars of stories per bin (``start`` is the first bin's start), ``highlight`` bins in red; PNG bytes."""
    points, factor = _bucket(counts)
    marked = {i // factor for i in highlight if 0 <= i < len(counts)}
    fig, canvas = _figure()
    ax = fig.add_axes((0.06, 0.14, 0.92, 0.8))
    plain = [i for i, h in enumerate(points) if h and i not in marked]
    spiked = [i for i, h in enumerate(points) if h and i in marked]
    _bars(ax, plain, [points[i] for i in plain], BAR)
    _bars(ax, spiked, [points[i] for i in spiked], SPIKE)
    if points:
        _hours(ax, start, step * factor, len(points), tz)
        ax.set_xlim(-0.6, len(points) - 0.4)
    ax.set_ylim(0, max([*points, 1]) * 1.15)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig, canvas)


def lines_chart(lines: Sequence[Line], start: datetime, tz: ZoneInfo, step: timedelta) -> bytes:
    """Up to five lines (the first five given), a legend of their Latin labels; PNG bytes."""
    fig, canvas = _figure()
    ax = fig.add_axes((0.06, 0.14, 0.92, 0.8))
    top, n, factor = 1, 0, 1
    for colour, line in zip(COLOURS, lines[:MAX_LINES]):
        points, factor = _bucket(line.counts)
        n = max(n, len(points))
        top = max(top, *points) if points else top
        ax.plot(range(len(points)), points, color=colour, linewidth=1.8, label=line.label[:40])
    if n:
        _hours(ax, start, step * factor, n, tz)
        ax.set_xlim(0, max(1, n - 1))
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax.set_ylim(0, top * 1.15)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig, canvas)
