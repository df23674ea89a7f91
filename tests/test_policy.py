"""The delivery policy, table-driven: every (active, enabled, muted) case before, at and after now, per tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.policy import Action, AlertFacts, Decision, DestinationSettings, Tier, decide

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BEFORE, AFTER = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)

SEND = Decision(Action.SEND)

# (active, enabled, muted_until) -> the decision at NOW
CASES: list[tuple[bool, bool, datetime | None, Decision]] = [
    (True, True, None, SEND),
    (True, True, BEFORE, SEND),  # the mute is over
    (True, True, NOW, SEND),  # it ends exactly now
    (True, True, AFTER, Decision(Action.DROP, "muted", AFTER)),
    (True, False, None, Decision(Action.DROP, "paused")),
    (True, False, BEFORE, Decision(Action.DROP, "paused")),
    (True, False, AFTER, Decision(Action.DROP, "paused")),  # paused wins over muted
    (False, True, None, Decision(Action.DROP, "gone")),
    (False, True, AFTER, Decision(Action.DROP, "gone")),  # gone wins over everything
    (False, False, None, Decision(Action.DROP, "gone")),
    (False, False, AFTER, Decision(Action.DROP, "gone")),
]


@pytest.mark.parametrize("tier", list(Tier))
@pytest.mark.parametrize(("active", "enabled", "muted_until", "expected"), CASES)
def test_decide(tier: Tier, active: bool, enabled: bool, muted_until: datetime | None, expected: Decision) -> None:
    dest = DestinationSettings(enabled=enabled, active=active, muted_until=muted_until)
    decision = decide(AlertFacts(tier), dest, NOW)
    assert (decision.action, decision.reason, decision.until) == (expected.action, expected.reason, expected.until)
    assert decision.delivers is (expected.action is not Action.DROP)


def test_the_defaults_send_a_normal_alert() -> None:
    assert AlertFacts().tier is Tier.NORMAL
    assert decide(AlertFacts(), DestinationSettings(), NOW) == SEND


def test_only_drop_means_no_row() -> None:
    assert {a: Decision(a).delivers for a in Action} == {
        Action.SEND: True, Action.SEND_SILENT: True, Action.HOLD: True, Action.DROP: False}


def test_a_mute_is_judged_against_the_clock_given() -> None:
    dest = DestinationSettings(muted_until=AFTER)
    assert decide(AlertFacts(), dest, NOW).action is Action.DROP
    assert decide(AlertFacts(), dest, AFTER) == SEND
    assert decide(AlertFacts(), dest, AFTER + timedelta(microseconds=1)) == SEND
