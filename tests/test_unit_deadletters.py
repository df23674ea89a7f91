"""Dead letters, the pure parts: /retry's arguments, the ops channel's one line per chat, the counted nouns."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.alerts.plural import ALERTS, ALERTS_GEN, counted
from bot.commands.context import UsageError
from bot.commands.deadletters import parse_retry_args, platform_cause
from bot.domain.alerting import OutboxDraft
from bot.domain.states import DeadLetterReason
from bot.ops.notices import OpsNotifier
from bot.storage.records import DestinationRef

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def test_retry_arguments() -> None:
    assert parse_retry_args("") is None and parse_retry_args("all") is None and parse_retry_args(" الكل ") is None
    assert parse_retry_args("12 #13، 12,14") == [12, 13, 14]
    for bad in ("all 12", "x", "12a", "#", "-3", " ".join(["1"] * 51)):
        with pytest.raises(UsageError):
            parse_retry_args(bad)


def test_counted_alerts() -> None:
    assert [counted(n, ALERTS) for n in (1, 2, 3, 11, 100)] == [
        "تنبيهاً واحداً", "تنبيهين", "3 تنبيهات", "11 تنبيهاً", "100 تنبيه"]
    assert counted(1, ALERTS_GEN) == "تنبيه واحد" and counted(12, ALERTS_GEN) == "12 تنبيهاً"


class _Ops:
    async def ops_destinations(self) -> list[DestinationRef]:
        return [DestinationRef(7, 3, "telegram", "-100", 0, "ops", True, True, None)]


class _Queue:
    def __init__(self) -> None:
        self.rows: list[OutboxDraft] = []

    async def enqueue_now(self, rows: Sequence[OutboxDraft]) -> int:
        self.rows.extend(rows)
        return len(rows)


def test_ops_hear_one_line_per_chat_however_many_letters_die() -> None:
    queue = _Queue()
    ops = OpsNotifier(_Ops(), queue, clock=lambda: NOW, feed_failures=3, backlog_threshold=100, min_interval=0,
                      replica="r1", scrub=lambda t: t.replace("SECRET", "***"))
    for _ in range(5):
        ops.dead_letter("telegram", "غرفة الأخبار", DeadLetterReason.REFUSED, "Bad Request SECRET")
    ops.dead_letter("slack", "newsroom", DeadLetterReason.EXHAUSTED, "")
    assert asyncio.run(ops.flush()) == 1
    lines = queue.rows[0].to_row()["payload"]["lines"]
    assert len(lines) == 2
    assert "5 تنبيهات" in lines[0] and "رفضته المنصة: Bad Request ***" in lines[0] and "/failed" in lines[0]
    assert "SECRET" not in lines[0]
    assert "تنبيه واحد" in lines[1] and "نفدت محاولات الإرسال" in lines[1] and "/newsbot failed" in lines[1]
    assert asyncio.run(ops.flush()) == 0  # said once


def test_audit_changes_name_only_what_changed() -> None:
    from bot.domain.audit import Change, changes

    before = {"enabled": True, "topics": ["nato"], "terms": [], "feeds": [], "muted_until": None}
    after = {**before, "topics": ["mine", "nato"], "terms": ["x"]}
    assert changes(before, after) == [Change("topics", ["nato"], ["mine", "nato"]), Change("terms", [], ["x"])]
    assert changes(None, before) == [Change("topics", [], ["nato"])]  # nothing set before: empty, enabled
    assert changes(before, before) == []


def test_a_source_is_silent_only_against_its_own_rhythm() -> None:
    from datetime import timedelta

    from bot.domain.freshness import is_silent, usual_gap

    every_10_min = [NOW - timedelta(minutes=10 * i) for i in range(6)]
    assert usual_gap(every_10_min) == 600 and usual_gap(every_10_min[:3]) is None
    assert is_silent(3 * 3600, 600) and not is_silent(3600, 600)  # the floor: two hours
    assert not is_silent(3 * 86400, 7 * 86400) and is_silent(30 * 86400, 7 * 86400)  # a weekly column
    assert not is_silent(None, 600) and not is_silent(10**6, None)


def test_the_daily_digest_is_due_once_its_local_time_has_passed() -> None:
    from datetime import time
    from zoneinfo import ZoneInfo

    from bot.ops.daily import due_day, parse_at

    riyadh = ZoneInfo("Asia/Riyadh")  # UTC+3: NOW (20:00 UTC) is 23:00 there
    assert parse_at("08:00") == time(8, 0) and parse_at(" off ") is None
    assert due_day(NOW, riyadh, time(22, 59)) == 20261201
    assert due_day(NOW, riyadh, time(23, 1)) is None
    assert due_day(NOW.replace(hour=21, minute=30), riyadh, time(0, 0)) == 20261202  # past midnight there
    assert due_day(NOW, riyadh, None) is None


@pytest.mark.parametrize(("error", "expected"), [
    ("Forbidden: bot was blocked by the user", "أوقف المستخدم البوت"),
    ("Bad Request: message thread not found", "حُذف موضوع المنتدى"),
    ("not_in_channel", "البوت ليس عضواً"),
    ("Bad Request: not enough rights to send text messages to the chat", "لا يملك البوت صلاحية"),
    ("Timed out", "تعذّر الوصول إلى المنصة"),
    ("Something nobody has seen", None),
    (None, None),
])
def test_platform_refusals_are_told_in_arabic_or_not_at_all(error: str | None, expected: str | None) -> None:
    cause = platform_cause(error)
    if expected is None:
        assert cause is None
    else:
        assert cause is not None and cause.startswith(expected) and not any("a" <= c <= "z" for c in cause)
