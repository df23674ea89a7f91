"""Dead letters on Slack end to end: the real Bolt app against the Slack double, through the one command core."""

from __future__ import annotations

from pathlib import Path

from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_slack import NOW, all_text, command, fake, feeds, loopback_only, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

TITLE = "الناتو يعقد قمة طارئة في بروكسل"


async def test_refused_slack_alert_is_listed_and_retried_once(tmp_path: Path, fake: FakeSlackAPI,
                                                             feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato")
        await bot.tick(force=True, timeout=10)
        before = len(fake.posts_to("C1"))
        # Refused as Block Kit and again as plain text: the platform will not take this message.
        fake.fail_next("chat.postMessage", error="msg_too_long", channel="C1", count=2)
        publish(feeds, Item(TITLE, "https://wire.example/nato-1", "تفاصيل القمة", published=NOW))
        await bot.tick(force=True, timeout=10)
        assert len(fake.posts_to("C1")) == before

        refused = await command(bot, fake, "failed", user="U9")  # not in the channel
        assert T.NOT_ADMIN_VIEW in all_text(refused)
        listing = all_text(await command(bot, fake, "failed"))
        assert TITLE in listing and "رفضته المنصة: لم تقبل نص الرسالة" in listing
        assert "even as plain text" not in listing  # the platform's English stays with the operator
        assert "/newsbot retry all" in listing

        assert T.NOT_MEMBER in all_text(await command(bot, fake, "retry all", user="U9"))
        done = all_text(await command(bot, fake, "retry all"))
        assert "أعدتُ تنبيهاً واحداً إلى طابور الإرسال" in done
        assert T.RETRY_NONE in all_text(await command(bot, fake, "retry"))
        await bot.drain(timeout=10)
        alerts = [p for p in fake.posts_to("C1")[before:] if TITLE in p.text]
        assert len(alerts) == 1
        assert T.FAILED_NONE in all_text(await command(bot, fake, "failed"))
