"""Slack end to end for chat rules: /newsbot watch with a rule, /newsbot exclude and /newsbot preview,
through the real Bolt app over signed HTTP against FakeSlackAPI, alerts as Block Kit posts.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_slack import NOW, all_text, command, fake, feeds, loopback_only, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here


def posted(fake: FakeSlackAPI, channel: str) -> str:
    return "\n".join(json.dumps(p.blocks, ensure_ascii=False) for p in fake.posts_to(channel))


async def test_watch_rule_and_exclude_in_a_slack_channel(tmp_path: Path, fake: FakeSlackAPI,
                                                         feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await bot.tick()
        reply = all_text(await command(bot, fake, "watch زيلينسكي -(نادي | الدوري | هدف)"))
        assert "أضفتُ القاعدة" in reply
        reply = all_text(await command(bot, fake, "watch Hamas حماس"))
        assert "فصلتُ ما كتبتَه إلى عبارتين" in reply
        reply = all_text(await command(bot, fake, "exclude مباراة"))
        assert "لا تنبيه في هذه المحادثة" in reply
        reply = all_text(await command(bot, fake, "watch (غزة"))
        assert "قوس" in reply and "/newsbot watch" in reply
        listed = all_text(await command(bot, fake, "watchlist"))
        assert "مستبعدة" in listed and "مباراة" in listed and "Hamas" in listed and "حماس" in listed

        publish(feeds,
                Item("زيلينسكي يسجل هدفاً مع النادي", "https://wire.example/z1", "في الدوري الإيطالي", published=NOW),
                Item("وفد من حماس يصل إلى القاهرة لإجراء محادثات", "https://wire.example/h1", "", published=NOW),
                Item("زيلينسكي يطلب دعماً عسكرياً من الحلفاء", "https://wire.example/z2", "في كييف", published=NOW),
                Item("حماس تعلق على مباراة الأمس", "https://wire.example/h2", "", published=NOW))
        await bot.tick()
        text = posted(fake, "C1")
        assert "زيلينسكي يطلب دعماً عسكرياً" in text and "وفد من حماس يصل إلى القاهرة" in text
        assert "زيلينسكي يسجل هدفاً" not in text and "حماس تعلق على مباراة" not in text

        preview = all_text(await command(bot, fake, "preview حماس"))
        assert "وفد من حماس" in preview and "مباراة" in preview and "أسقطها" in preview
        help_text = all_text(await command(bot, fake, "help watch"))
        assert "زيلينسكي -(نادي | الدوري | هدف)" in help_text and "/newsbot preview" in help_text
