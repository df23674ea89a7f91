"""The Sender's outcome mapping, through a real PTB Bot against the fake Bot API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.adapters.telegram.render import Rendered
from bot.adapters.telegram.sender import GROUP_PACING, PRIVATE_PACING, TelegramSender
from bot.adapters.telegram.transport import AiohttpRequest
from bot.delivery.ports import Address, Notice
from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST"
USER, GROUP, FORUM, CHANNEL = 1001, -4001, -1003001, -1004001
NOTICE = Notice("تنبيه", ("سطر",))


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(TOKEN) as api:
        api.add_chat(USER, "private", "Ali")
        api.add_chat(GROUP, "group", "Group")
        api.add_chat(FORUM, "supergroup", "Forum", is_forum=True)
        api.add_chat(CHANNEL, "channel", "Alerts", username="alerts_ch")
        yield api


@pytest.fixture
async def sender(fake: FakeTelegramAPI) -> AsyncIterator[TelegramSender]:
    request = AiohttpRequest(read_timeout=0.5, connect_timeout=1.0)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        yield TelegramSender(bot, global_rate=25.0, token=TOKEN)


def to(chat: int | str, thread: int = 0, kind: str = "private") -> Address:
    return Address("telegram", str(chat), thread, kind)


async def test_pacing_and_rate(sender: TelegramSender) -> None:
    assert sender.pacing("private") == PRIVATE_PACING == 1.0
    for kind in ("group", "supergroup", "channel", "ops"):
        assert sender.pacing(kind) == GROUP_PACING == 3.0
    assert sender.global_rate == 25.0


async def test_sent_with_message_id_thread_and_channel_username(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    out = await sender.send(to(USER), NOTICE)
    assert out.kind == "sent" and out.message_ref == str(fake.sent[-1].message_id)
    out = await sender.send(to(FORUM, 42, "supergroup"), NOTICE)
    assert out.kind == "sent" and fake.sent[-1].message_thread_id == 42
    out = await sender.send(to("@alerts_ch", 0, "channel"), NOTICE)
    assert out.kind == "sent" and fake.sent[-1].chat_id == CHANNEL
    assert fake.sent[-1].link_preview_options == {"is_disabled": True}


@pytest.mark.parametrize(("error", "kind"), [
    ("403_blocked", "gone"), ("403_kicked", "gone"), ("400_not_found", "gone"),
    ("500", "retry"), ("502", "retry"),
])
async def test_error_outcomes(fake: FakeTelegramAPI, sender: TelegramSender, error: str, kind: str) -> None:
    fake.fail_next("sendMessage", error=error)
    out = await sender.send(to(USER), NOTICE)
    assert out.kind == kind, out
    assert out.error and TOKEN not in out.error
    assert fake.sent == []


async def test_retry_after_and_migration(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", error="429", retry_after=7)
    out = await sender.send(to(USER), NOTICE)
    assert (out.kind, out.retry_after) == ("retry", 7.0)
    fake.fail_next("sendMessage", error="400_migrated", migrate_to_chat_id=-1009999)
    out = await sender.send(to(GROUP, 0, "group"), NOTICE)
    assert (out.kind, out.migrate_to) == ("retry", "-1009999")


async def test_timeout_is_retry(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", error="timeout", delay=1.0)
    started = time.monotonic()
    out = await sender.send(to(USER), NOTICE)
    assert out.kind == "retry" and "TimedOut" in (out.error or "")
    assert time.monotonic() - started < 1.0


async def test_bad_requests(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    out = await sender.send(to(GROUP, 5, "group"), NOTICE)  # not a forum: no such thread
    assert out.kind == "failed" and "thread not found" in (out.error or "").lower()
    out = await sender.edit(to(USER), "999", NOTICE)
    assert out.kind == "failed" and "to edit not found" in (out.error or "").lower()


async def test_edit_and_not_modified(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    first = await sender.send(to(USER), NOTICE)
    assert first.message_ref
    out = await sender.edit(to(USER), first.message_ref, Notice("تنبيه", ("سطر جديد",)))
    assert (out.kind, out.message_ref) == ("sent", first.message_ref)
    assert fake.edits[-1].plain_text == "تنبيه\nسطر جديد"
    again = await sender.edit(to(USER), first.message_ref, Notice("تنبيه", ("سطر جديد",)))
    assert (again.kind, again.message_ref) == ("sent", first.message_ref)
    assert len(fake.edits) == 1


async def test_unparsable_html_is_resent_once_as_plain_text(fake: FakeTelegramAPI, sender: TelegramSender) -> None:
    out = await sender.post(str(USER), 0, Rendered("<b>عاجل", "عاجل"))
    assert out.kind == "sent"
    [msg] = fake.sent
    assert (msg.text, msg.parse_mode) == ("عاجل", None)
    calls = [c for c in fake.calls if c[0] == "sendMessage"]
    assert [c[1].get("parse_mode") for c in calls] == ["HTML", None]
    # If the plain resend fails too, that outcome is reported (here: too long).
    fake.calls.clear()
    out = await sender.post(str(USER), 0, Rendered("<i>" + "x" * 5000, "x" * 5000))
    assert out.kind == "failed" and "too long" in (out.error or "")
    assert [c[1].get("parse_mode") for c in fake.calls if c[0] == "sendMessage"] == ["HTML", None]


def test_retry_after_as_int_or_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dtm
    import warnings

    from telegram.error import RetryAfter

    from bot.adapters.telegram.sender import retry_seconds

    assert retry_seconds(RetryAfter(dtm.timedelta(seconds=3))) == 3.0
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = RetryAfter(5)  # PTB itself warns when an int is passed in
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # our reading of it must not warn either way
        assert retry_seconds(legacy) == 5.0
