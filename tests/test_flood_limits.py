"""Telegram end to end with the Bot API double enforcing Telegram's flood limits (~30/s overall,
1/s per private chat, 20/minute per group): every reply answered, alerts and replies together
under the line, a reply that meets a 429 waits it out, and one given up is counted in /metrics."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import aiohttp

from bot.app import NewsBot
from tests.fakes.flood import FloodLimits
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import USER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

HELP_MARK = "/subscribe"  # every /start and /help answer lists the commands


def answers(fake: FakeTelegramAPI, chats: range) -> Counter[int]:
    wanted = set(chats)
    return Counter(m.chat_id for m in fake.sent if m.chat_id in wanted and HELP_MARK in m.plain_text)


async def subscribers(bot: NewsBot, fake: FakeTelegramAPI, chats: range, watchlist: str = "nato") -> None:
    """Private chats already subscribed (as /subscribe would leave them), without 300 replies to wait for."""
    now = datetime.now(UTC)
    for chat in chats:
        fake.add_chat(chat, "private", f"قارئ {chat}")
        dest = await bot.chats.ensure_destination("telegram", str(chat), "private", title=f"قارئ {chat}", now=now)
        await bot.chats.subscribe(dest.id, [watchlist], now)


async def test_a_burst_of_150_start_commands_gets_150_answers_none_twice(env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_flood_limits(FloodLimits())
    bot = await env.start()
    await env.polling(bot)
    users = range(20_001, 20_151)
    for user in users:  # all within a few milliseconds: far beyond 30 a second
        fake.push_message(user, user, "/start")
    done = await wait_until(lambda: len(answers(fake, users)) == len(users), timeout=90,
                            what="an answer to every /start",
                            detail=lambda: f"{len(answers(fake, users))} answered, {fake.flood_refusals} refused")
    assert done
    counts = answers(fake, users)
    assert set(counts.values()) == {1}, "someone was answered twice"
    # Had any of them met a 429 (none should: see the next test), it waited and was sent, never lost.
    assert bot.metrics.replies_lost.labels("telegram", "timeout")._value.get() == 0


async def test_help_during_a_300_chat_fan_out_is_answered_before_the_fan_out_ends(
        env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_flood_limits(FloodLimits())
    bot = await env.start()
    await env.polling(bot)
    chats = range(30_001, 30_301)
    await subscribers(bot, fake, chats)
    env.publish("قمة حلف الناتو تبدأ اليوم في لاهاي")
    fan_out = asyncio.create_task(bot.tick(timeout=120))

    def delivered() -> int:
        return sum(len(alerts(fake, c)) for c in chats)

    await wait_until(lambda: delivered() >= 30, timeout=60, what="the fan-out to get going")
    asker, latecomers = 40_001, range(40_101, 40_131)
    fake.push_message(asker, asker, "/help")
    for user in latecomers:  # more people at the same moment: replies and alerts share one budget
        fake.push_message(user, user, "/start")
    reply: SentMessage = (await wait_until(
        lambda: [m for m in fake.messages_to(asker) if HELP_MARK in m.plain_text], timeout=60,
        what="the /help answer"))[0]
    alerts_before_reply = sum(1 for c in chats for a in alerts(fake, c) if a.time <= reply.time)
    assert alerts_before_reply < len(chats), "the /help answer waited for the whole fan-out"
    await asyncio.wait_for(fan_out, timeout=120)
    await wait_until(lambda: len(answers(fake, latecomers)) == len(latecomers), timeout=60,
                     what="the other answers")
    assert Counter(len(alerts(fake, c)) for c in chats) == {1: len(chats)}, "an alert missing or sent twice"
    assert "الناتو" in alerts(fake, chats[0])[0].plain_text
    assert set(answers(fake, latecomers).values()) == {1}
    assert fake.flood_refusals == 0, fake.flood.refusals[:5]


async def test_a_reply_refused_with_retry_after_waits_and_is_sent_once(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.polling(bot)
    fake.fail_next("sendMessage", error="429", chat_id=USER, retry_after=6)  # longer than the old 5 s bound
    [reply] = await env.command(USER, USER, "/help", timeout=30)
    assert HELP_MARK in reply.plain_text
    assert len([p for name, p in fake.calls if name == "sendMessage" and p.get("chat_id") == USER]) == 2
    assert len(fake.messages_to(USER)) == 1


async def test_a_reply_still_refused_after_the_bound_is_counted_in_metrics(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start(http=True, reply_give_up=2)
    await env.polling(bot)
    assert bot.http is not None
    fake.set_outage("sendMessage", "429", retry_after=1)
    fake.push_message(USER, USER, "/help")

    async def lost() -> str:
        assert bot.http is not None
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{bot.http.port}/metrics") as resp:
            text = await resp.text()
        return text if 'newsbot_replies_lost_total{platform="telegram",reason="timeout"} 1.0' in text else ""

    assert await wait_until(lost, timeout=30, what="the lost reply in /metrics")
    fake.clear_outage()
    assert fake.messages_to(USER) == []


async def test_paid_broadcast_sends_past_the_free_line_without_a_429(env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_flood_limits(FloodLimits())
    bot = await env.start(telegram_paid_broadcast=True)
    chats = range(50_001, 50_091)  # 90 at once: three times what a second allows without paying
    await subscribers(bot, fake, chats)
    env.publish("قمة حلف الناتو تبدأ اليوم في لاهاي")
    await bot.tick(timeout=60)
    assert Counter(len(alerts(fake, c)) for c in chats) == {1: len(chats)}
    sent = [p for name, p in fake.calls if name == "sendMessage" and p.get("chat_id") in set(chats)]
    assert len(sent) == len(chats) and all(p.get("allow_paid_broadcast") is True for p in sent)
    assert fake.flood_refusals == 0, fake.flood.refusals[:5]


async def test_exports_and_charts_in_a_burst_of_replies_earn_no_429_and_every_file_arrives_once(
        env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_flood_limits(FloodLimits())  # sendDocument and sendPhoto count like sendMessage
    bot = await env.start()
    await env.polling(bot)
    exporters, charters, starters = range(60_001, 60_031), range(61_001, 61_031), range(62_001, 62_041)
    await subscribers(bot, fake, range(60_001, 60_031))
    await subscribers(bot, fake, range(61_001, 61_031))
    for user in exporters:  # a file and a sentence each (a reply), the /trends charts outbox rows
        fake.push_message(user, user, "/export")
    for user in charters:
        fake.push_message(user, user, "/trends")
    for user in starters:
        fake.push_message(user, user, "/start")

    def files() -> tuple[Counter[int], Counter[int]]:
        return (Counter(d.chat_id for d in fake.documents if d.chat_id in exporters),
                Counter(p.chat_id for p in fake.photos if p.chat_id in charters))

    await wait_until(lambda: len(files()[0]) == len(exporters) and len(files()[1]) == len(charters)
                     and len(answers(fake, starters)) == len(starters), timeout=90,
                     what="every file, chart and answer",
                     detail=lambda: f"{[len(c) for c in files()]}, {fake.flood_refusals} refused")
    documents, charts = files()
    assert set(documents.values()) == {1} and set(charts.values()) == {1}, "a file sent twice"
    assert all(d.filename.endswith(".yaml") for d in fake.documents)
    assert set(answers(fake, starters).values()) == {1}
    assert fake.flood_refusals == 0, fake.flood.refusals[:5]
    assert bot.metrics.replies_lost.labels("telegram", "timeout")._value.get() == 0


async def test_an_export_refused_with_retry_after_waits_and_the_file_arrives_once(
        env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.polling(bot)
    await env.command(USER, USER, "/subscribe nato", timeout=15)
    fake.fail_next("sendDocument", error="429", chat_id=USER, retry_after=2)
    await env.command(USER, USER, "/export", timeout=30)
    await wait_until(lambda: fake.documents, timeout=30, what="the file after Retry-After")
    [doc] = fake.documents
    assert doc.chat_id == USER and doc.filename.endswith(".yaml")
    assert len([p for name, p in fake.calls if name == "sendDocument" and p.get("chat_id") == USER]) == 2
