"""Per-host concurrency that adapts: more parallel requests to a fast, clean host, fewer to a slow or failing one.

A self-hosted RSSHub serves every feed from one host; a fixed 4 requests per
host makes 1,000 such feeds take 250 round trips a cycle. Each host gets an
:class:`AdaptiveLimit` instead, run like TCP congestion control (AIMD):

* it starts at ``initial`` (``NEWSBOT_FETCH_PER_HOST``) and, while every
  answer is clean and about as fast as the host's best, grows by one per
  answer (slow start: it doubles per round trip) up to ``ceiling``
  (``NEWSBOT_FETCH_PER_HOST_MAX``); past a first cut it grows by one per
  round trip only;
* an error that is the host's (timeout, connection failure, HTTP 429 or 5xx)
  halves it, and an answer much slower than the host's best takes a quarter
  off — at most once per round trip, so a burst of slow answers cuts once;
* it never goes below one.

The limit is a plain counter with a queue of waiters (an ``asyncio.Semaphore``
cannot change its size), every operation O(1).
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["AdaptiveLimit", "HostLimits"]

_SLOW_FACTOR = 4.0  # an answer this many times the host's best latency ...
_SLOW_MARGIN = 1.0  # ... and at least this many seconds over it is "slow"
_BEST_DECAY = 1.02  # the best latency drifts up by 2 % per answer, so one lucky answer does not rule for ever


class AdaptiveLimit:
    """A concurrency limit for one host, moved by the outcomes reported to it."""

    __slots__ = ("ceiling", "limit", "threshold", "inflight", "best", "_waiters", "_since_cut")

    def __init__(self, initial: int, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, initial), self.ceiling))
        self.threshold = float(self.ceiling)  # slow start until the first cut
        self.inflight = 0
        self.best: float | None = None
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._since_cut = 1 << 30  # the first error cuts at once

    @property
    def current(self) -> int:
        return max(1, int(self.limit))

    async def acquire(self) -> None:
        if self.inflight < self.current and not self._waiters:
            self.inflight += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.inflight -= 1  # granted just as we were cancelled: give the slot back
                self._wake()
            else:
                try:
                    self._waiters.remove(fut)
                except ValueError:
                    pass
            raise

    def release(self) -> None:
        self.inflight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.inflight < self.current:
            fut = self._waiters.popleft()
            if not fut.done():
                self.inflight += 1
                fut.set_result(None)

    def record(self, *, latency: float, host_error: bool) -> None:
        """One answer from the host: ``host_error`` for failures that are the host's, else its latency."""
        self._since_cut += 1
        if host_error:
            self._cut(0.5)
            return
        best = self.best
        self.best = latency if best is None else min(latency, best * _BEST_DECAY)
        if best is not None and latency > best * _SLOW_FACTOR and latency > best + _SLOW_MARGIN:
            self._cut(0.75)
            return
        if self.limit < self.threshold:
            self.limit = min(self.ceiling, self.limit + 1.0)
        else:
            self.limit = min(self.ceiling, self.limit + 1.0 / self.limit)
        self._wake()

    def _cut(self, factor: float) -> None:
        if self._since_cut < self.current:
            return  # already cut within this round trip
        self.limit = max(1.0, self.limit * factor)
        self.threshold = self.limit
        self._since_cut = 0


class HostLimits:
    """One :class:`AdaptiveLimit` per host name, created on first use."""

    def __init__(self, initial: int, ceiling: int) -> None:
        self.initial, self.ceiling = initial, max(initial, ceiling)
        self._hosts: dict[str, AdaptiveLimit] = {}

    def __getitem__(self, host: str) -> AdaptiveLimit:
        limit = self._hosts.get(host)
        if limit is None:
            limit = self._hosts[host] = AdaptiveLimit(self.initial, self.ceiling)
        return limit

    def snapshot(self) -> dict[str, int]:
        """Current limit per host (for /metrics)."""
        return {host: lim.current for host, lim in self._hosts.items()}
