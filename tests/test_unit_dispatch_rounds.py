"""A fan-out larger than one claim keeps the send budget busy (bot/delivery/dispatcher.py): the next
chats are claimed while the last ones of a claim are still waiting for the budget, not after."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery.budget import SendBudget
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, DispatchPolicy
from bot.delivery.membership import ChatLifecycle
from bot.delivery.ports import Address, Message, Outcome
from bot.domain.states import OutboxKind, OutboxState
from bot.storage.records import ChatRecord, OutboxItem, OutcomeWrite

T0 = datetime(2026, 12, 1, tzinfo=UTC)


class Outbox:
    """Chats with one pending notice each; a claim hands out the next unleased ones."""

    def __init__(self, chats: int) -> None:
        self.pending = list(range(1, chats + 1))
        self.claims: list[tuple[int, int]] = []  # (chats claimed, sends done before the claim)
        self.sent: list[int] = []
        self.recorded: list[int] = []

    async def claim_with_rows(self, owner: str, now: datetime, limit: int, lease_s: float,
                              platforms: Sequence[str], ops_only: bool = False, rows_per_chat: int = 10,
                              ) -> list[tuple[ChatRecord, list[OutboxItem]]]:
        take, self.pending = self.pending[:limit], self.pending[limit:]
        self.claims.append((len(take), len(self.sent)))
        return [(ChatRecord(c, "test", str(c), "private", None, True, False, None),
                 [OutboxItem(c, c, c, None, OutboxKind.OPS, f"n{c}", {"title": "تنبيه", "lines": []},
                             OutboxState.PENDING, 0, now, None, None, 0)]) for c in take]

    async def record_many(self, writes: Sequence[OutcomeWrite]) -> list[bool]:
        self.recorded.extend(w.chat_id for w in writes)
        return [True] * len(writes)

    async def release_chat(self, chat_id: int, owner: str, next_send_at: datetime | None = None) -> None:
        raise AssertionError("no chat should crash here")


class Sender:
    platform = "test"

    def __init__(self, outbox: Outbox, rate: float) -> None:
        self.global_rate = rate
        self.budget = SendBudget(rate, window=0.05)  # many short windows: a test of seconds, not minutes
        self.outbox = outbox

    def pacing(self, chat_kind: str) -> float:
        return 0.0

    async def send(self, to: Address, message: Message) -> Outcome:
        await asyncio.sleep(0)
        self.outbox.sent.append(int(to.chat))
        return Outcome.sent(f"m{to.chat}")

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome:
        raise AssertionError("no edits here")


def dispatcher(outbox: Outbox, sender: Sender, **policy: Any) -> Dispatcher:
    composer = Composer(None, None, ZoneInfo("UTC"))  # type: ignore[arg-type]  # notices read no story
    return Dispatcher(outbox, ChatLifecycle(None), composer, {"test": sender}, owner="me",  # type: ignore[arg-type]
                      clock=lambda: T0, policy=DispatchPolicy(**policy))


async def test_a_full_claim_is_topped_up_before_it_runs_dry() -> None:
    outbox = Outbox(chats=250)
    sender = Sender(outbox, rate=200.0)  # 10 slots a 50 ms window: 200 sends a second
    d = dispatcher(outbox, sender, chats_per_round=100, round_seconds=0.0, refill_seconds=0.2,
                   refill_check=0.01)
    handled = await asyncio.wait_for(d.run_once(), timeout=30)
    assert handled == 250
    assert sorted(outbox.sent) == list(range(1, 251)) and sorted(outbox.recorded) == list(range(1, 251))
    sizes = [n for n, _ in outbox.claims]
    assert sizes[:3] == [100, 100, 50]
    # Each later claim came while the one before still had sends to make (it is a pipeline), and
    # the last, short claim ends the topping up: no claim after it.
    for (_, before), limit in zip(outbox.claims[1:], (100, 200), strict=False):
        assert 0 < before < limit
    assert len(outbox.claims) == 3


async def test_a_claim_that_is_not_full_is_served_out_without_another() -> None:
    outbox = Outbox(chats=30)
    d = dispatcher(outbox, Sender(outbox, rate=200.0), chats_per_round=100, round_seconds=0.0)
    assert await asyncio.wait_for(d.run_once(), timeout=30) == 30
    assert outbox.claims == [(30, 0)]
    assert await d.run_once() == 0


async def test_a_cancelled_round_claims_no_more_and_finishes_the_sends_it_began() -> None:
    outbox = Outbox(chats=300)
    sender = Sender(outbox, rate=200.0)  # a claim of 100 takes half a second
    d = dispatcher(outbox, sender, chats_per_round=100, round_seconds=0.0, refill_seconds=0.2,
                   refill_check=0.01)
    task = asyncio.create_task(d.run_once())
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(outbox.sent) < 100
    await d.quiesce(timeout=10)
    assert len(outbox.claims) == 1  # no top-up once the round is cancelled
    # Each claimed row's send-and-record step is shielded: what was claimed is sent once and recorded.
    assert sorted(outbox.sent) == list(range(1, 101))
    assert sorted(outbox.recorded) == sorted(outbox.sent)


class SlowCommits(Outbox):
    """One chat with several rows; every commit takes a while."""

    def __init__(self, rows: int, commit: float) -> None:
        super().__init__(chats=1)
        self.rows, self.commit = rows, commit

    async def claim_with_rows(self, owner: str, now: datetime, limit: int, lease_s: float,
                              platforms: Sequence[str], ops_only: bool = False, rows_per_chat: int = 10,
                              ) -> list[tuple[ChatRecord, list[OutboxItem]]]:
        [(chat, [row])] = await super().claim_with_rows(owner, now, limit, lease_s, platforms, ops_only)
        return [(chat, [OutboxItem(i, row.destination_id, chat.id, None, OutboxKind.OPS, f"n{i}", row.payload,
                                   OutboxState.PENDING, 0, now, None, None, 0) for i in range(1, self.rows + 1)])]

    async def record_many(self, writes: Sequence[OutcomeWrite]) -> list[bool]:
        await asyncio.sleep(self.commit)
        return await super().record_many(writes)


class TimedSender(Sender):
    def __init__(self, outbox: Outbox, pacing: float) -> None:
        super().__init__(outbox, rate=200.0)
        self.gap, self.times = pacing, []

    def pacing(self, chat_kind: str) -> float:
        return self.gap

    async def send(self, to: Address, message: Message) -> Outcome:
        self.times.append(asyncio.get_running_loop().time())
        return await super().send(to, message)


async def test_a_chats_gap_counts_from_its_last_answer_not_from_the_commit() -> None:
    outbox = SlowCommits(rows=4, commit=0.15)
    sender = TimedSender(outbox, pacing=0.3)
    d = dispatcher(outbox, sender, chats_per_round=100, round_seconds=0.0)
    assert await asyncio.wait_for(d.run_once(), timeout=30) == 4
    gaps = [b - a for a, b in zip(sender.times, sender.times[1:])]
    assert len(gaps) == 3
    assert all(g >= 0.3 for g in gaps), gaps  # never closer than the chat's pacing
    assert all(g < 0.3 + 0.15 for g in gaps), gaps  # the commit's time is inside the gap, not added to it
