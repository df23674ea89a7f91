"""What a newsroom user meets in the first hour (issue 14): the real PTB app against the Telegram double.

Each test asserts on the text the user reads (the message as Telegram parses it).
"""

from __future__ import annotations

from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import USER, Env, alerts, env, fake, ptb_timedelta

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here


def bolds(msg: SentMessage) -> list[str]:
    raw = msg.plain_text.encode("utf-16-le")
    return [raw[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
            for e in msg.entities if e["type"] == "bold"]


async def test_web_addresses_in_a_summary_are_not_words_of_the_story(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 2: a gold story linking gaza-market.example and nato-watch.example.org alerts no one."""
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato gaza")
    env.publish("ارتفاع أسعار الذهب في الأسواق المحلية",
                "تفاصيل الأسعار على https://www.gaza-market.example/gold وتحليل على https://nato-watch.example.org/ "
                "وللتواصل desk@nato.int أو @gaza_prices")
    await bot.tick()
    assert alerts(fake, USER) == []

    env.publish("قمة لحلف الناتو في بروكسل", "البيان الكامل على nato.int وقال الناتو إن القمة تبدأ غداً.")
    await bot.tick()
    [alert] = alerts(fake, USER)
    assert "nato.int" in alert.plain_text
    assert "nato" not in " ".join(bolds(alert)) and "الناتو" in bolds(alert)  # bold on the word, never in the address
