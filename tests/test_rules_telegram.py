"""Telegram end to end for chat rules: /watch with rules in a private chat, a forum topic and a channel,
/exclude, and /preview, through the real PTB Application against FakeTelegramAPI.
"""

from __future__ import annotations

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import ADMIN, CHANNEL, FORUM, USER, Env, alerts, env, fake, ptb_timedelta

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

RULE = "وقف إطلاق النار + غزة -كرة"


def titles(fake: FakeTelegramAPI, chat: int, thread: int | None = None) -> str:
    return "\n".join(m.plain_text for m in alerts(fake, chat, thread))


async def test_watch_rules_alert_what_they_say_in_every_kind_of_chat(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    fake.set_member(CHANNEL, USER, "administrator")
    [added] = await env.command(USER, USER, f"/watch {RULE}")
    assert "أضفتُ القاعدة" in added.plain_text and "غزة" in added.plain_text
    [split] = await env.command(USER, USER, "/watch لافروف، شويغو")
    assert "فصلتُ ما كتبتَه إلى عبارتين" in split.plain_text
    [excluded] = await env.command(USER, USER, "/exclude رفح")
    assert "لا تنبيه في هذه المحادثة" in excluded.plain_text
    [topic] = await env.command(FORUM, ADMIN, "/watch NATO", message_thread_id=77, is_topic_message=True)
    assert topic.message_thread_id == 77 and "يشمل أيضاً" in topic.plain_text and "الناتو" in topic.plain_text
    [chan] = await env.command(USER, USER, "/watch @alerts_channel Zelensky ~5 Trump")
    assert chan.chat_id == USER and "alerts_channel" in chan.plain_text and "أضفتُ القاعدة" in chan.plain_text
    [bad] = await env.command(USER, USER, "/watch غزة + (هدنة")
    assert "قوس" in bad.plain_text and "الحرف 7" in bad.plain_text

    # First the stories the rules must not alert: the rule's veto, and the chat's exclusion.
    env.publish("مباراة كرة قدم ودية في ملعب غزة رغم وقف إطلاق النار", "جمهور غفير في المدرجات")
    env.publish("إعادة فتح معبر رفح", "بعد أسبوع من وقف إطلاق النار في غزة عادت الشاحنات")
    await bot.tick()
    assert alerts(fake, USER) == []
    env.publish("وقف إطلاق النار يصمد في غزة لليوم الثالث", "قال الوسطاء إن الهدوء ساد ليلاً")
    env.publish("شويغو يزور بكين في جولة آسيوية", "يلتقي نظيره الصيني")
    env.publish("قمة الناتو في لاهاي تبحث الإنفاق الدفاعي", "الأمين العام يدعو إلى زيادة الميزانيات")
    env.publish("Zelensky meets Trump at the White House", "Talks on security guarantees")
    await bot.tick()
    mine = titles(fake, USER)
    assert "وقف إطلاق النار يصمد في غزة" in mine and "شويغو يزور بكين" in mine
    assert "مباراة كرة قدم" not in mine and "معبر رفح" not in mine and "قمة الناتو" not in mine
    assert "قمة الناتو في لاهاي" in titles(fake, FORUM, 77)
    assert "Zelensky meets Trump" in titles(fake, CHANNEL) and "غزة" not in titles(fake, CHANNEL)

    [preview] = await env.command(USER, USER, f"/preview {RULE}")
    text = preview.plain_text
    assert "وقف إطلاق النار يصمد في غزة" in text and "خبر واحد" in text
    assert "أقرب الأخبار التي أسقطها" in text and "مباراة كرة قدم" in text and "معبر رفح" in text
    assert "أسقطها: «\u2067كرة\u2069»" in text and "أسقطها: «\u2067رفح\u2069»" in text

    [listed] = await env.command(USER, USER, "/watchlist")
    assert "مستبعدة" in listed.plain_text and "رفح" in listed.plain_text
    [back] = await env.command(USER, USER, "/include رفح")
    assert "ألغيتُ استبعاد" in back.plain_text
    env.publish("شاحنات المساعدات تعبر رفح إلى غزة بعد وقف إطلاق النار", "وصول 200 شاحنة")
    await bot.tick()
    assert "شاحنات المساعدات تعبر رفح" in titles(fake, USER)
