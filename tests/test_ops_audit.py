"""The audit log end to end: settings changes recorded by the command core, read by /history and newsbot audit.

Real NewsBot + real PTB Application against the Telegram double; the Slack case through the real Bolt app.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import ADMIN, CHANNEL, GROUP, MEMBER, USER, Env, env, fake, ptb_timedelta
from tests.test_ops_deadletters import run_cli
from tests.test_slack import all_text, command, feeds, loopback_only, running, slack_settings
from tests.test_slack import fake as slack_fake

__all__ = ["env", "fake", "ptb_timedelta", "feeds", "loopback_only", "slack_fake"]  # fixtures used here


async def test_history_shows_who_changed_what_before_and_after(env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_member(GROUP, MEMBER, "member")
    bot = await env.start()
    await env.command(GROUP, ADMIN, "/subscribe nato", first_name="سارة")
    await env.command(GROUP, ADMIN, "/watch الفرقاطة", first_name="سارة")
    await env.command(GROUP, ADMIN, "/mute 2h", first_name="سارة")
    await env.command(GROUP, ADMIN, "/watchlist", first_name="سارة")  # reads only: not recorded
    await env.command(GROUP, MEMBER, "/unsubscribe nato")  # refused: not recorded

    [refused] = await env.command(GROUP, MEMBER, "/history")
    assert refused.plain_text.endswith(T.NOT_ADMIN_VIEW)
    [history] = await env.command(GROUP, ADMIN, "/history")
    text = history.plain_text
    lines = text.split("\n")
    assert T.HISTORY_HEADER in lines[0]
    # Newest first: mute, watch, subscribe; each with the name, the user id and what changed.
    items = [i for i, ln in enumerate(lines) if "🕘" in ln]
    assert len(items) == 3
    assert "mute 2h" in lines[items[0]] and "watch الفرقاطة" in lines[items[1]]
    assert "subscribe nato" in lines[items[2]] and "سارة" in lines[items[2]] and str(ADMIN) in lines[items[2]]
    blocks = ["\n".join(lines[a:b]) for a, b in zip(items, [*items[1:], len(lines)])]
    assert "الكتم: غير مكتومة ← مكتومة حتى" in blocks[0]
    assert "العبارات: لا شيء ← «\u2067الفرقاطة\u2069»" in blocks[1]
    assert "المتابعات: حلف الناتو ← العبارات الخاصة، حلف الناتو" in blocks[1]  # /watch turns the own list on
    assert "المتابعات: لا شيء ← حلف الناتو" in blocks[2]
    assert "watchlist" not in text and "unsubscribe" not in text

    [one] = await env.command(GROUP, ADMIN, "/history 1")
    assert one.plain_text.count("🕘") == 1
    [bad] = await env.command(GROUP, ADMIN, "/history كثير")
    assert T.HISTORY_BAD.format(max=50) in bad.plain_text

    # Private chat: anyone may read their own; a channel set up from a private chat is logged under the channel.
    [mine] = await env.command(USER, USER, "/history")
    assert mine.plain_text.endswith(T.HISTORY_NONE)
    await env.command(USER, ADMIN, "/subscribe @alerts_channel ceasefire", first_name="سارة")
    [chan] = await env.command(USER, ADMIN, "/history @alerts_channel", first_name="سارة")
    assert "subscribe ceasefire" in chan.plain_text and "وقف إطلاق النار" in chan.plain_text

    # The operator's view, as text and as JSON.
    out = run_cli(bot, "audit")
    assert out.returncode == 0, out.stderr
    rows = out.stdout.strip().split("\n")
    assert len(rows) == 4 and f"telegram:{GROUP}" in rows[0] and "سارة (1002)" in rows[0]
    assert "topics: - -> nato" in rows[0] and f"telegram:{CHANNEL}" in rows[3]
    js = [json.loads(x) for x in run_cli(bot, "audit", "--json", "--chat", str(GROUP)).stdout.split("\n") if x]
    assert [j["action"] for j in js] == ["subscribe", "watch", "mute"]
    assert js[0]["before"] is None and js[0]["after"]["topics"] == ["nato"]  # nothing was set before
    assert js[1]["before"]["terms"] == [] and js[1]["after"]["terms"] == ["الفرقاطة"]
    assert js[0]["user_id"] == str(ADMIN) and js[0]["user_name"] == "سارة"


async def test_slack_changes_are_in_the_same_history(tmp_path: Path, slack_fake: FakeSlackAPI,
                                                     feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, slack_fake)) as bot:
        body = slack_fake.slash_command_body(text="subscribe nato", user_id="U1", channel_id="C1", user_name="alice")
        from tests.test_slack import post

        status, _ = await post(bot, body)
        assert status == 200
        refused = all_text(await command(bot, slack_fake, "history", user="U9"))
        assert T.NOT_ADMIN_VIEW in refused
        history = all_text(await command(bot, slack_fake, "history"))
        assert "alice" in history and "U1" in history and "subscribe nato" in history
        assert "المتابعات: لا شيء ← حلف الناتو" in history
