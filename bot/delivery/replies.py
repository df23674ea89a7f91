"""Command replies through the platform's send budget: a person's answer waits out a 429, bounded.

A reply is not an outbox row (it answers someone now, not later), but it draws on the same
budget as the alerts, first in line. A refusal the platform says will pass (429 retry-after, a
network error, a 5xx) is retried after the wait it names (or a short backoff) until
``give_up_after`` seconds have gone by since the reply was first tried; only then, or on a
refusal no wait can fix (chat gone, message refused), is the reply lost, and ``on_lost`` hears
of it (the ``newsbot_replies_lost`` counter).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

from bot.delivery.budget import SendBudget
from bot.delivery.ports import Outcome
from bot.domain.sending import SendPriority
from bot.domain.states import OutcomeKind

__all__ = ["ReplyCourier", "REPLY_GIVE_UP", "LostHook"]

log = structlog.get_logger(__name__)

REPLY_GIVE_UP = 60.0  # seconds; NEWSBOT_REPLY_GIVE_UP
_MAX_BACKOFF = 8.0

LostHook = Callable[[str, str], None]  # (platform, reason: "timeout" | "refused")


class ReplyCourier:
    def __init__(self, platform: str, budget: SendBudget, *, give_up_after: float = REPLY_GIVE_UP,
                 on_lost: LostHook | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.platform = platform
        self.budget = budget
        self.give_up_after = give_up_after
        self.on_lost = on_lost
        self.clock = clock

    async def deliver(self, attempt: Callable[[], Awaitable[Outcome]], *, chat: str,
                      pace: Callable[[], Awaitable[None]] | None = None) -> Outcome:
        """Send with ``attempt`` (one API call) until it is sent or the reply is given up.

        ``pace`` (the channel's turn, on Slack) is awaited before each try, within the bound.
        """
        deadline = self.clock() + self.give_up_after
        backoff = 1.0
        tries = 0
        while True:
            try:
                async with asyncio.timeout(max(0.0, deadline - self.clock())):
                    if pace is not None:
                        await pace()
                    await self.budget.acquire(SendPriority.REPLY)
            except TimeoutError:
                return self._lost(chat, "timeout", Outcome.retry("no send budget in time"), tries)
            tries += 1
            try:
                outcome = await attempt()
            finally:
                self.budget.release()
            if outcome.kind is OutcomeKind.SENT:
                return outcome
            if outcome.kind is not OutcomeKind.RETRY or outcome.migrate_to:
                return self._lost(chat, "refused", outcome, tries)
            wait = outcome.retry_after if outcome.retry_after is not None else backoff
            backoff = min(_MAX_BACKOFF, backoff * 2)
            if self.clock() + wait > deadline:
                return self._lost(chat, "timeout", outcome, tries)
            log.info("reply_retry", platform=self.platform, chat=chat, after=wait, error=outcome.error)
            await asyncio.sleep(wait)

    def _lost(self, chat: str, reason: str, outcome: Outcome, tries: int) -> Outcome:
        log.warning("reply_lost", platform=self.platform, chat=chat, reason=reason, tries=tries,
                    outcome=str(outcome.kind), error=outcome.error)
        if self.on_lost is not None:
            self.on_lost(self.platform, reason)
        return outcome
