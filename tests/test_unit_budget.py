"""The send budget (bot/delivery/budget.py), reply retries (bot/delivery/replies.py), the priority
rule (bot/domain/sending.py) and the doubles' flood limits (tests/fakes/flood.py), against clocks
the tests move by hand."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.budget import ChannelPacer, SendBudget
from bot.delivery.ports import Outcome
from bot.delivery.replies import ReplyCourier
from bot.domain.sending import SendPriority, send_priority
from tests.fakes.flood import FloodGate, FloodLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"reply": True}, SendPriority.REPLY),
    ({"reply": True, "urgent": True}, SendPriority.REPLY),
    ({"urgent": True}, SendPriority.URGENT),
    ({"urgent": True, "edit": True}, SendPriority.ROUTINE),
    ({"edit": True}, SendPriority.ROUTINE),
    ({}, SendPriority.ROUTINE),
])
def test_a_person_first_then_urgent_alerts_then_the_rest(kwargs: dict[str, bool], expected: SendPriority) -> None:
    assert send_priority(**kwargs) is expected
    assert SendPriority.REPLY < SendPriority.URGENT < SendPriority.ROUTINE


async def _order(budget: SendBudget, waiters: list[tuple[str, SendPriority]]) -> list[str]:
    """Queue the waiters behind a held slot, then hand slots back one at a time."""
    order: list[str] = []

    async def one(name: str, prio: SendPriority) -> None:
        await budget.acquire(prio)
        order.append(name)

    tasks = [asyncio.create_task(one(n, p)) for n, p in waiters]
    await asyncio.sleep(0)
    assert order == [] and budget.waiting == len(waiters)
    for _ in waiters:
        budget.release(used=False)
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return order


async def test_waiters_are_served_by_priority_then_in_arrival_order() -> None:
    budget = SendBudget(1)
    await budget.acquire()  # the only slot is held: everyone below waits
    order = await _order(budget, [("alert1", SendPriority.ROUTINE), ("alert2", SendPriority.ROUTINE),
                                  ("urgent", SendPriority.URGENT), ("reply1", SendPriority.REPLY),
                                  ("reply2", SendPriority.REPLY)])
    assert order == ["reply1", "reply2", "urgent", "alert1", "alert2"]
    assert budget.granted[SendPriority.REPLY] == 2 and budget.granted[SendPriority.ROUTINE] == 3


async def test_a_slot_comes_back_one_window_after_the_send_not_before() -> None:
    budget = SendBudget(2, window=0.5)  # one slot per half second
    assert budget.rate == 2
    await budget.acquire()
    waiter = asyncio.create_task(budget.acquire())
    await asyncio.sleep(0)
    budget.release()  # sent: the platform may count it for one more window
    await asyncio.sleep(0)
    assert not waiter.done() and budget.busy == 1
    await asyncio.wait_for(waiter, timeout=10)
    assert budget.busy == 1 and budget.waiting == 0


async def test_rate_slots_are_whole_sends_per_window() -> None:
    assert SendBudget(27).rate == 27 and SendBudget(27.9).rate == 27 and SendBudget(0.5).rate == 1
    budget = SendBudget(3)
    for _ in range(3):
        await budget.acquire()
    assert budget.busy == 3
    fourth = asyncio.create_task(budget.acquire())
    await asyncio.sleep(0)
    assert not fourth.done()
    budget.set_rate(4)  # one replica fewer: a bigger share at once
    await asyncio.sleep(0)
    assert fourth.done() and budget.rate == 4


async def test_a_cancelled_waiter_leaves_its_place_to_the_next() -> None:
    budget = SendBudget(1)
    await budget.acquire()
    gone = asyncio.create_task(budget.acquire(SendPriority.REPLY))
    stays = asyncio.create_task(budget.acquire(SendPriority.ROUTINE))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    budget.release(used=False)
    await asyncio.sleep(0)
    assert gone.cancelled() and stays.done() and budget.waiting == 0 and budget.busy == 1


async def test_a_slot_granted_to_a_cancelled_waiter_is_handed_on() -> None:
    budget = SendBudget(1)
    await budget.acquire()
    first = asyncio.create_task(budget.acquire(SendPriority.REPLY))
    second = asyncio.create_task(budget.acquire(SendPriority.ROUTINE))
    await asyncio.sleep(0)
    budget.release(used=False)  # granted to ``first`` ...
    first.cancel()  # ... which is cancelled before it runs again
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert first.cancelled() and second.done() and budget.busy == 1


async def test_a_reply_waits_out_retry_after_then_is_sent() -> None:
    answers = [Outcome.retry("429", after=0.02), Outcome.retry("network"), Outcome.sent("7")]
    lost: list[tuple[str, str]] = []
    courier = ReplyCourier("telegram", SendBudget(1000), give_up_after=30, on_lost=lambda *a: lost.append(a))

    async def attempt() -> Outcome:
        return answers.pop(0)

    outcome = await asyncio.wait_for(courier.deliver(attempt, chat="1"), timeout=10)
    assert outcome.kind == "sent" and outcome.message_ref == "7" and not answers and lost == []


async def test_a_reply_refused_past_the_bound_is_counted_lost() -> None:
    lost: list[tuple[str, str]] = []
    courier = ReplyCourier("telegram", SendBudget(1000), give_up_after=1.0, on_lost=lambda *a: lost.append(a))
    calls = 0

    async def attempt() -> Outcome:
        nonlocal calls
        calls += 1
        return Outcome.retry("429", after=0.4)

    outcome = await courier.deliver(attempt, chat="1")
    assert outcome.kind == "retry" and lost == [("telegram", "timeout")] and 2 <= calls <= 3


async def test_a_reply_the_platform_will_never_take_is_lost_at_once() -> None:
    lost: list[tuple[str, str]] = []
    courier = ReplyCourier("telegram", SendBudget(1000), on_lost=lambda *a: lost.append(a))

    async def attempt() -> Outcome:
        return Outcome.gone("Forbidden: bot was blocked by the user")

    assert (await courier.deliver(attempt, chat="1")).kind == "gone"
    assert lost == [("telegram", "refused")]


def test_flood_gate_global_window() -> None:
    clock = Clock()
    gate = FloodGate(FloodLimits(global_per_second=30), clock=clock)
    for chat in range(30):
        assert gate.check("sendMessage", chat, private=True) is None
        gate.passed(chat, private=True)
    refusal = gate.check("sendMessage", 99, private=True)
    assert refusal is not None and refusal.limit == "global" and refusal.retry_after == 1
    clock.now += 1.0
    assert gate.check("sendMessage", 99, private=True) is None


def test_flood_gate_private_chat_burst_then_one_a_second() -> None:
    clock = Clock()
    gate = FloodGate(FloodLimits(), clock=clock)
    for _ in range(3):
        assert gate.check("sendMessage", 5, private=True) is None
        gate.passed(5, private=True)
    refusal = gate.check("sendMessage", 5, private=True)
    assert refusal is not None and refusal.limit == "chat"
    clock.now += 1.0
    assert gate.check("sendMessage", 5, private=True) is None


def test_flood_gate_group_twenty_a_minute() -> None:
    clock = Clock()
    gate = FloodGate(FloodLimits(), clock=clock)
    for _ in range(20):
        assert gate.check("sendMessage", -5, private=False) is None
        gate.passed(-5, private=False)
        clock.now += 0.5
    refusal = gate.check("sendMessage", -5, private=False)
    assert refusal is not None and refusal.limit == "group" and refusal.retry_after == 50
    clock.now += 50
    assert gate.check("sendMessage", -5, private=False) is None


def test_flood_gate_paid_broadcast_raises_the_line_and_off_means_off() -> None:
    clock = Clock()
    gate = FloodGate(FloodLimits(), clock=clock)
    for chat in range(1000):
        assert gate.check("sendMessage", chat, private=True, paid=True) is None
        gate.passed(chat, private=True, paid=True)
    assert gate.check("sendMessage", 5000, private=True, paid=True) is not None
    assert gate.check("sendMessage", 5001, private=True) is not None  # the free line is long passed
    off = FloodGate(FloodLimits(enabled=False), clock=clock)
    for _ in range(100):
        assert off.check("sendMessage", 1, private=True) is None
        off.passed(1, private=True)
    assert len(gate.refusals) == 2 and off.refusals == []


def test_channel_pacer_lets_a_burst_through_then_one_per_interval_each_channel_apart() -> None:
    clock = Clock()
    pacer = ChannelPacer(1.0, burst=2, clock=clock)
    assert [pacer.book("C1") for _ in range(5)] == [0.0, 0.0, 1.0, 2.0, 3.0]  # in the order asked
    assert pacer.book("C2") == 0.0  # another channel is not held up
    clock.now += 10  # a quiet channel has its burst back
    assert [pacer.book("C1") for _ in range(3)] == [0.0, 0.0, 1.0]
    assert ChannelPacer(0.0, clock=clock).book("C1") == 0.0
    with pytest.raises(ValueError):
        ChannelPacer(-1.0)


async def test_a_paced_reply_waits_its_channel_turn_before_taking_a_slot() -> None:
    budget = SendBudget(10)
    order: list[str] = []

    async def pace() -> None:
        order.append("pace")

    async def attempt() -> Outcome:
        order.append(f"send busy={budget.busy}")
        return Outcome.sent("1")

    courier = ReplyCourier("slack", budget, give_up_after=5)
    assert (await courier.deliver(attempt, chat="C1", pace=pace)).message_ref == "1"
    assert order == ["pace", "send busy=1"]
