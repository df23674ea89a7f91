"""A new user's first hour on Telegram (issue 14): the chat named with @, resuming, hints, etiquette, limits.

The real NewsBot with the real PTB Application against FakeTelegramAPI (tests/support/telegram.py);
every assertion is on the text a user reads.
"""

from __future__ import annotations

import re

from bot.app import NewsBot
from bot.commands.table import COMMANDS
from bot.commands.texts import T
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import (
    ADMIN,
    CHANNEL,
    FORUM,
    GROUP,
    MEMBER,
    USER,
    Env,
    env,
    fake,
    ptb_timedelta,
)
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

ZWJ = "\u200d"
BIDI = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def readable(message: SentMessage) -> str:
    """What the reader sees, without the invisible direction marks."""
    return message.plain_text.translate(BIDI)


def buttons(message: SentMessage) -> dict[str, str]:
    """callback_data -> label."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["callback_data"]: b["text"] for row in rows for b in row}


async def press(fake: FakeTelegramAPI, chat: int, user: int, data: str, message: SentMessage) -> dict[str, object]:
    before = len(fake.callback_answers)
    fake.push_callback_query(chat, user, data, message.message_id)
    await wait_until(lambda: len(fake.callback_answers) > before, what="the press answered")
    return fake.callback_answers[before]


async def subs(bot: NewsBot, chat: int, thread: int = 0) -> list[str]:
    dest = await bot.chats.find_destination("telegram", str(chat), thread)
    return await bot.chats.subscriptions(dest.id) if dest else []


# ------------------------------------------------------------------ 1. @target acts on the target


async def test_topics_at_channel_shows_and_changes_the_channel_buttons_included(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    fake.set_member(CHANNEL, USER, "administrator")
    await env.command(USER, USER, "/subscribe @alerts_channel nato")

    [menu] = await env.command(USER, USER, "/topics @alerts_channel")
    first_line = menu.plain_text.split("\n")[0]
    assert "@alerts_channel" in first_line and ZWJ not in menu.plain_text  # named, and tappable
    keyboard = buttons(menu)
    nato = next(data for data in keyboard if data.startswith("toggle:nato"))
    sea = next(data for data in keyboard if data.startswith("toggle:black-sea"))
    assert keyboard[nato].startswith(T.TOPIC_ON) and keyboard[sea].startswith(T.TOPIC_OFF)  # the channel's state
    assert "@" in sea and sea != "toggle:black-sea"  # the target rides along, signed

    answer = await press(fake, USER, USER, sea, menu)
    assert answer["text"] == "فُعِّلت متابعة «البحر الأسود»."
    assert await subs(bot, CHANNEL) == ["black-sea", "nato"] and await env.dest(bot, USER) is None
    edited = fake.edits[-1]
    assert "قناة التنبيهات" in edited.plain_text.split("\n")[0]  # the redrawn menu still names the channel
    assert buttons(edited)[next(d for d in buttons(edited) if d.startswith("toggle:black-sea"))].startswith(T.TOPIC_ON)

    # A forged target (another chat, or a signature that is not ours) is refused and changes nothing.
    forged = sea.replace(str(CHANNEL), str(GROUP))
    refused = await press(fake, USER, USER, forged, menu)
    assert refused["show_alert"] is True and T.UNKNOWN in str(refused["text"])
    refused = await press(fake, USER, USER, sea[:-3] + "AAA", menu)
    assert T.UNKNOWN in str(refused["text"])
    assert await env.dest(bot, GROUP) is None and await subs(bot, CHANNEL) == ["black-sea", "nato"]

    # Every command that takes @target acts on it (the private chat stays untouched) ...
    for text, expect in [("/watch @alerts_channel الفرقاطة", "أضفتُ «الفرقاطة» إلى متابعات القناة. ستصلها"),
                         ("/watchlist @alerts_channel", "الفرقاطة"),
                         ("/mute @alerts_channel 1h", "كُتمت التنبيهات"),
                         ("/unmute @alerts_channel", "أُلغي الكتم، وستصلها التنبيهات"),
                         ("/unsubscribe @alerts_channel", "أُوقفت كل التنبيهات"),
                         ("/resume @alerts_channel", "استؤنفت التنبيهات"),
                         ("/feeds @alerts_channel", "لم تُضِف هذه المحادثة أي مصدر"),
                         ("/unwatch @alerts_channel الفرقاطة", "حذفتُ «الفرقاطة» من متابعات القناة.")]:
        [reply] = await env.command(USER, USER, text)
        assert readable(reply).startswith("@alerts_channel\n") and expect in readable(reply), (text, readable(reply))
    assert {c.name for c in COMMANDS.values() if c.targetable} >= {"topics", "resume"}
    assert await env.dest(bot, USER) is None
    # ... and every command that does not, refuses instead of quietly answering for this chat.
    for name in ("status", "help"):
        [reply] = await env.command(USER, USER, f"/{name} @alerts_channel")
        assert f"الأمر /{name} لا يعمل على محادثة أخرى" in readable(reply)


# ------------------------------------------------------------------ 4. resuming is not subscribing


async def test_subscribe_without_ids_only_resumes_and_resume_is_a_command(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    topic = {"message_thread_id": 77, "is_topic_message": True}
    await env.command(FORUM, ADMIN, "/subscribe ukraine", **topic)
    [paused] = await env.command(FORUM, ADMIN, "/unsubscribe", **topic)
    assert "أرسل /resume لاستئنافها" in readable(paused)

    [resumed] = await env.command(FORUM, ADMIN, "/subscribe", **topic)
    assert "استؤنفت التنبيهات" in readable(resumed) and "المتابعات: أوكرانيا" in readable(resumed)
    assert "تم الاشتراك" not in readable(resumed)
    assert await subs(bot, FORUM, 77) == ["ukraine"]  # the defaults were never added

    [kept] = await env.command(FORUM, ADMIN, "/subscribe", **topic)  # not paused, chose its own: nothing added
    assert "فلم أُضف شيئاً" in readable(kept) and await subs(bot, FORUM, 77) == ["ukraine"]

    await env.command(FORUM, ADMIN, "/unsubscribe", **topic)
    [again] = await env.command(FORUM, ADMIN, "/resume", **topic)
    assert "استؤنفت التنبيهات" in readable(again) and await subs(bot, FORUM, 77) == ["ukraine"]
    [twice] = await env.command(FORUM, ADMIN, "/resume", **topic)
    assert readable(twice) == T.NOT_PAUSED
    [refused] = await env.command(FORUM, MEMBER, "/resume", **topic)
    assert T.NOT_ADMIN in readable(refused)

    [fresh] = await env.command(GROUP, ADMIN, "/subscribe")  # a chat that never chose: the defaults
    assert "تم الاشتراك" in readable(fresh) and await subs(bot, GROUP) == ["black-sea", "ceasefire", "nato"]
    [help_] = await env.command(USER, USER, "/help")
    assert "/resume — استئناف التنبيهات بعد إيقافها" in readable(help_)


# ------------------------------------------------------------------ 6. plain text in a private chat


async def test_plain_text_in_private_gets_a_hint_with_buttons_and_never_in_groups(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [hint] = await env.command(USER, USER, "مرحبا، كيف أشترك في أخبار الناتو؟")
    assert readable(hint) == T.PLAIN_HINT and "\n" not in readable(hint)
    assert buttons(hint) == {"sub:nato": "📋 اشترك في «حلف الناتو»", "start:help": T.START_HELP}
    before = len(fake.sent)
    await press(fake, USER, USER, "sub:nato", hint)
    await fake.wait_sent(before + 1)
    assert "تم الاشتراك في: حلف الناتو" in readable(fake.sent[-1]) and await subs(bot, USER) == ["nato"]

    [hello] = await env.command(USER, USER, "hello")
    assert buttons(hello)["watch:hello"] == "🔔 تابِع «hello»"
    before = len(fake.sent)
    await press(fake, USER, USER, "watch:hello", hello)
    await fake.wait_sent(before + 1)
    assert "أضفتُ «hello» إلى قائمتك. ستصلك الأخبار التي تذكرها." in readable(fake.sent[-1])

    before = len(fake.sent)
    await press(fake, USER, USER, "start:help", hello)
    await fake.wait_sent(before + 1)
    assert T.COMMANDS_HEADER in readable(fake.sent[-1])

    await env.silent(GROUP, MEMBER, "مرحبا، كيف أشترك في أخبار الناتو؟")
    await env.silent(GROUP, ADMIN, "hello")


# ------------------------------------------------------------------ 13. channel etiquette, welcome back, /start


async def test_channel_commands_are_not_answered_in_public_and_a_readded_bot_says_it_is_back(
        env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    fake.push_channel_post(CHANNEL, "/subscribe nato")
    fake.push_channel_post(CHANNEL, "/frobnicate")

    async def channel_subscribed() -> bool:
        return await subs(bot, CHANNEL) == ["nato"]

    await wait_until(channel_subscribed, what="the channel's command applied")
    await env.command(USER, USER, "/help")  # a barrier: both channel posts were handled before it
    assert fake.messages_to(CHANNEL) == []

    await env.command(GROUP, ADMIN, "/subscribe nato")
    await env.command(GROUP, ADMIN, "/watch الفرقاطة")
    fake.push_my_chat_member(GROUP, "member", "left", ADMIN)
    await wait_until(lambda: _inactive(bot, GROUP), what="removed")
    before = len(fake.sent)
    fake.push_my_chat_member(GROUP, "left", "member", ADMIN)
    await fake.wait_sent(before + 1)
    back = fake.sent[-1]
    assert back.chat_id == GROUP
    assert readable(back) == "👋 عدتُ — إعداداتكم محفوظة: حلف الناتو، «الفرقاطة»."

    fresh = -4098
    fake.add_chat(fresh, "group", "مجموعة جديدة")
    before = len(fake.sent)
    fake.push_my_chat_member(fresh, "left", "member", ADMIN)
    await fake.wait_sent(before + 1)
    welcome = fake.sent[-1]
    assert welcome.chat_id == fresh and readable(welcome) == T.WELCOME_GROUP and T.COMMANDS_HEADER not in readable(welcome)


async def _inactive(bot: NewsBot, chat: int) -> bool:
    dest = await bot.chats.find_destination("telegram", str(chat))
    return bool(dest and not dest.active)


async def test_start_is_not_help_and_offers_a_first_step(env: Env, fake: FakeTelegramAPI) -> None:
    await env.start()
    [start] = await env.command(USER, USER, "/start")
    [help_] = await env.command(USER, USER, "/help")
    assert readable(start) != readable(help_) and T.COMMANDS_HEADER not in readable(start)
    assert T.START_FIRST_STEP in readable(start)
    assert buttons(start) == {"start:topics": T.START_TOPICS, "start:watch": T.START_WATCH, "start:help": T.START_HELP}
    before = len(fake.sent)
    await press(fake, USER, USER, "start:topics", start)
    await fake.wait_sent(before + 1)
    topics = fake.sent[-1]
    assert T.TOPICS_HEADER in readable(topics) and "toggle:nato" in buttons(topics)
    before = len(fake.sent)
    await press(fake, USER, USER, "start:watch", start)
    await fake.wait_sent(before + 1)
    assert readable(fake.sent[-1]) == "اكتب الأمر /watch ثم الكلمة أو العبارة، مثلاً: /watch لافروف"


# ------------------------------------------------------------------ 14. the command limit


async def test_command_limit_ignores_button_presses_and_says_how_long_to_wait(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start(commands_per_minute=3)
    [menu] = await env.command(USER, USER, "/topics")
    for _ in range(4):  # more presses than the command limit: every one is served
        answer = await press(fake, USER, USER, "toggle:nato", menu)
        assert answer["text"] in (T.TOPIC_TOGGLED_ON.format(label="حلف الناتو"),
                                  T.TOPIC_TOGGLED_OFF.format(label="حلف الناتو"))
    await env.command(USER, USER, "/watchlist")
    await env.command(USER, USER, "/help")
    [limited] = await env.command(USER, USER, "/help")
    m = re.fullmatch(r"أرسلتَ أوامر كثيرة في وقت قصير؛ أعد المحاولة بعد (\d+) ثانية\.", readable(limited))
    assert m is not None and 1 <= int(m.group(1)) <= 60, readable(limited)
    assert await subs(bot, USER) == []  # four presses: on, off, on, off


# ------------------------------------------------------------------ groups and channels addressed as such


async def test_groups_and_topics_are_addressed_as_such_and_a_person_as_a_person(env: Env, fake: FakeTelegramAPI) -> None:
    await env.start()
    [group] = await env.command(GROUP, ADMIN, "/watch لافروف")
    assert "أضفتُ «لافروف» إلى متابعات هذه المجموعة. ستصلها الأخبار التي تذكرها." in readable(group)
    [topic] = await env.command(FORUM, ADMIN, "/watch لافروف", message_thread_id=77, is_topic_message=True)
    assert "أضفتُ «لافروف» إلى متابعات هذا الموضوع. ستصله الأخبار التي تذكرها." in readable(topic)
    [person] = await env.command(USER, USER, "/watch لافروف")
    assert "أضفتُ «لافروف» إلى قائمتك. ستصلك الأخبار التي تذكرها." in readable(person)
    [exists] = await env.command(GROUP, ADMIN, "/watch لافروف")
    assert readable(exists) == "«لافروف» موجودة مسبقاً في متابعات هذه المجموعة."
    [menu] = await env.command(GROUP, ADMIN, "/topics")
    assert readable(menu).startswith("المتابعات الجاهزة") and "موضوع" not in readable(menu)
    # The alert names the chat's own terms the same way everywhere, never "my list".
    bot = env.bots[-1]
    env.publish("لافروف يصل إلى أنقرة")
    await bot.tick()
    [alert] = [m for m in fake.messages_to(GROUP) if "أنقرة" in m.plain_text]
    assert "#عبارات_خاصة" in alert.plain_text and "#قائمتي" not in alert.plain_text


# ------------------------------------------------------------------ 9. what a mute dropped is said


async def test_unmute_and_an_expired_mute_say_how_many_alerts_were_missed(env: Env, fake: FakeTelegramAPI) -> None:
    from datetime import UTC, datetime, timedelta

    bot = await env.start()
    await env.command(USER, USER, "/watch الغواصة")
    await env.command(USER, USER, "/mute 1h")
    env.publish("الغواصة الأولى تبحر")
    env.publish("الغواصة الثانية تبحر")
    await bot.tick()
    assert not [m for m in fake.messages_to(USER) if "تبحر" in m.plain_text]
    [unmuted] = await env.command(USER, USER, "/unmute")
    text = readable(unmuted)
    assert "أُلغي الكتم، وستصلك التنبيهات من جديد." in text
    assert "فاتك أثناء الكتم تنبيهان؛ التنبيهات المكتومة لا تُرسَل لاحقاً." in text
    assert "/preview العبارة" in text
    await bot.tick()
    assert not [m for m in fake.messages_to(USER) if "تبحر" in m.plain_text]  # not delivered later

    # A group's mute that runs out on its own: the group hears it, addressed as a group.
    await env.command(GROUP, ADMIN, "/watch الغواصة")
    await env.command(GROUP, ADMIN, "/mute 1h")
    env.publish("الغواصة الثالثة تبحر")
    await bot.tick()
    assert [m for m in fake.messages_to(GROUP) if "الغواصة الثالثة" in m.plain_text] == []
    dest = await env.dest(bot, GROUP)
    assert dest is not None
    await bot.chats.set_muted(dest.id, datetime.now(UTC) - timedelta(seconds=1))  # the hour has passed
    before = len(fake.messages_to(GROUP))
    await bot.tick()
    told = fake.messages_to(GROUP)[before:]
    assert [readable(m) for m in told] == [
        "🔔 انتهى الكتم، وستصلها التنبيهات من جديد.\nفات هذه المجموعة أثناء الكتم تنبيه واحد؛ "
        "التنبيهات المكتومة لا تُرسَل لاحقاً."]
    await bot.tick()
    assert len(fake.messages_to(GROUP)) == before + 1  # said once

    # Nothing dropped: the private chat hears that too.
    await env.command(USER, USER, "/mute 1h")
    [quiet] = await env.command(USER, USER, "/unmute")
    assert "لم يفتك أي تنبيه أثناء الكتم." in readable(quiet)
