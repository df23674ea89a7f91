"""Buttons on alerts end to end (Telegram): acknowledge, not relevant, assign; forged presses refused.

The real NewsBot with the real PTB Application against the Telegram double. A press is a real
callback_query update; the redrawn alert is a real editMessageText sent through the outbox.
"""

from __future__ import annotations

from typing import Any

from bot.alerts.work import LABELS
from bot.commands.texts import T
from bot.domain.states import AlertAction
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, GROUP, MEMBER, SUPER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

TITLE = "قمة الناتو تبدأ اليوم في بروكسل"


def buttons(message: SentMessage) -> dict[str, str]:
    """Button label -> callback data, from the inline keyboard the bot sent."""
    markup: Any = message.reply_markup or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def press(env: Env, chat: int, user: int, data: str, message_id: int) -> dict[str, Any]:
    """Press a button; returns Telegram's record of the callback's answer (every press is answered)."""
    before = len(env.fake.callback_answers)
    env.fake.push_callback_query(chat, user, data, message_id)
    await wait_until(lambda: len(env.fake.callback_answers) > before, what="the callback answer")
    return env.fake.callback_answers[before]


def edits_of(fake: FakeTelegramAPI, chat: int, message_id: int) -> list[SentMessage]:
    return [m for m in fake.edits if m.chat_id == chat and m.message_id == message_id]


async def test_acknowledge_assign_and_not_relevant(env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_member(GROUP, MEMBER, "member")
    fake.set_member(SUPER, MEMBER, "member")
    bot = await env.start()
    for chat in (GROUP, SUPER):
        await env.command(chat, ADMIN, "/subscribe nato", first_name="سارة")
    [refused] = await env.command(GROUP, MEMBER, "/buttons on", first_name="علي")
    assert refused.plain_text.endswith(T.NOT_ADMIN)
    [bad] = await env.command(GROUP, ADMIN, "/buttons maybe", first_name="سارة")
    assert T.BUTTONS_BAD in bad.plain_text
    for chat in (GROUP, SUPER):
        [on] = await env.command(chat, ADMIN, "/buttons on", first_name="سارة")
        assert on.plain_text.endswith(T.BUTTONS_ON)

    env.publish(TITLE)
    await bot.tick()
    [alert] = alerts(fake, GROUP)
    [other] = alerts(fake, SUPER)
    keys = buttons(alert)
    assert set(keys) == set(LABELS.values())
    ack, nr, assign = (keys[LABELS[a]] for a in (AlertAction.ACK, AlertAction.IRRELEVANT, AlertAction.ASSIGN))
    assert all(len(d.encode()) <= 64 for d in keys.values())

    # The first press takes it: the alert is edited in place with the name and the time.
    answer = await press(env, GROUP, MEMBER, ack, alert.message_id)
    assert answer.get("text") == T.ACK_DONE
    await wait_until(lambda: edits_of(fake, GROUP, alert.message_id), what="the alert redrawn")
    [edited] = edits_of(fake, GROUP, alert.message_id)
    assert "✅ تابعه: \u2067علي\u2069 · " in edited.plain_text and TITLE in edited.plain_text
    assert buttons(edited) == keys  # the buttons stay

    # A second presser is answered politely and nothing changes.
    answer = await press(env, GROUP, ADMIN, ack, alert.message_id)
    assert answer.get("show_alert") is True and "تابعه علي في" in answer.get("text", "")
    again = await press(env, GROUP, MEMBER, ack, alert.message_id)
    assert "سجّلتَ متابعته بالفعل" in again.get("text", "")
    await bot.drain(timeout=5)
    assert len(edits_of(fake, GROUP, alert.message_id)) == 1

    # Forged data, another chat's token, a token moved onto another message: refused, nothing changes.
    forged = ack.rsplit("|", 1)[0] + "|AAAAAAAAAAAAAAAA"
    other_ack = buttons(other)[LABELS[AlertAction.ACK]]
    [reply_msg] = await env.command(GROUP, ADMIN, "/watchlist", first_name="سارة")
    for data, message_id in ((forged, alert.message_id), (other_ack, alert.message_id),
                             ("w|a|999999|xyz", alert.message_id), ("w|z|1|x", alert.message_id),
                             (ack, reply_msg.message_id)):  # the right token on another message of this chat
        answer = await press(env, GROUP, MEMBER, data, message_id)
        assert answer.get("text", "").lstrip("\u200f") == T.WORK_REFUSED, data
        assert answer.get("show_alert") is True
    # And SUPER's alert was not touched by GROUP's presses.
    await bot.drain(timeout=5)
    assert edits_of(fake, SUPER, other.message_id) == []
    assert len(edits_of(fake, GROUP, alert.message_id)) == 1

    # Not relevant: recorded with the term that fired.
    answer = await press(env, GROUP, MEMBER, nr, alert.message_id)
    assert answer.get("text", "").startswith("🔕 شكراً") and "الناتو" in answer["text"]
    assert (await press(env, GROUP, MEMBER, nr, alert.message_id)).get("text") == T.IRRELEVANT_AGAIN
    top = await bot.desk.alert_work.top_irrelevant_terms(bot.clock().replace(year=2000))
    assert top and "الناتو" in top[0][0] and top[0][1] == 1
    [preview] = await env.command(GROUP, ADMIN, "/preview الناتو", first_name="سارة")
    assert "🔕 ضُغط «ليس ذا صلة» هنا على تنبيهات أطلقتها هذه العبارة مرة واحدة خلال الأيام السبعة الأخيرة." \
        in preview.plain_text

    # Assign: the button explains; /assign as a reply to the alert names the member once, for real.
    answer = await press(env, GROUP, MEMBER, assign, alert.message_id)
    assert "/assign" in answer.get("text", "")
    [not_reply] = await env.command(GROUP, ADMIN, "/assign @ali_k", first_name="سارة")
    assert T.ASSIGN_NOT_REPLY in not_reply.plain_text
    [bad_name] = await env.command(GROUP, ADMIN, "/assign علي", first_name="سارة", reply_to_message_id=alert.message_id)
    assert T.ASSIGN_BAD.replace("@", "@\u200d") in bad_name.plain_text  # our example is no mention either
    [assigned] = await env.command(GROUP, ADMIN, "/assign @ali_k", first_name="سارة",
                                   reply_to_message_id=alert.message_id)
    assert "👤 أُسند هذا التنبيه إلى @ali_k (أسنده: \u2067سارة\u2069)" in assigned.plain_text
    assert "@\u200dali_k" not in assigned.text  # a real mention, not a defused one
    await wait_until(lambda: len(edits_of(fake, GROUP, alert.message_id)) == 2, what="the assignee on the alert")
    redrawn = edits_of(fake, GROUP, alert.message_id)[-1].plain_text
    assert "👤 مسند إلى: @ali_k" in redrawn and "✅ تابعه: \u2067علي\u2069" in redrawn

    # The audit log has both, with who did them.
    [history] = await env.command(GROUP, ADMIN, "/history 3", first_name="سارة")
    assert "أسند التنبيه" in history.plain_text and "تابع التنبيه" in history.plain_text and "علي" in history.plain_text
    assert "ack #" not in history.plain_text  # said in words, not the log's key


async def test_no_buttons_unless_asked(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(GROUP, ADMIN, "/subscribe nato")
    env.publish(TITLE)
    await bot.tick()
    [alert] = alerts(fake, GROUP)
    assert buttons(alert) == {}
    [off] = await env.command(GROUP, ADMIN, "/buttons off")
    assert off.plain_text.endswith(T.BUTTONS_ALREADY_OFF)
