"""Prove tests/fakes/telegram_api.py against the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeTelegramAPI, parse_html

TOKEN = "123456:TEST"
USER, GROUP, SUPER, FORUM, CHANNEL = 1001, -4001, -1002001, -1003001, -1004001


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(TOKEN) as api:
        api.add_chat(USER, "private", "Ali", username="ali")
        api.add_chat(GROUP, "group", "Old group")
        api.add_chat(SUPER, "supergroup", "News", username="newsroom")
        api.add_chat(FORUM, "supergroup", "Forum", is_forum=True)
        api.add_chat(CHANNEL, "channel", "Alerts", username="alerts")
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=1.0)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as b:
        yield b


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods (no PTBDeprecationWarning from RetryAfter)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def _seconds(exc: RetryAfter) -> float:
    assert isinstance(exc.retry_after, dtm.timedelta)
    return exc.retry_after.total_seconds()


async def test_get_me_and_wrong_token(fake: FakeTelegramAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (123456, "newsbot_test_bot",
                                                               "newsbot", True)
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass


async def test_send_message_html_and_recording(fake: FakeTelegramAPI, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="open:1")]])
    msg = await bot.send_message(
        USER, '<b>عاجل</b> &amp; <a href="https://x.example/?a=1&b=2">خبر</a> &#128240;',
        parse_mode="HTML", reply_markup=markup, disable_notification=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True))
    assert msg.message_id == 1 and msg.chat.id == USER and msg.from_user.id == 123456
    assert msg.text == "عاجل & خبر 📰"
    assert [e.type for e in msg.entities] == ["bold", "text_link"]
    assert msg.entities[1].url == "https://x.example/?a=1&b=2"
    assert msg.reply_markup == markup
    second = await bot.send_message("@ali", "plain")
    assert second.message_id == 2
    [rec, rec2] = fake.messages_to(USER)
    assert rec.text.startswith("<b>") and rec.plain_text == msg.text
    assert rec.parse_mode == "HTML" and rec.disable_notification is True
    assert rec.reply_markup == markup.to_dict()
    assert rec.link_preview_options == {"is_disabled": True}
    assert rec2.parse_mode is None and rec2.message_id == 2 and rec2.time >= rec.time
    name, params = fake.calls[-1]
    assert name == "sendMessage" and params["chat_id"] == "@ali"


@pytest.mark.parametrize("text", [
    "a < b", "AT&T", "<b>open", "<b><i>x</b></i>", "</b>", "<div>x</div>",
    '<span class="x">s</span>', "<b>x</b></b>", "&bogus;"])
async def test_bad_html_is_rejected_and_not_recorded(fake: FakeTelegramAPI, bot: Bot,
                                                     text: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")
    assert fake.sent == []


def test_parse_html_supported_tags() -> None:
    text, entities = parse_html(
        '<strong>b</strong><em>i</em><ins>u</ins><del>s</del><tg-spoiler>p</tg-spoiler>'
        '<span class="tg-spoiler">q</span><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre>'
        '<blockquote expandable>long</blockquote><tg-emoji emoji-id="5368324170671202286">👍'
        '</tg-emoji>&lt;&gt;&quot;&#x41;')
    assert text == 'biuspqcx = 1long👍<>"A'
    types = [e["type"] for e in entities]
    assert types == ["bold", "italic", "underline", "strikethrough", "spoiler", "spoiler",
                     "code", "pre", "expandable_blockquote", "custom_emoji"]
    assert entities[7]["language"] == "python" and entities[-1]["length"] == 2  # UTF-16


async def test_length_is_checked_after_entity_parsing(fake: FakeTelegramAPI, bot: Bot) -> None:
    ok = await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    assert len(fake.sent) == 1


async def test_chat_not_found_threads_and_membership(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-999, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat("@nobody")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(SUPER, "hi", message_thread_id=7)
    topic = await bot.send_message(FORUM, "hi", message_thread_id=77)
    assert topic.message_thread_id == 77 and topic.is_topic_message
    assert [m.text for m in fake.messages_to(FORUM, thread_id=77)] == ["hi"]
    assert fake.messages_to(FORUM, thread_id=5) == []
    post = await bot.send_message("@alerts", "breaking")
    assert post.sender_chat.id == CHANNEL and post.from_user is None
    fake.set_member(USER, fake.bot_id, "kicked")  # the user blocked the bot
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    fake.set_member(SUPER, fake.bot_id, "kicked")
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await bot.send_message(SUPER, "hi")
    chat = await bot.get_chat("@newsroom")
    assert (chat.id, chat.type, chat.title) == (SUPER, "supergroup", "News")


async def test_edit_message_text(fake: FakeTelegramAPI, bot: Bot) -> None:
    msg = await bot.send_message(GROUP, "<i>v1</i>", parse_mode="HTML")
    edited = await bot.edit_message_text("<b>v2</b>", GROUP, msg.message_id, parse_mode="HTML")
    assert edited.text == "v2" and edited.edit_date is not None
    assert fake.edits[0].plain_text == "v2" and fake.edits[0].message_id == msg.message_id
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>v2</b>", GROUP, msg.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", GROUP, 999)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text("<b>x", GROUP, msg.message_id, parse_mode="HTML")
    assert len(fake.edits) == 1


async def test_injected_errors_map_to_ptb_exceptions(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", error="429", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert _seconds(info.value) == 7
    fake.fail_next("sendMessage", error="403_blocked", chat_id=USER)
    await bot.send_message(GROUP, "other chat is unaffected")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER, "x")
    fake.fail_next("sendMessage", error="403_kicked")
    with pytest.raises(Forbidden, match="not a member of the channel chat"):
        await bot.send_message(CHANNEL, "x")
    fake.fail_next("sendMessage", error="400_not_found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER, "x")
    fake.fail_next("sendMessage", error="400_migrated", migrate_to_chat_id=-100555)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(GROUP, "x")
    assert migrated.value.new_chat_id == -100555
    fake.fail_next("sendMessage", error="500")
    with pytest.raises(NetworkError, match="Internal Server Error") as e500:
        await bot.send_message(USER, "x")
    assert type(e500.value) is NetworkError
    fake.fail_next("sendMessage", error="502")
    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)") as e502:
        await bot.send_message(USER, "x")
    assert type(e502.value) is NetworkError
    fake.fail_next("sendMessage", error="timeout", delay=1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "late")
    assert [m.plain_text for m in fake.sent] == ["other chat is unaffected"]
    await fake.wait_sent(2, timeout=3)  # like Telegram, the timed-out request is still delivered
    assert fake.sent[-1].plain_text == "late"
    assert await bot.send_message(USER, "fine")
    assert sum(1 for name, _ in fake.calls if name == "sendMessage") == 10


async def test_outage_and_count(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", error="500", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "x")
    await bot.send_message(USER, "ok")
    fake.set_outage(None, "429", retry_after=3)
    for call in (bot.get_me(), bot.send_message(USER, "x")):
        with pytest.raises(RetryAfter) as info:
            await call
        assert _seconds(info.value) == 3
    fake.clear_outage()
    fake.set_outage("getMe", "502")
    await bot.send_message(USER, "still fine")
    with pytest.raises(NetworkError):
        await bot.get_me()
    fake.clear_outage("getMe")
    assert (await bot.get_me()).id == 123456
    assert [m.plain_text for m in fake.sent] == ["ok", "still fine"]


async def test_real_migration_and_unknown_method(fake: FakeTelegramAPI, bot: Bot) -> None:
    update = Update.de_json(fake.push_migration(GROUP, -1009999), bot)
    assert update.message.migrate_to_chat_id == -1009999
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(GROUP, "x")
    assert info.value.new_chat_id == -1009999
    assert (await bot.send_message(-1009999, "x")).chat.type == "supergroup"
    with pytest.raises(InvalidToken, match="Not Found"):  # PTB maps HTTP 404 to InvalidToken
        await bot._post("noSuchMethod")


@pytest.mark.parametrize(("status", "cls"), [
    ("creator", ChatMemberOwner), ("administrator", ChatMemberAdministrator),
    ("member", ChatMemberMember), ("restricted", ChatMemberRestricted),
    ("left", ChatMemberLeft), ("kicked", ChatMemberBanned)])
async def test_get_chat_member_statuses(fake: FakeTelegramAPI, bot: Bot, status: str,
                                        cls: type) -> None:
    fake.set_member(SUPER, 42, status)
    member = await bot.get_chat_member(SUPER, 42)
    assert type(member) is cls and member.status == status and member.user.id == 42


async def test_members_admins_and_leave(fake: FakeTelegramAPI, bot: Bot) -> None:
    assert isinstance(await bot.get_chat_member(SUPER, 777), ChatMemberLeft)
    assert isinstance(await bot.get_chat_member(CHANNEL, fake.bot_id), ChatMemberAdministrator)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat_member(-5, 1)
    fake.set_member(SUPER, 1, "creator")
    admins = await bot.get_chat_administrators(SUPER)
    assert [a.user.id for a in admins] == [1]
    assert await bot.leave_chat(SUPER)
    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await bot.send_message(SUPER, "x")


async def test_commands(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "ابدأ"), BotCommand("track", "تتبع")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("admin", "x")], scope=BotCommandScopeChat(SUPER))
    assert [c["command"] for c in fake.commands[("default", "")]] == ["start", "track"]
    assert fake.commands[("default", "en")] == [{"command": "start", "description": "Start"}]
    assert fake.commands[(f"chat:{SUPER}", "")][0]["command"] == "admin"
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_get_updates_long_poll_and_offset(fake: FakeTelegramAPI, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=0.3) == ()
    assert loop.time() - started >= 0.25
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    first = fake.push_message(USER, USER, "/start@newsbot_test_bot now", username="ali")
    started = loop.time()
    [update] = await poll
    assert loop.time() - started < 1.0
    assert update.update_id == first["update_id"]
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start@newsbot_test_bot")
    assert update.effective_user.language_code == "ar"
    fake.push_channel_post(CHANNEL, "post")
    fake.push_message(SUPER, 5, "anon", sender_chat_id=SUPER)
    updates = await bot.get_updates(offset=update.update_id + 1, limit=1)
    assert len(updates) == 1 and updates[0].channel_post.sender_chat.id == CHANNEL
    [anon] = await bot.get_updates(offset=updates[0].update_id + 1)
    assert anon.message.from_user.id == 1087968824 and anon.message.sender_chat.id == SUPER
    fake.push_my_chat_member(GROUP, "member", "kicked", by_user_id=5)
    assert await bot.get_updates(offset=anon.update_id + 1, allowed_updates=["message"]) == ()
    fake.push_my_chat_member(GROUP, "kicked", "member", by_user_id=5)
    [added] = await bot.get_updates(allowed_updates=[])
    assert added.my_chat_member.new_chat_member.status == "member"
    assert added.my_chat_member.from_user.id == 5


async def test_webhook_and_poll_conflicts(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message(USER, USER, "pending")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await bot.set_webhook("https://bot.example/hook", drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("https://bot.example/hook", 0)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    first = asyncio.create_task(bot.get_updates(timeout=3, read_timeout=5))
    await asyncio.sleep(0.05)
    async with Bot(TOKEN, base_url=fake.base_url) as second:  # PTB's getUpdates pool size is 1
        assert await second.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    update = fake.update_json("message", USER, USER, "/start")
    assert Update.de_json(update, bot).message.text == "/start"
    assert (await bot.get_webhook_info()).pending_update_count == 0  # not queued


async def test_callback_answers_and_raw_protocol(fake: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_message(FORUM, "pick", message_thread_id=3)
    pushed = fake.push_callback_query(FORUM, USER, "pick:1", sent.message_id)
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query.id == pushed["callback_query"]["id"] and query.data == "pick:1"
    assert query.message.message_id == sent.message_id and query.message.message_thread_id == 3
    assert await query.answer("ok", show_alert=True)
    assert fake.callback_answers[0]["show_alert"] is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    with pytest.raises(ValueError, match="sent no message"):
        fake.push_callback_query(FORUM, USER, "x", 999)
    async with aiohttp.ClientSession() as http:  # JSON bodies work too, like on Telegram
        async with http.post(f"{fake.base_url}{TOKEN}/sendmessage",
                             json={"chat_id": USER, "text": "raw"}) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["result"]["text"] == "raw"
        async with http.post(f"{fake.base_url}{TOKEN}/fooBar") as resp:
            assert (resp.status, await resp.json()) == (404, {
                "ok": False, "error_code": 404, "description": "Not Found: method not found"})
        async with http.get(f"{fake.base_url}1:BAD/getMe") as resp:
            assert (await resp.json())["description"] == "Unauthorized" and resp.status == 401
        fake.fail_next("getMe", error="429", retry_after=5)
        async with http.get(f"{fake.base_url}{TOKEN}/getMe") as resp:
            assert await resp.json() == {"ok": False, "error_code": 429, "description":
                                         "Too Many Requests: retry after 5",
                                         "parameters": {"retry_after": 5}}
    assert [name for name, _ in fake.calls[-3:]] == ["sendMessage", "fooBar", "getMe"]


async def test_application_polling_command_and_callback(fake: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Track", callback_data="t")]])
        await update.effective_message.reply_html("<b>أهلاً</b>", reply_markup=markup)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("done")
        await update.callback_query.edit_message_text("tracked")

    app = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.push_message(SUPER, USER, "/start@newsbot_test_bot")
        [reply] = await fake.wait_sent(1, timeout=5)
        assert (reply.chat_id, reply.plain_text, reply.parse_mode) == (SUPER, "أهلاً", "HTML")
        fake.push_callback_query(SUPER, USER, "t", reply.message_id)
        async with asyncio.timeout(5):
            while not fake.edits:
                await asyncio.sleep(0.01)
        await app.updater.stop()
        await app.stop()
    assert fake.callback_answers[0]["text"] == "done"
    assert fake.edits[0].plain_text == "tracked"
    names = [name for name, _ in fake.calls]
    assert names[0] == "getMe" and "deleteWebhook" in names and names[-1] == "getUpdates"
    assert fake.calls[-1][1]["offset"] > 0 and not fake._updates  # all confirmed
