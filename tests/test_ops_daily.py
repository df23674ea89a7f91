"""The daily ops digest end to end: one message a day to the ops channel, through the real PTB Application."""

from __future__ import annotations

from typing import Any

from bot.alerts.work import LABELS
from bot.domain.states import AlertAction
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import ADMIN, GROUP, USER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

OPS = -1009922
TITLE = "قمة الناتو تبدأ اليوم في بروكسل"


def digests(fake: FakeTelegramAPI) -> list[str]:
    return [m.plain_text for m in fake.messages_to(OPS) if "الموجز اليومي للتشغيل" in m.plain_text]


async def test_one_digest_a_day_with_the_days_figures(env: Env, fake: FakeTelegramAPI) -> None:
    fake.add_chat(OPS, "supergroup", "غرفة التشغيل")
    bot = await env.start(ops_telegram_chat_id=str(OPS), ops_digest_time="00:00")  # due as soon as it is checked
    await env.command(USER, USER, "/subscribe nato")
    await env.command(USER, USER, "/buttons on")
    await env.command(GROUP, ADMIN, "/subscribe nato")
    fake.fail_next("sendMessage", error="400_refused", chat_id=GROUP)
    env.publish(TITLE)
    await bot.tick()
    [alert] = alerts(fake, USER)
    markup: Any = alert.reply_markup
    data = {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}
    before = len(fake.callback_answers)
    fake.push_callback_query(USER, USER, data[LABELS[AlertAction.IRRELEVANT]], alert.message_id)
    await wait_until(lambda: len(fake.callback_answers) > before, what="the not-relevant answer")

    await bot._gauges()  # the gauges job checks the digest time (the scheduler may have run it already)
    await wait_until(lambda: digests(fake), timeout=15, what="the daily digest")
    await bot._gauges()
    await bot.drain(timeout=5)
    [digest] = digests(fake)  # once, however often it is checked
    for line in ("📨 التنبيهات المرسلة في آخر 24 ساعة:", "📭 رسائل لم تُسلَّم:", "⚠️ مصادر متعثرة: لا شيء",
                 "🔇 مصادر صامتة أطول من المعتاد: لا شيء", "🔕 أكثر العبارات التي وُصفت تنبيهاتها بأنها ليست ذات صلة:"):
        assert line in digest
    # Whatever moment the scheduled check picked, the day's figures as of now are these:
    title, lines = await bot.daily.lines(bot.clock())
    text = "\n".join(lines)
    assert "تيليجرام 1" in text and "📭 رسائل لم تُسلَّم: 1 جديدة، و1 محفوظة" in text
    assert TITLE in text and "«\u2067الناتو\u2069» (1)" in text and "الموجز اليومي للتشغيل" in title


async def test_the_digest_lines_name_the_days_figures(env: Env, fake: FakeTelegramAPI) -> None:
    fake.add_chat(OPS, "supergroup", "غرفة التشغيل")
    bot = await env.start(ops_telegram_chat_id=str(OPS), ops_digest_time="off")
    await env.command(USER, USER, "/subscribe nato")
    await env.command(GROUP, ADMIN, "/subscribe nato")
    fake.fail_next("sendMessage", error="400_refused", chat_id=GROUP)
    env.publish(TITLE)
    await bot.tick()
    await bot._gauges()  # off: nothing is sent
    await bot.drain(timeout=5)
    assert digests(fake) == []
    assert await bot.daily.send(bot.clock()) == 1
    await bot.drain(timeout=5)
    [digest] = digests(fake)
    assert "📨 التنبيهات المرسلة في آخر 24 ساعة: تيليجرام 1" in digest
    assert "📭 رسائل لم تُسلَّم: 1 جديدة، و1 محفوظة بانتظار إعادة الإرسال" in digest
    assert "🐢 أبطأ تنبيه من أول رصد إلى التسليم:" in digest and TITLE in digest and "(تيليجرام)" in digest
    assert "🔕 أكثر العبارات التي وُصفت تنبيهاتها بأنها ليست ذات صلة: لا شيء" in digest
