"""The 🔔 follow button end to end (Telegram): later copies of the story come as replies to that alert.

The real NewsBot with the real PTB Application against the Telegram double. A press is a real
callback_query; the copy from another outlet arrives through the real feed poller, ingest and outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.work import LABELS
from bot.commands.texts import T
from bot.domain.states import AlertAction
from tests.conftest import write_config
from tests.fakes.feed_server import Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, GROUP, MEMBER, SUPER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until
from tests.test_ops_alert_buttons import buttons, edits_of, press

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

TITLE = "الناتو يعقد قمة طارئة في بروكسل"


def replies_to(fake: FakeTelegramAPI, chat: int, message_id: int) -> list[SentMessage]:
    return [m for m in fake.sent if m.chat_id == chat and m.reply_to == message_id]


def feeds_config(env: Env) -> None:
    for path in ("/other.xml", "/third.xml"):
        env.feeds.add_feed(path, rss2([Item("بداية", f"https://x.example{path}/start")]))
    write_config(env.tmp_path / "config", [
        {"id": "news", "url": env.feeds.url("/news.xml"), "name": "وكالة الأنباء"},
        {"id": "other", "url": env.feeds.url("/other.xml"), "name": "الصحيفة الأخرى"},
        {"id": "third", "url": env.feeds.url("/third.xml"), "name": "الإذاعة الثالثة"}])


def carry(env: Env, path: str, link: str) -> None:
    """Another outlet carries the same story."""
    env.feeds.set_body(path, rss2([Item(TITLE, link, published=datetime.now(UTC))]))


async def test_follow_posts_later_copies_as_replies(env: Env, fake: FakeTelegramAPI) -> None:
    feeds_config(env)
    for chat in (GROUP, SUPER):
        fake.set_member(chat, MEMBER, "member")
    bot = await env.start(edit_delay=0.0)
    for chat in (GROUP, SUPER):
        await env.command(chat, ADMIN, "/subscribe nato", first_name="سارة")
        await env.command(chat, ADMIN, "/buttons on", first_name="سارة")
    env.publish(TITLE, link="https://news.example/summit")
    await bot.tick()
    [alert] = alerts(fake, GROUP)
    [other] = alerts(fake, SUPER)
    follow = buttons(alert)[LABELS[AlertAction.FOLLOW]]
    other_follow = buttons(other)[LABELS[AlertAction.FOLLOW]]
    assert len(follow.encode()) <= 64

    # Forged presses: SUPER's token in GROUP, GROUP's token on SUPER's alert, a made-up signature.
    for chat, data, message_id in ((GROUP, other_follow, alert.message_id), (SUPER, follow, other.message_id),
                                   (GROUP, follow.rsplit("|", 1)[0] + "|AAAAAAAAAAAAAAAA", alert.message_id)):
        answer = await press(env, chat, MEMBER, data, message_id)
        assert answer.get("text", "").lstrip("\u200f") == T.WORK_REFUSED, data
    # GROUP's own token on a message of GROUP that is not the alert: refused too.
    [reply_msg] = await env.command(GROUP, ADMIN, "/watchlist", first_name="سارة")
    answer = await press(env, GROUP, MEMBER, follow, reply_msg.message_id)
    assert answer.get("text", "").lstrip("\u200f") == T.WORK_REFUSED

    # The real press: answered, and the alert says the story is followed.
    answer = await press(env, GROUP, MEMBER, follow, alert.message_id)
    assert answer.get("text") == T.FOLLOW_ON
    await wait_until(lambda: edits_of(fake, GROUP, alert.message_id), what="the alert redrawn")
    assert "🔔 القصة متابَعة (تابعها: \u2068User\u2069)" in edits_of(fake, GROUP, alert.message_id)[-1].plain_text

    # Another outlet carries the story: GROUP gets it as a reply to its alert, once; SUPER only the edit.
    carry(env, "/other.xml", "https://other.example/a/77")
    await bot.tick()
    await bot.tick()
    await wait_until(lambda: replies_to(fake, GROUP, alert.message_id), what="the copy as a reply")
    await wait_until(lambda: edits_of(fake, SUPER, other.message_id), what="SUPER's alert edited")
    await bot.tick()
    await bot.drain(timeout=5)
    [reply] = replies_to(fake, GROUP, alert.message_id)
    assert "🔔 تحديث للقصة التي تتابعونها: " + TITLE in reply.plain_text
    assert "🗞️ أوردتها أيضاً: \u2067الصحيفة الأخرى\u2069" in reply.plain_text
    assert "https://other.example/a/77" in reply.plain_text
    assert replies_to(fake, SUPER, other.message_id) == []  # no press there: the edit only
    assert [m for m in fake.sent if m.chat_id == SUPER and "أوردتها أيضاً" in m.plain_text] == []
    assert "🗞️ وأوردته أيضاً: \u2067الصحيفة الأخرى" in edits_of(fake, SUPER, other.message_id)[-1].plain_text
    assert "وأوردته أيضاً: \u2067الصحيفة الأخرى" in edits_of(fake, GROUP, alert.message_id)[-1].plain_text  # edit too

    # Pressing again stops following: the next outlet's copy is an edit only.
    answer = await press(env, GROUP, ADMIN, follow, alert.message_id)
    assert answer.get("text") == T.FOLLOW_OFF
    await wait_until(lambda: "القصة متابَعة" not in edits_of(fake, GROUP, alert.message_id)[-1].plain_text,
                     what="the follow line gone")
    carry(env, "/third.xml", "https://third.example/b/5")
    await bot.tick()
    await bot.tick()
    await wait_until(lambda: "الإذاعة الثالثة" in edits_of(fake, GROUP, alert.message_id)[-1].plain_text,
                     what="the third outlet in the edit")
    await bot.drain(timeout=5)
    assert len(replies_to(fake, GROUP, alert.message_id)) == 1

    # The audit log has both presses, with who made them.
    [history] = await env.command(GROUP, ADMIN, "/history 3", first_name="سارة")
    assert "unfollow" in history.plain_text and "follow" in history.plain_text and "User" in history.plain_text
