"""One send budget per platform: at most ``rate`` sends in any second, waiters served by priority.

Everything the bot sends to a platform takes a slot (alerts, command replies, edits, notices), so
together they stay under the platform's line. A slot is held from the moment a send may start
until one ``window`` (1 s) after its answer came back: the platform saw the request somewhere
between those two instants, so any one-second window on the platform's clock can only contain
requests that all held a slot at the window's end — never more than ``rate``, however long
requests take or however unevenly they arrive. The price is that a send's own latency counts:
at 40 ms per call, 30 slots give ~29 sends a second.

When several sends wait, the lowest ``SendPriority`` goes first (a reply to a person, then an
urgent alert, then the rest), first come first served within a priority.

Replicas sharing a bot token share its rate: ``set_rate`` is given this replica's share (the
dispatcher divides the configured rate by the live replicas it sees through the lease table).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.domain.sending import SendPriority

__all__ = ["SendBudget", "ChannelPacer"]


class SendBudget:
    def __init__(self, rate: float, *, window: float = 1.0) -> None:
        if rate <= 0 or window <= 0:
            raise ValueError("a send budget needs a positive rate and window")
        self._window = window
        self._slots = self._slots_for(rate)
        self._busy = 0
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0
        self.granted: dict[SendPriority, int] = dict.fromkeys(SendPriority, 0)

    def _slots_for(self, rate: float) -> int:
        return max(1, int(rate * self._window + 1e-9))

    @property
    def rate(self) -> float:
        return self._slots / self._window

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def waiting(self) -> int:
        return sum(1 for _p, _s, fut in self._heap if not fut.done())

    def set_rate(self, rate: float) -> None:
        """A new rate (this replica's share); slots already held are returned as usual."""
        if rate > 0:
            self._slots = self._slots_for(rate)
            self._pump()

    async def acquire(self, priority: SendPriority = SendPriority.ROUTINE) -> None:
        """Wait for a slot; every acquire is paired with one ``release``."""
        if not self._heap and self._busy < self._slots:
            self._busy += 1
            self.granted[priority] += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._heap, (int(priority), self._seq, fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted, but the caller is gone: hand it on
                self.release(used=False)
            raise
        self.granted[priority] += 1

    def release(self, *, used: bool = True) -> None:
        """The send is over: its slot comes back one window from now (at once if nothing was sent)."""
        if used:
            asyncio.get_running_loop().call_later(self._window, self._free)
        else:
            self._free()

    @asynccontextmanager
    async def slot(self, priority: SendPriority = SendPriority.ROUTINE) -> AsyncIterator[None]:
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()

    def _free(self) -> None:
        self._busy -= 1
        self._pump()

    def _pump(self) -> None:
        while self._heap and self._busy < self._slots:
            _prio, _seq, fut = heapq.heappop(self._heap)
            if fut.done():  # its waiter was cancelled
                continue
            self._busy += 1
            fut.set_result(None)


class ChannelPacer:
    """About one send per ``interval`` to one channel, whichever path sends (alerts, replies, notes).

    A channel may take ``burst`` sends at once, then one per ``interval`` (Slack: ~1 a second per
    channel, short bursts tolerated); ``turn`` books the channel's next free instant and sleeps until
    then, so sends to a busy channel go out in the order they asked (the virtual-scheduling form of a
    token bucket). Call it before taking a budget slot where the wait can be long (replies), so a
    queue in one channel does not hold slots other channels could use.
    """

    def __init__(self, interval: float, *, burst: int = 2, clock: Callable[[], float] | None = None) -> None:
        if interval < 0 or burst < 1:
            raise ValueError("a channel pacer needs a non-negative interval and a burst of at least 1")
        self.interval = interval
        self.burst = burst
        self._clock = clock
        self._tat: dict[str, float] = {}  # per channel: when its bucket is full again

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def book(self, channel: str) -> float:
        """Seconds until this channel's next turn, which is now taken."""
        now = self._now()
        tat = max(now, self._tat.get(channel, now))
        at = max(now, tat - (self.burst - 1) * self.interval)
        self._tat[channel] = tat + self.interval
        if len(self._tat) > 10_000:  # forget channels whose bucket is full again
            self._tat = {c: t for c, t in self._tat.items() if t > now}
        return at - now

    async def turn(self, channel: str) -> None:
        wait = self.book(channel)
        if wait > 0:
            await asyncio.sleep(wait)
