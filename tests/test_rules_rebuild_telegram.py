"""A replica reloading thousands of chat rules keeps answering, and a /watch sent meanwhile is in force once
the reload is done: the real PTB Application against FakeTelegramAPI.

Responsiveness is shown by order, never by time: the reply arrives while the reload is still running.
"""

from __future__ import annotations

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.many_rules import many_rules, reloading
from tests.support.telegram import USER, Env, alerts, env, fake, ptb_timedelta

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

N = 8000


async def test_telegram_answers_during_a_reload_and_a_watch_meanwhile_counts(env: Env,
                                                                              fake: FakeTelegramAPI) -> None:
    bot = await env.start(max_terms_per_chat=N + 10)  # one chat holds them all (the default is 200)
    await env.command(USER, USER, "/watch مرفأ")
    dest = await env.dest(bot, USER)
    assert dest is not None
    rules = many_rules(N)
    reload = await reloading(bot, dest.id, rules)
    [helped] = await env.command(USER, USER, "/help watch")
    assert "قواعد /watch" in helped.plain_text
    assert not reload.done()  # answered while the rules were still being compiled

    before = len(fake.sent)
    fake.push_message(USER, USER, "/watch سفينة شحن")
    fake.push_message(USER, USER, f"/unwatch {rules[0]}")
    await fake.wait_sent(before + 2, timeout=60)
    assert reload.done()
    said = "\n".join(m.plain_text for m in fake.sent[before:])
    assert "أضفتُ «" in said and "حذفتُ «" in said
    env.publish("سفينة شحن تعبر المضيق", "وسط حراسة مشددة")
    env.publish("وزير0 يعلن هدنة", "لثلاثة أيام")
    env.publish("وزير4 يعلن هدنة", "لأسبوع")
    await bot.tick()
    got = "\n".join(m.plain_text for m in alerts(fake, USER))
    assert "سفينة شحن تعبر المضيق" in got and "وزير4 يعلن هدنة" in got
    assert "وزير0 يعلن هدنة" not in got  # removed while the reload ran: the newer state won
