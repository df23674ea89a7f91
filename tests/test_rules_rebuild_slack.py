"""A replica reloading thousands of chat rules keeps answering, and a /newsbot watch sent meanwhile is in force
once the reload is done: the real Bolt app over signed HTTP against FakeSlackAPI.

Responsiveness is shown by order, never by time: the reply arrives while the reload is still running.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI
from tests.support.many_rules import many_rules, reloading
from tests.test_slack import NOW, all_text, command, fake, feeds, loopback_only, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

N = 8000
WORKING = "⏳ جارٍ التنفيذ…"  # the ack of a command that takes longer than Slack waits


def _posted(fake: FakeSlackAPI, channel: str) -> str:
    return "\n".join(json.dumps(p.blocks, ensure_ascii=False) for p in fake.posts_to(channel))


async def test_slack_answers_during_a_reload_and_a_watch_meanwhile_counts(tmp_path: Path, fake: FakeSlackAPI,
                                                                           feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake, max_terms_per_chat=N + 10)) as bot:
        await bot.tick()
        await command(bot, fake, "watch مرفأ")
        dest = await bot.chats.find_destination("slack", "C1")
        assert dest is not None
        rules = many_rules(N)
        reload = await reloading(bot, dest.id, rules)
        helped = all_text(await command(bot, fake, "help watch"))
        assert "جرّب قاعدتك قبل إضافتها بالأمر /newsbot preview" in helped
        assert not reload.done()  # answered while the rules were still being compiled

        async def answer(text: str, name: str) -> str:
            """The reply: in the ack, or (past Slack's deadline, the ack saying so) through response_url."""
            reply = await command(bot, fake, text, response=name)
            if reply.get("text") == WORKING:
                (done,) = await fake.wait_for_response(name, timeout=60)
                return all_text(done)
            return all_text(reply)

        watched = asyncio.create_task(answer("watch سفينة شحن", "watch"))
        unwatched = asyncio.create_task(answer(f"unwatch {rules[0]}", "unwatch"))
        said = await watched + await unwatched
        assert reload.done()  # each answer waited for the reload, then applied its change
        assert "أضفتُ «" in said and "حذفتُ «" in said
        publish(feeds, Item("سفينة شحن تعبر المضيق", "https://wire.example/s1", "", published=NOW),
                Item("وزير0 يعلن هدنة", "https://wire.example/s2", "", published=NOW),
                Item("وزير4 يعلن هدنة", "https://wire.example/s3", "", published=NOW))
        await bot.tick()
        got = _posted(fake, "C1")
        assert "سفينة شحن تعبر المضيق" in got and "وزير4 يعلن هدنة" in got
        assert "وزير0 يعلن هدنة" not in got  # removed while the reload ran: the newer state won
