"""Is a source quiet for longer than usual? Pure: from the times of its recent stories and the clock.

A feed's rhythm is the median gap between its recent stories (by publication
time). It is *silent* when its newest story is older than ``SILENT_FACTOR``
times that gap, and at least ``SILENT_FLOOR`` seconds old — so a wire that
files every five minutes is flagged after a quiet hour or two, a weekly
column only after weeks, and nothing is flagged before its rhythm is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import median

__all__ = ["usual_gap", "is_silent", "SILENT_FACTOR", "SILENT_FLOOR", "MIN_STORIES"]

SILENT_FACTOR = 4.0
SILENT_FLOOR = 2 * 3600.0
MIN_STORIES = 4  # three gaps before a rhythm is believed


def usual_gap(times: Sequence[datetime]) -> float | None:
    """Median seconds between consecutive stories (any order in, newest few used); None when too few."""
    ordered = sorted(times, reverse=True)
    if len(ordered) < MIN_STORIES:
        return None
    gaps = [(a - b).total_seconds() for a, b in zip(ordered, ordered[1:])]
    return max(0.0, median(gaps))


def is_silent(last_story_age: float | None, usual: float | None) -> bool:
    """Whether the newest story is much older than the feed's rhythm says it should be."""
    if last_story_age is None or usual is None:
        return False
    return last_story_age > max(SILENT_FACTOR * usual, SILENT_FLOOR)
