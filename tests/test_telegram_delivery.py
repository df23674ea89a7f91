"""Telegram end to end: what delivery does with 429, 403, migrations, restarts and hostile feed text."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.app import NewsBot
from bot.storage.models import Chat, Outbox
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import (
    ADMIN,
    GROUP,
    USER,
    Env,
    alerts,
    env,
    fake,
    ptb_timedelta,
)
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here


def alert_calls(fake: FakeTelegramAPI, chat: int) -> list[dict]:
    return [p for name, p in fake.calls
            if name == "sendMessage" and p.get("chat_id") == chat and "🔔" in str(p.get("text", ""))]


async def outbox_states(bot: NewsBot) -> list[str]:
    async with bot.db.read() as conn:
        return list((await conn.execute(select(Outbox.state).order_by(Outbox.id))).scalars())


async def test_429_waits_retry_after_then_delivers_exactly_once(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    fake.fail_next("sendMessage", error="429", chat_id=USER, retry_after=2)
    env.publish("قمة الناتو تبدأ اليوم")
    delivery = asyncio.create_task(bot.tick())
    await wait_until(lambda: alert_calls(fake, USER), what="the first (refused) attempt")
    refused_at = time.monotonic()  # observed just after the 429: the real gap is at least the measured one
    await asyncio.wait_for(delivery, timeout=15)
    [alert] = alerts(fake, USER)
    assert alert.time - refused_at >= 2.0 - 0.05
    assert len(alert_calls(fake, USER)) == 2
    assert await outbox_states(bot) == ["sent"]
    await bot.tick()
    assert len(alerts(fake, USER)) == 1


async def test_403_deactivates_keeps_settings_and_my_chat_member_reactivates(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    await env.command(USER, USER, "/watch الفرقاطة")
    fake.set_member(USER, fake.bot_id, "kicked")  # the user blocked the bot

    env.publish("الناتو يجتمع اليوم")
    await bot.tick()
    assert alerts(fake, USER) == []
    dest = await env.dest(bot, USER)
    assert dest is not None and not dest.active
    assert "nato" in await bot.chats.subscriptions(dest.id) and await bot.chats.terms(dest.id) == ["الفرقاطة"]
    assert await outbox_states(bot) == ["gone"]

    env.publish("الناتو يرسل الفرقاطة")  # while blocked: nothing is queued
    await bot.tick()
    assert alerts(fake, USER) == [] and await outbox_states(bot) == ["gone"]

    fake.push_my_chat_member(USER, "kicked", "member", USER)  # unblocked

    async def active() -> bool:
        ref = await env.dest(bot, USER)
        return bool(ref and ref.active)

    await wait_until(active, what="reactivation")
    env.publish("قمة الناتو الثانية")
    await bot.tick()
    [alert] = alerts(fake, USER)
    assert "قمة الناتو الثانية" in alert.plain_text

    # Removing the bot from a group deactivates it the same way, without waiting for a failed send.
    await env.command(GROUP, ADMIN, "/subscribe nato")
    fake.push_my_chat_member(GROUP, "member", "left", ADMIN)

    async def group_inactive() -> bool:
        ref = await env.dest(bot, GROUP)
        return bool(ref and not ref.active)

    await wait_until(group_inactive, what="group deactivation")


async def test_supergroup_migration_is_followed(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(GROUP, ADMIN, "/subscribe nato")
    new_id = -1009001
    fake.push_migration(GROUP, new_id)

    async def moved() -> bool:
        return await env.dest(bot, new_id) is not None and await env.dest(bot, GROUP) is None

    await wait_until(moved, what="migration via the service message")
    env.publish("الناتو يعلن خطة جديدة")
    await bot.tick()
    [alert] = alerts(fake, new_id)
    dest = await env.dest(bot, new_id)
    assert dest is not None and dest.kind == "supergroup" and await bot.chats.subscriptions(dest.id) == ["nato"]
    assert alert.chat_id == new_id


async def test_chat_migrated_error_repoints_the_chat(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    old, new = -4002, -1009002
    fake.add_chat(old, "group", "قديمة")
    fake.set_member(old, ADMIN, "administrator")
    await env.command(old, ADMIN, "/subscribe black-sea")
    fake.add_chat(new, "supergroup", "جديدة")
    fake.fail_next("sendMessage", error="400_migrated", chat_id=old, migrate_to_chat_id=new)
    env.publish("توتر في البحر الأسود")
    await bot.tick()
    assert alerts(fake, old) == []
    [alert] = alerts(fake, new)
    assert "البحر الأسود" in alert.plain_text
    assert await env.dest(bot, new) is not None and await env.dest(bot, old) is None


async def test_restart_in_the_middle_of_delivery_loses_and_repeats_nothing(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    titles = ["الناتو يعقد قمة طارئة في بروكسل", "وزراء دفاع الناتو يناقشون الميزانية",
              "الناتو يرسل سفناً إلى بحر البلطيق", "مناورات جوية واسعة لحلف الناتو في بولندا"]
    for title in titles:
        env.publish(title)
    assert bot.poller is not None and bot.ingestor is not None
    await bot.poller.run_once(force=True)
    await bot.ingestor.run_once()
    bot.dispatch_job.kick()  # private chats are paced one message a second
    await wait_until(lambda: alerts(fake, USER), what="the first alert")
    # Stop once the first send is on record: stopping while a send is in flight can still repeat
    # that one message (test_stopping_during_a_send_does_not_repeat_it, a known bug outside the adapter).
    await wait_until(lambda: _sent_rows(bot, 1), what="the first send recorded")
    await bot.stop()
    first_run = len(alerts(fake, USER))
    assert first_run < len(titles)

    bot2 = NewsBot(env.settings(), http=False)
    env.bots.append(bot2)
    await bot2.start()
    await wait_until(lambda: len(alerts(fake, USER)) >= len(titles), timeout=15, what="the rest of the alerts")
    await bot2.drain(timeout=5)
    received = [m.plain_text for m in alerts(fake, USER)]
    assert len(received) == len(titles)
    for title in titles:
        assert sum(title in text for text in received) == 1, title
    assert await outbox_states(bot2) == ["sent"] * len(titles)


async def _sent_rows(bot: NewsBot, n: int) -> bool:
    return (await outbox_states(bot)).count("sent") >= n


async def test_feed_text_injection_arrives_as_plain_text(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    # Escaped in the feed, so the story's text literally contains the markup.
    title = 'عاجل &lt;a href="https://evil.example/x"&gt;انقر هنا&lt;/a&gt; &lt;/b&gt; AT&amp;T @someone والناتو'
    summary = '&lt;b&gt;غامق&lt;/b&gt; &amp; &lt;i&gt;مائل @attacker'
    link = env.publish(title, summary)
    await bot.tick()
    [alert] = alerts(fake, USER)
    text = alert.plain_text
    assert '<a href="https://evil.example/x">انقر هنا</a> </b> AT&T' in text
    assert "<b>غامق</b> & <i>مائل" in text
    assert "@\u200dsomeone" in text and "@\u200dattacker" in text
    assert "@someone" not in text and "@attacker" not in text
    assert [e.get("url") for e in alert.entities if e["type"] == "text_link"] == [link]
    assert {e["type"] for e in alert.entities} <= {"bold", "text_link"}
    bolds = [text.encode("utf-16-le")[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
             for e in alert.entities if e["type"] == "bold"]
    assert bolds == ["عاجل", "حلف الناتو", "والناتو"]  # the title opens with عاجل: the urgent tier line


async def test_poll_once_sends_without_taking_updates(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    await bot.stop()
    fake.calls.clear()
    env.publish("الناتو في اجتماع طارئ")
    once = NewsBot(env.settings(), http=False)
    env.bots.append(once)
    report = await once.poll_once(timeout=10)
    assert report.delivered == 1
    [alert] = alerts(fake, USER)
    assert "اجتماع طارئ" in alert.plain_text
    assert not [c for c in fake.calls if c[0] in ("getUpdates", "setMyCommands", "setWebhook", "deleteWebhook")]
    async with once.db.read() as conn:
        assert (await conn.execute(select(Chat.active).where(Chat.external_id == str(USER)))).scalar_one()


async def test_stopping_during_a_send_does_not_repeat_it(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    env.publish("الناتو يعقد قمة طارئة في بروكسل")
    assert bot.poller is not None and bot.ingestor is not None
    await bot.poller.run_once(force=True)
    await bot.ingestor.run_once()
    # Telegram takes 1.5 s to answer this send (it is executed all the same).
    fake.fail_next("sendMessage", error="timeout", chat_id=USER, delay=1.5)
    bot.dispatch_job.kick()
    await wait_until(lambda: alert_calls(fake, USER), what="the send to be in flight")
    await bot.stop()
    await wait_until(lambda: alerts(fake, USER), what="Telegram to execute the send")
    bot2 = NewsBot(env.settings(), http=False)
    env.bots.append(bot2)
    await bot2.start()
    await bot2.drain(timeout=5)
    assert len(alerts(fake, USER)) == 1
