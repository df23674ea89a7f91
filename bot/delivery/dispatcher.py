"""Delivering the outbox: claim chats, send their rows in order, record every outcome.

Limits are kept at three levels: a global rate per platform (shared out among
live replicas), a minimum gap per chat (``Sender.pacing``, stored in the
chat row so it holds across replicas and restarts), and whatever the
platform says (429 retry-after). Transient failures back off exponentially
on the chat, so later alerts wait behind the one being retried and order
within a chat is kept.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot.delivery.compose import Composer
from bot.delivery.membership import ChatLifecycle
from bot.delivery.ports import Address, DeliveryEvents, OutboxStore, Outcome, Sender
from bot.delivery.recorder import OutcomeRecorder
from bot.domain.sending import send_priority
from bot.domain.states import ChatKind, DeadLetterReason, OutboxKind, OutboxState, OutcomeKind
from bot.storage.records import ChatRecord, OutboxItem, OutcomeWrite

__all__ = ["Dispatcher", "DeliveryEvents", "DispatchPolicy"]

log = structlog.get_logger(__name__)

JOIN_HOLD = 1.5  # seconds past the others' next heartbeat before a joining replica sends (a window and a margin)
_LEASE_RAN_OUT = Outcome.retry("the chat's lease ran out while waiting for the send budget")


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    lease_seconds: float = 30.0
    max_backoff: float = 300.0
    give_up_after: float = 24 * 3600.0  # a transient failure older than this becomes 'failed'
    chats_per_round: int = 100  # at least; a faster budget claims ``round_seconds`` of its rate at once
    round_seconds: float = 3.0
    burst: int = 10  # rows one chat may send per claim
    record_linger: float = 0.25  # how long an outcome may wait for others' to share its commit
    refill_seconds: float = 1.0  # claim the next chats once less than this much of the rate is left queued
    refill_check: float = 0.2  # how often a full claim looks whether it is time to claim the next


class Dispatcher:
    def __init__(
        self, outbox: OutboxStore, lifecycle: ChatLifecycle, composer: Composer, senders: Mapping[str, Sender], *,
        owner: str, clock: Callable[[], datetime], policy: DispatchPolicy | None = None,
        events: DeliveryEvents | None = None,
    ) -> None:
        self.outbox, self.lifecycle, self.composer = outbox, lifecycle, composer
        self.senders = dict(senders)
        self.owner = owner
        self.clock = clock
        self.policy = policy or DispatchPolicy()
        self.events = events
        self._under_way: set[int] = set()  # rows being sent whose outcome is not yet queued for the recorder
        self._recorder = OutcomeRecorder(outbox.record_many, linger=self.policy.record_linger,
                                         busy=lambda: bool(self._under_way))
        self._replicas = 1
        self._joined_at: datetime | None = None  # when this replica may start sending (see ``set_replicas``)
        self._stopping = False
        self._inflight: set[asyncio.Task[tuple[Outcome, bool]]] = set()
        self._serving: set[int] = set()  # chats a round of this replica is serving now
        self._answered: dict[int, float] = {}  # per chat being served: when its last send was answered

    def stop(self) -> None:
        """Take no new work; rows being sent are still recorded (see ``quiesce``)."""
        self._stopping = True

    async def quiesce(self, timeout: float = 15.0) -> None:
        """Wait for sends in flight to be recorded, so none is repeated after a restart."""
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=timeout)

    def set_replicas(self, n: int) -> None:
        """Share each platform's global rate among the live replicas (replies draw on the same share).

        A replica that finds others live at its first count sends no outbox row until each of them has
        had a heartbeat that counted it (``JOIN_HOLD`` past a third of a lease: the heartbeat's period,
        then one send window for the slots they held): till then they may still send their old shares.
        """
        n = max(1, n)
        if self._joined_at is None:
            hold = max(2.0, self.policy.lease_seconds / 3) + JOIN_HOLD if n > 1 else 0.0
            self._joined_at = self.clock() + timedelta(seconds=hold)
        if n != self._replicas:
            self._replicas = n
            for sender in self.senders.values():
                sender.budget.set_rate(sender.global_rate / n)

    async def run_once(self, *, ops_only: bool = False) -> int:
        """One round: claim chats with due work and serve them concurrently; returns messages handled.

        A full claim is topped up while it is being served: once less than ``refill_seconds`` of
        sends are left waiting for the budget, the next chats are claimed, so a fan-out larger than
        one claim keeps the budget busy instead of pausing between claims.
        After ``stop()`` only ``ops_only`` rounds run (the last notice on the way out).
        """
        if self._stopping and not ops_only:
            return 0
        if not ops_only and self._joined_at is not None and self.clock() < self._joined_at:
            return 0  # joining: the others have not all shrunk their shares yet
        # No more chats than the budgets can serve in half a lease: a claim outliving its lease while
        # waiting for tokens would let another replica (or the next round) send the same rows.
        rate = sum(s.budget.rate for s in self.senders.values())
        wanted = max(self.policy.chats_per_round, int(rate * self.policy.round_seconds))
        most = max(1, int(rate * self.policy.lease_seconds / 2))
        limit = min(wanted, most)
        refill = rate * self.policy.refill_seconds
        serving: dict[asyncio.Task[int], ChatRecord] = {}
        finished: list[asyncio.Task[int]] = []
        all_done = asyncio.Event()  # set when no claimed chat is still being served

        def ended(task: asyncio.Task[int]) -> None:
            finished.append(task)
            self._serving.discard(serving[task].id)
            if len(finished) == len(serving):
                all_done.set()

        total, more = 0, True
        try:
            while True:
                # A top-up keeps what waits for the budget within half a lease, as one claim is.
                waiting = self._waiting() if serving else 0
                room = min(limit, most - waiting)
                if more and room > 0 and waiting < refill:
                    now = self.clock()
                    claimed = await self.outbox.claim_with_rows(
                        self.owner, now, room, self.policy.lease_seconds, platforms=list(self.senders),
                        ops_only=ops_only, rows_per_chat=self.policy.burst)
                    for chat, rows in claimed:
                        if chat.id in self._serving:  # already being served here (another round): its lease
                            continue                   # was only extended, and that round goes on with it
                        task = asyncio.get_running_loop().create_task(self._serve(chat, now, rows))
                        serving[task] = chat
                        self._serving.add(chat.id)
                        task.add_done_callback(ended)
                        all_done.clear()
                    more = len(claimed) == room and not ops_only  # a full claim: more may be due
                if len(finished) == len(serving):
                    for task in finished:
                        total += await self._served(serving[task], task)
                    return total
                try:
                    await asyncio.wait_for(all_done.wait(), self.policy.refill_check if more else None)
                except TimeoutError:
                    pass
                more = more and not self._stopping
        except BaseException:
            for task in serving:  # as gather would: the sends under way are still recorded (shielded)
                task.cancel()
            raise

    def _waiting(self) -> int:
        return sum(s.budget.waiting for s in self.senders.values())

    async def _served(self, chat: ChatRecord, task: asyncio.Task[int]) -> int:
        """A served chat's count of messages handled; a crash releases the chat for a later round."""
        exc = task.exception()
        if exc is None:
            return task.result()
        log.error("dispatch_crashed", chat=chat.id, error=repr(exc))
        await self.outbox.release_chat(chat.id, self.owner, self.clock() + timedelta(seconds=5))
        return 0

    def _lease_end(self, start: datetime) -> datetime:
        """When a lease taken or renewed at ``start`` must be treated as gone (a margin short of it)."""
        lease = self.policy.lease_seconds
        return start + timedelta(seconds=lease - max(0.5, lease / 5))

    async def _record(self, row_id: int, chat_id: int, owner: str, **outcome: Any) -> bool:
        """One outcome, committed together with the other chats' (``OutcomeRecorder``)."""
        self._under_way.discard(row_id)
        return await self._recorder.record(OutcomeWrite(row_id, chat_id, owner, **outcome))

    async def _serve(self, chat: ChatRecord, claimed_at: datetime, rows: list[OutboxItem]) -> int:
        sender = self.senders[chat.platform]
        lease_end = self._lease_end(claimed_at)
        pacing = sender.pacing(chat.kind)
        burst = max(1, min(self.policy.burst, int((self.policy.lease_seconds / 2) / max(pacing, 0.001))))
        handled = 0
        address_chat = chat.external_id
        rows = rows[:burst]
        released = False
        for i, row in enumerate(rows):
            if i and self._stopping and not chat.is_ops:
                break
            if i:  # the chat's gap counts from the last answer, not from when its outcome was committed
                answered = self._answered.pop(chat.id, None)
                wait = pacing if answered is None else pacing - (asyncio.get_running_loop().time() - answered)
                if wait > 0:
                    await asyncio.sleep(wait)
            # A send and its record are one step: cancelling between them would send it twice later.
            before = self.clock()
            last = i == len(rows) - 1  # its outcome releases the chat: no write of its own for that
            step = asyncio.get_running_loop().create_task(
                self._step(sender, chat, address_chat, row, pacing, lease_end, last))
            self._inflight.add(step)
            step.add_done_callback(self._inflight.discard)
            outcome, stop = await asyncio.shield(step)
            if outcome is _LEASE_RAN_OUT:
                break
            lease_end = self._lease_end(before)  # every recorded outcome renewed the lease after ``before``
            handled += 1
            if stop or last:
                released = True  # released by that outcome, or the lease is no longer ours
                break
        self._answered.pop(chat.id, None)
        if not released:
            await self._recorder.record(OutcomeWrite(None, chat.id, self.owner, set_next=False))
        return handled

    async def _step(self, sender: Sender, chat: ChatRecord, chat_ref: str, row: OutboxItem, pacing: float,
                    lease_end: datetime, last: bool) -> tuple[Outcome, bool]:
        """``_deliver``, counted as under way until its outcome is queued (the recorder lingers for it)."""
        self._under_way.add(row.id)
        try:
            return await self._deliver(sender, chat, chat_ref, row, pacing, lease_end, last)
        finally:
            if row.id in self._under_way:  # ended without recording (the lease ran out, or an error)
                self._under_way.discard(row.id)
                self._recorder.nudge()

    async def _deliver(self, sender: Sender, chat: ChatRecord, chat_ref: str, row: OutboxItem, pacing: float,
                       lease_end: datetime, last: bool) -> tuple[Outcome, bool]:
        """Send (or edit) one row and record it; returns (outcome, stop serving this chat now).

        The outcome of the ``last`` row of a claim also releases the chat's lease.
        """
        is_edit = row.state is OutboxState.SENT
        reply_to = str(row.payload.get("reply_to") or "") or None if row.kind is OutboxKind.FOLLOW else None
        address = Address(chat.platform, chat_ref, row.thread_id, chat.kind, reply_to)
        message = await self.composer.build(row, chat.platform, chat_ref)
        if message is None:
            held = await self._record(row.id, chat.id, self.owner, state=OutboxState.FAILED, now=self.clock(),
                                     next_send_at=None, error="story no longer stored", edited=is_edit,
                                     release=last, renew_until=self._renewal(self.clock(), last),
                                     reason=DeadLetterReason.MISSING)
            self._dead(chat, row, is_edit, DeadLetterReason.MISSING, "story no longer stored")
            return Outcome.failed("story no longer stored"), not held
        urgent = row.kind is OutboxKind.ALERT and bool(row.payload.get("urgent"))
        await sender.budget.acquire(send_priority(urgent=urgent, edit=is_edit))
        if self.clock() >= lease_end:  # the wait outlived the lease: the row stays for whoever holds it now
            sender.budget.release(used=False)
            return _LEASE_RAN_OUT, True
        try:
            if not is_edit:
                outcome = await sender.send(address, message)
            elif row.message_ref is None:
                outcome = Outcome.failed("sent without a message reference: nothing to edit")
            else:
                outcome = await sender.edit(address, row.message_ref, message)
        except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the row
            log.error("sender_crashed", platform=chat.platform, chat=chat.id, error=repr(exc))
            outcome = Outcome.retry(f"internal error: {type(exc).__name__}")
        finally:
            sender.budget.release()
        now = self.clock()
        self._answered[chat.id] = asyncio.get_running_loop().time()
        if self.events is not None:
            self.events.delivered(chat.platform, row, outcome, now)

        if outcome.migrate_to:
            await self.lifecycle.migrated(chat.platform, chat.external_id, outcome.migrate_to, ChatKind.SUPERGROUP)
            await self._record(row.id, chat.id, self.owner, state=None, now=now, next_send_at=now,
                                     error=outcome.error, release=True)
            return outcome, True

        renew = self._renewal(now, last)
        if outcome.kind is OutcomeKind.SENT:
            next_at = now + timedelta(seconds=pacing)
            held = await self._record(row.id, chat.id, self.owner, state=OutboxState.SENT, now=now, next_send_at=next_at,
                                     message_ref=outcome.message_ref, edited=is_edit, release=last,
                                     renew_until=renew)
            return outcome, not held

        if outcome.kind is OutcomeKind.RETRY:
            age = (now - row.created_at).total_seconds()
            if age > self.policy.give_up_after:
                held = await self._record(row.id, chat.id, self.owner, state=OutboxState.FAILED, now=now,
                                                next_send_at=now + timedelta(seconds=pacing),
                                                error=f"gave up after {int(age)}s: {outcome.error}", edited=is_edit,
                                                release=last, renew_until=renew, reason=DeadLetterReason.EXHAUSTED)
                self._dead(chat, row, is_edit, DeadLetterReason.EXHAUSTED, outcome.error or "")
                return outcome, not held
            if outcome.retry_after is not None:
                delay = float(outcome.retry_after)
            else:
                delay = min(self.policy.max_backoff, 2 ** min(int(row.attempts), 9)) * random.uniform(0.8, 1.2)
            next_at = now + timedelta(seconds=max(delay, pacing))
            await self._record(row.id, chat.id, self.owner, state=None, now=now, next_send_at=next_at,
                                     error=outcome.error, release=True)
            log.info("delivery_retry", platform=chat.platform, chat=chat.id, row=row.id, after=round(delay, 2),
                     error=outcome.error)
            return outcome, True

        if outcome.kind is OutcomeKind.GONE:
            await self._record(row.id, chat.id, self.owner, state=OutboxState.GONE, now=now, next_send_at=None,
                                     error=outcome.error, edited=is_edit, release=True)
            await self.lifecycle.gone(chat.platform, chat.external_id, outcome.error or "chat gone",
                                      name=chat.title or chat.external_id)
            return outcome, True

        held = await self._record(row.id, chat.id, self.owner, state=OutboxState.FAILED, now=now,
                                        next_send_at=now + timedelta(seconds=pacing), error=outcome.error,
                                        edited=is_edit, release=last, renew_until=renew,
                                        reason=DeadLetterReason.REFUSED)
        log.warning("delivery_failed", platform=chat.platform, chat=chat.id, row=row.id, error=outcome.error)
        self._dead(chat, row, is_edit, DeadLetterReason.REFUSED, outcome.error or "")
        return outcome, not held

    def _renewal(self, now: datetime, last: bool) -> datetime | None:
        """The lease an outcome renews: none for the last row (its outcome releases the chat)."""
        return None if last else now + timedelta(seconds=self.policy.lease_seconds)

    def _dead(self, chat: ChatRecord, row: OutboxItem, is_edit: bool, reason: DeadLetterReason, error: str) -> None:
        """A new alert closed as failed is a dead letter: tell the events (metrics, ops channel)."""
        if not is_edit and row.kind is OutboxKind.ALERT and self.events is not None:
            self.events.dead_letter(chat, row, reason, error)
