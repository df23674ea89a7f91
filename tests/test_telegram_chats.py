"""Telegram end to end: private chats, groups, forum topics, channels and the /topics keyboard.

The real NewsBot with the real PTB Application against FakeTelegramAPI (see tests/support/telegram.py).
"""

from __future__ import annotations

from bot.app import NewsBot
from bot.commands.table import COMMANDS
from bot.commands.texts import T
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import (
    ADMIN,
    BOT_NAME,
    CHANNEL,
    FORUM,
    GROUP,
    MEMBER,
    STRANGER,
    SUPER,
    USER,
    Env,
    alerts,
    env,
    fake,
    ptb_timedelta,
)
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here


async def _has_term(bot: NewsBot, chat: int, term: str) -> bool:
    dest = await bot.chats.find_destination("telegram", str(chat))
    return dest is not None and term in await bot.chats.terms(dest.id)


def utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2:(offset + length) * 2].decode("utf-16-le")


async def test_private_start_watch_and_one_alert(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [hello] = await env.command(USER, USER, "/start")
    assert hello.parse_mode == "HTML" and "أهلاً" in hello.plain_text and "/subscribe" in hello.plain_text
    [added] = await env.command(USER, USER, "/watch الغواصة")
    assert "أضفتُ" in added.plain_text and "الغواصة" in added.plain_text

    link = env.publish("روسيا تختبر الغواصة الجديدة في بحر الشمال", "وقالت البحرية إن الغواصة أبحرت صباحاً.",
                       link="https://news.example/sub?id=7&lang=ar")
    await bot.tick()
    [alert] = alerts(fake, USER)
    assert alert.parse_mode == "HTML"
    assert alert.link_preview_options == {"url": link}
    text = alert.plain_text
    assert "روسيا تختبر الغواصة الجديدة" in text and "سبب التنبيه" in text and "#عبارات_خاصة" in text
    assert "وكالة الأنباء" in text
    bolds = [utf16_slice(text, e["offset"], e["length"]) for e in alert.entities if e["type"] == "bold"]
    assert "الغواصة" in bolds and bolds.count("الغواصة") >= 2  # title and summary
    [link_entity] = [e for e in alert.entities if e["type"] == "text_link"]
    assert link_entity["url"] == link

    await bot.tick()  # nothing new: nothing sent again
    assert len(alerts(fake, USER)) == 1
    # A plain message gets a one-line hint; commands for another bot are ignored; unknown ones explained.
    [hint] = await env.command(USER, USER, "مرحباً، كيف الحال؟")
    assert T.PLAIN_HINT in hint.plain_text
    await env.silent(USER, USER, "/watch@other_bot شيء")
    [unknown] = await env.command(USER, USER, "/frobnicate")
    assert T.UNKNOWN in unknown.plain_text
    [bad] = await env.command(USER, USER, "/mute forever")
    assert "مدة غير صالحة" in bad.plain_text
    [mine] = await env.command(USER, USER, f"/watchlist@{BOT_NAME}")
    assert "الغواصة" in mine.plain_text


async def test_group_member_refused_admin_and_anonymous_admin_allowed(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [refused] = await env.command(GROUP, MEMBER, "/subscribe nato")
    assert T.NOT_ADMIN in refused.plain_text
    assert await env.dest(bot, GROUP) is None  # nothing stored
    assert refused.message_thread_id is None
    assert fake.calls[-1][1].get("reply_parameters", {}).get("message_id")  # quotes the command in groups

    [ok] = await env.command(GROUP, ADMIN, "/subscribe nato")
    assert "تم الاشتراك" in ok.plain_text
    dest = await env.dest(bot, GROUP)
    assert dest is not None and await bot.chats.subscriptions(dest.id) == ["nato"]
    [watching] = await env.command(GROUP, ADMIN, "/watch الفرقاطة")
    assert "أضفتُ" in watching.plain_text
    checks = [p for name, p in fake.calls if name == "getChatMember" and p["user_id"] == ADMIN]
    assert len(checks) == 1  # the admin check is cached briefly

    # Anonymous admin: sent as the group itself (sender_chat == chat).
    [anon] = await env.command(SUPER, STRANGER, "/subscribe black-sea", sender_chat_id=SUPER)
    assert "تم الاشتراك" in anon.plain_text
    dest = await env.dest(bot, SUPER)
    assert dest is not None and await bot.chats.subscriptions(dest.id) == ["black-sea"]

    # Reading is open to members; a bare unknown command in a group is left to other bots.
    [listing] = await env.command(GROUP, MEMBER, "/watchlist")
    assert "حلف الناتو" in listing.plain_text
    await env.silent(GROUP, MEMBER, "/ban someone")
    [explained] = await env.command(GROUP, MEMBER, f"/ban@{BOT_NAME}")
    assert T.UNKNOWN in explained.plain_text

    env.publish("اجتماع لحلف الناتو في بروكسل")
    await bot.tick()
    assert len(alerts(fake, GROUP)) == 1 and alerts(fake, SUPER) == []


async def test_forum_topic_subscription_is_delivered_into_its_topic(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [reply] = await env.command(FORUM, ADMIN, "/subscribe ceasefire", message_thread_id=77, is_topic_message=True)
    assert reply.message_thread_id == 77 and "تم الاشتراك" in reply.plain_text
    assert await env.dest(bot, FORUM, 77) is not None and await env.dest(bot, FORUM, 0) is None

    env.publish("إعلان وقف إطلاق النار في المدينة")
    await bot.tick()
    [alert] = alerts(fake, FORUM)
    assert alert.message_thread_id == 77
    assert "#وقف_إطلاق_النار" in alert.plain_text


async def test_channel_configured_from_private_chat(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    fake.add_chat(-1005001, "channel", "قناة بلا صلاحية", username="no_rights_channel")
    fake.set_member(-1005001, fake.bot_id, "member")
    fake.set_member(-1005001, USER, "administrator")
    fake.set_member(CHANNEL, USER, "administrator")
    fake.add_chat(STRANGER, "private", "Sami", username="sami_private")

    [no_admin] = await env.command(STRANGER, STRANGER, "/subscribe @alerts_channel nato")
    assert "يجب أن تكون مشرفاً" in no_admin.plain_text
    [missing] = await env.command(USER, USER, "/subscribe @nobody_here nato")
    assert "لم أجد القناة" in missing.plain_text
    [not_channel] = await env.command(USER, USER, "/subscribe @sami_private nato")
    assert "ليست قناة" in not_channel.plain_text
    [bot_member] = await env.command(USER, USER, "/subscribe @no_rights_channel nato")
    assert "أضفني مشرفاً" in bot_member.plain_text
    assert await env.dest(bot, CHANNEL) is None and await env.dest(bot, -1005001) is None

    [ok] = await env.command(USER, USER, "/subscribe @alerts_channel nato")
    assert ok.chat_id == USER and "تم الاشتراك" in ok.plain_text and "alerts_channel" in ok.plain_text
    dest = await env.dest(bot, CHANNEL)
    assert dest is not None and dest.kind == "channel" and await bot.chats.subscriptions(dest.id) == ["nato"]
    assert await env.dest(bot, USER) is None  # the private chat itself subscribed to nothing

    # Commands posted in the channel come from its admins; they take effect, unanswered in public.
    fake.push_channel_post(CHANNEL, "/watch الفرقاطة")
    await wait_until(lambda: _has_term(bot, CHANNEL, "الفرقاطة"), what="the channel's command applied")
    assert fake.messages_to(CHANNEL) == []

    env.publish("الناتو يرسل الفرقاطة إلى البحر")
    await bot.tick()
    [alert] = alerts(fake, CHANNEL)
    assert "#الناتو" in alert.plain_text and "#عبارات_خاصة" in alert.plain_text and "#قائمتي" not in alert.plain_text
    assert alerts(fake, USER) == []


async def test_topics_keyboard_toggles(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [menu] = await env.command(USER, USER, "/topics")
    rows = menu.reply_markup["inline_keyboard"]
    buttons = {b["callback_data"]: b["text"] for row in rows for b in row}
    assert "toggle:nato" in buttons and buttons["toggle:nato"].startswith("⬜")

    fake.push_callback_query(USER, USER, "toggle:nato", menu.message_id)
    await wait_until(lambda: len(fake.edits) == 1 and len(fake.callback_answers) == 1, what="toggle on")
    assert "فُعِّل" in fake.callback_answers[0]["text"]
    edited = fake.edits[0]
    assert edited.message_id == menu.message_id and edited.parse_mode == "HTML"
    after = {b["callback_data"]: b["text"] for row in edited.reply_markup["inline_keyboard"] for b in row}
    assert after["toggle:nato"].startswith("✅") and after["toggle:black-sea"].startswith("⬜")
    dest = await env.dest(bot, USER)
    assert dest is not None and await bot.chats.subscriptions(dest.id) == ["nato"]

    fake.push_callback_query(USER, USER, "toggle:nato", menu.message_id)
    await wait_until(lambda: len(fake.edits) == 2 and len(fake.callback_answers) == 2, what="toggle off")
    assert "أُوقف" in fake.callback_answers[1]["text"]
    assert await bot.chats.subscriptions(dest.id) == []

    # No ids: the default topics; no ids to /unsubscribe: pause everything, keep the settings.
    [subscribed] = await env.command(USER, USER, "/subscribe")
    assert "تم الاشتراك" in subscribed.plain_text
    assert await bot.chats.subscriptions(dest.id) == ["black-sea", "ceasefire", "nato"]
    [paused] = await env.command(USER, USER, "/unsubscribe")
    assert T.PAUSED in paused.plain_text
    paused_dest = await env.dest(bot, USER)
    assert paused_dest is not None and not paused_dest.enabled
    assert await bot.chats.subscriptions(dest.id) == ["black-sea", "ceasefire", "nato"]

    # In a group, a member's press is refused with an alert and changes nothing.
    [group_menu] = await env.command(GROUP, MEMBER, "/topics")
    fake.push_callback_query(GROUP, MEMBER, "toggle:nato", group_menu.message_id)
    await wait_until(lambda: len(fake.callback_answers) == 3, what="refusal")
    assert fake.callback_answers[2]["show_alert"] is True and T.NOT_ADMIN in fake.callback_answers[2]["text"]
    assert len(fake.edits) == 2 and await env.dest(bot, GROUP) is None
    fake.push_callback_query(GROUP, ADMIN, "toggle:nato", group_menu.message_id)
    await wait_until(lambda: len(fake.edits) == 3, what="admin toggle")
    assert fake.edits[2].chat_id == GROUP


async def test_command_menu_registered_in_arabic_and_default(env: Env, fake: FakeTelegramAPI) -> None:
    await env.start()
    expected = [{"command": cmd.name, "description": cmd.description} for cmd in COMMANDS.values()]
    assert fake.commands[("default", "ar")] == expected
    assert fake.commands[("default", "")] == expected
