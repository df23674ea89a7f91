"""One send budget per platform: an asyncio token bucket whose waiters are served by priority.

Everything the bot sends to a platform draws one token (alerts, command replies, edits, notices),
so together they stay under the platform's line. Tokens come back at ``rate`` a second, at most
``burst`` saved up. When several sends wait, the lowest ``SendPriority`` goes first (a reply to a
person, then an urgent alert, then the rest), first come first served within a priority.

Replicas sharing a bot token share its rate: ``set_rate`` is given this replica's share (the
dispatcher divides the configured rate by the live replicas it sees through the lease table).
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable

from bot.domain.sending import SendPriority

__all__ = ["SendBudget", "default_burst"]


def default_burst(rate: float) -> float:
    """Tokens a budget may save: 1/20 s of its rate (one message at Telegram's 30/s)."""
    return max(1.0, rate / 20.0)


class SendBudget:
    def __init__(self, rate: float, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("a send budget needs a positive rate")
        self._rate = float(rate)
        self._burst_fixed = burst
        self._burst = burst if burst is not None else default_burst(rate)
        self._clock = clock
        self._tokens = self._burst
        self._stamp = clock()
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._timer: asyncio.TimerHandle | None = None
        self.granted: dict[SendPriority, int] = dict.fromkeys(SendPriority, 0)

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def waiting(self) -> int:
        return sum(1 for _p, _s, fut in self._heap if not fut.done())

    def set_rate(self, rate: float) -> None:
        """A new rate (this replica's share); tokens saved so far are kept, up to the new burst."""
        if rate <= 0 or rate == self._rate:
            return
        self._refill(self._clock())
        self._rate = float(rate)
        self._burst = self._burst_fixed if self._burst_fixed is not None else default_burst(rate)
        self._tokens = min(self._tokens, self._burst)
        self._rearm()

    async def acquire(self, priority: SendPriority = SendPriority.ROUTINE) -> None:
        """Wait for one token; cancelling the wait gives back a token already granted."""
        if not self._heap and self._take(self._clock()):
            self.granted[priority] += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._heap, (int(priority), self._seq, fut))
        self._rearm()
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted, but the caller is gone: give it back
                self.refund()
            raise
        self.granted[priority] += 1

    def refund(self) -> None:
        """Give back a token that was not used after all."""
        self._tokens = min(self._burst, self._tokens + 1.0)
        self._rearm()

    # ------------------------------------------------------------ internals
    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def _take(self, now: float) -> bool:
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def _rearm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pump()

    def _pump(self) -> None:
        self._timer = None
        now = self._clock()
        while self._heap:
            fut = self._heap[0][2]
            if fut.done():  # its waiter was cancelled
                heapq.heappop(self._heap)
                continue
            if not self._take(now):
                delay = (1.0 - self._tokens) / self._rate
                self._timer = asyncio.get_running_loop().call_later(delay, self._pump)
                return
            heapq.heappop(self._heap)
            fut.set_result(None)
