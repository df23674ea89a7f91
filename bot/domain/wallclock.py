"""Local wall-clock times turned into instants, once, with the DST rules written down.

Quiet hours and digest times are wall-clock times in the chat's zone; the
policy compares instants. Every conversion goes through ``at_local`` so the
two DST corner cases have one answer each:

* a **nonexistent** local time (the spring-forward gap: 01:30 on Europe/London's
  last Sunday of March) becomes the first instant after the gap (02:00 BST,
  01:00 UTC): "it moves forward to when the clocks resume";
* an **ambiguous** local time (the fall-back repeat: 01:30 on the last Sunday
  of October) is its first occurrence (01:30 BST, 00:30 UTC): it happens once.

A quiet window on local date D is ``[at_local(D, start), at_local(D', end))``
with D' = D + 1 when it spans midnight, so membership and the window's end
always agree (a window can shrink, or vanish, on a spring-forward day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["at_local", "local_date", "quiet_window_at", "next_time_after"]


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def at_local(day: date, t: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``t`` on ``day`` in ``tz`` (see the module for DST)."""
    wall = datetime.combine(day, t.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=tz)  # fold=0: the earlier offset (first occurrence; before a gap)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == wall:
        return utc
    # In a gap: ``utc`` lies after the transition; the offset after it maps ``wall`` before.
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = utc
    if lo > hi:
        lo, hi = hi, lo
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):  # the first second carrying the post-gap offset
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def quiet_window_at(moment: datetime, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The quiet window [start, end) (UTC) that contains ``moment``, or None outside quiet hours."""
    today = local_date(moment, tz)
    spans = end <= start
    for day in (today - timedelta(days=1), today):
        lo = at_local(day, start, tz)
        hi = at_local(day + timedelta(days=1) if spans else day, end, tz)
        if lo <= moment < hi:
            return lo, hi
    return None


def next_time_after(moment: datetime, times: tuple[time, ...], tz: ZoneInfo) -> datetime:
    """The first instant strictly after ``moment`` at which one of the local ``times`` falls."""
    today = local_date(moment, tz)
    best: datetime | None = None
    for offset in (-1, 0, 1, 2):
        day = today + timedelta(days=offset)
        for t in times:
            when = at_local(day, t, tz)
            if when > moment and (best is None or when < best):
                best = when
    if best is None:
        raise ValueError("no times given")
    return best
