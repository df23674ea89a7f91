"""Flood limits for the chat-platform doubles: what Telegram and Slack answer 429 to.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about 30 messages a second overall, no more than one a second to one chat (short bursts pass), and
20 a minute to one group; paid broadcasts (``allow_paid_broadcast``) up to 1,000 a second. Slack
allows about one message a second per channel, with short bursts.

The limits are windows counted over messages that went through (a refused call does not count):

* a sliding window for the global and the group limits ("at most N in any T seconds");
* a token bucket for a private chat (``rate`` a second sustained, ``burst`` at once).

``FloodGate.check`` says which limit a message would break and the whole seconds to wait
(``retry_after``, at least 1, as Telegram says it); ``FloodGate.passed`` counts one that was sent.
Every refusal is kept in ``refusals`` so a test can say "no 429 was earned".
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FloodLimits", "FloodGate", "Refusal", "SLACK_LIMITS"]


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits by default; ``enabled=False`` switches them all off."""

    enabled: bool = True
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    paid_per_second: float = 1000.0  # allow_paid_broadcast=true


# Slack: ~1 message a second per channel (a short burst passes: a bucket of 3), and a workspace-wide
# window. Slack publishes no number for the latter ("several hundred a minute" draws a warning); the
# double holds 20 in any second, the bot's default SLACK_GLOBAL_RATE. Every channel is a "private"
# bucket here; group windows and paid broadcasts do not exist on Slack.
SLACK_LIMITS = FloodLimits(global_per_second=20.0, private_per_second=1.0, private_burst=3.0,
                           group_per_minute=1e9, paid_per_second=1e9)


@dataclass(frozen=True)
class Refusal:
    method: str
    chat: int | str
    limit: str  # "global", "paid", "chat", "group"
    retry_after: int
    at: float


class _Window:
    """At most ``limit`` events in any ``span`` seconds."""

    def __init__(self, limit: float, span: float) -> None:
        self.limit, self.span = limit, span
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[int(len(self.times) - self.limit)] + self.span - now

    def add(self, now: float) -> None:
        self.times.append(now)


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, burst, now

    def _fill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, now: float) -> float:
        self._fill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def add(self, now: float) -> None:
        self._fill(now)
        self.tokens -= 1.0


@dataclass
class FloodGate:
    limits: FloodLimits = field(default_factory=lambda: FloodLimits(enabled=False))
    clock: Callable[[], float] = time.monotonic
    refusals: list[Refusal] = field(default_factory=list)
    passed_count: int = 0

    def __post_init__(self) -> None:
        self.reset(self.limits)

    def reset(self, limits: FloodLimits) -> None:
        """New limits; what was counted so far is forgotten."""
        self.limits = limits
        self._global = _Window(limits.global_per_second, 1.0)
        self._paid = _Window(limits.paid_per_second, 1.0)
        self._chats: dict[int | str, _Bucket | _Window] = {}

    def _chat(self, chat: int | str, private: bool, now: float) -> _Bucket | _Window:
        gate = self._chats.get(chat)
        if gate is None:
            lim = self.limits
            gate = (_Bucket(lim.private_per_second, lim.private_burst, now) if private
                    else _Window(lim.group_per_minute, 60.0))
            self._chats[chat] = gate
        return gate

    def check(self, method: str, chat: int | str, *, private: bool, paid: bool = False) -> Refusal | None:
        """The limit this message would break now (recorded as a refusal), or None."""
        if not self.limits.enabled:
            return None
        now = self.clock()
        checks = (("paid", self._paid) if paid else ("global", self._global),
                  ("chat" if private else "group", self._chat(chat, private, now)))
        for name, gate in checks:
            wait = gate.wait(now)
            if wait > 0:
                refusal = Refusal(method, chat, name, max(1, math.ceil(wait)), now)
                self.refusals.append(refusal)
                return refusal
        return None

    def passed(self, chat: int | str, *, private: bool, paid: bool = False) -> None:
        self.passed_count += 1
        if not self.limits.enabled:
            return
        now = self.clock()
        self._global.add(now)  # a paid message still fills the free allowance, and the other way round
        self._paid.add(now)
        self._chat(chat, private, now).add(now)
