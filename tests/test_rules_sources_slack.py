"""Slack end to end for a rule's ``source:`` naming the channel's own feed, and for /newsbot preview's near
misses that a built-in term's context veto removed; the real Bolt app over signed HTTP against FakeSlackAPI.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.app import build_fetcher
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_slack import (
    NOW,
    LoopbackNamed,
    all_text,
    command,
    fake,
    feeds,
    loopback_only,
    publish,
    running,
    slack_settings,
)

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

_MARKS = "\u2066\u2067\u2068\u2069\u200f"


def plain(payload: object) -> str:
    return "".join(c for c in all_text(payload) if c not in _MARKS)


def posted(fake: FakeSlackAPI, channel: str) -> str:
    return "\n".join(json.dumps(p.blocks, ensure_ascii=False) for p in fake.posts_to(channel))


async def test_source_names_the_channels_own_feed_by_site(tmp_path: Path, fake: FakeSlackAPI,
                                                          feeds: FeedServer) -> None:
    fake.add_channel("C5", "desk", members=["U1"])
    world = [Item("خبر قديم", "https://world.example/0", published=NOW)]
    feeds.add_feed("/world.xml", rss2(world, title="أخبار العالم"))
    settings = slack_settings(tmp_path, fake)
    fetcher = build_fetcher(settings, dns=LoopbackNamed("slow.example"), public_hosts=frozenset({"slow.example"}))
    async with running(settings, fetcher=fetcher) as bot:
        await bot.tick()
        added = plain(await command(bot, fake, f"addfeed http://slow.example:{feeds.port}/world.xml"))
        assert "أضفتُ المصدر" in added and "source:slow.example" in added
        assert "/newsbot watch source:slow.example + غزة" in added
        listed = plain(await command(bot, fake, "feeds"))
        assert "في القواعد: source:slow.example" in listed

        refused = plain(await command(bot, fake, "watch source:nowhere.example + غزة"))
        assert "لا يوجد مصدر بالمعرّف nowhere.example" in refused
        assert "مصادر هذه المحادثة: slow.example (يعرضها الأمر /newsbot feeds)" in refused
        assert "مصادر المشغّل: wire." in refused
        elsewhere = plain(await command(bot, fake, "watch source:slow.example + غزة", channel="C5"))
        assert "لم تُضِف هذه المحادثة أي مصدر بعد" in elsewhere and "/newsbot addfeed" in elsewhere

        assert "أضفتُ القاعدة" in plain(await command(bot, fake, "watch source:slow.example + غزة"))
        await bot.tick()
        world.insert(0, Item("غارات جديدة على غزة فجر اليوم", "https://world.example/1", "بحسب مراسلنا",
                             published=NOW))
        feeds.set_body("/world.xml", rss2(world, title="أخبار العالم"))
        publish(feeds, Item("قصف في غزة ومخاوف من التصعيد", "https://wire.example/g1", "", published=NOW))
        await bot.tick()
        text = posted(fake, "C1")
        assert "غارات جديدة على غزة" in text and "قصف في غزة" not in text

        preview = plain(await command(bot, fake, "preview source:slow.example + غزة"))
        assert "غارات جديدة على غزة" in preview and "قصف في غزة" not in preview
        help_text = plain(await command(bot, fake, "help watch"))
        assert "source:bbc.com" in help_text and "/newsbot feeds" in help_text


async def test_preview_shows_a_story_a_context_veto_removed_and_why(tmp_path: Path, fake: FakeSlackAPI,
                                                                    feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await bot.tick()
        assert "أضفتُ القاعدة" in plain(await command(bot, fake, "watch Zelensky + Trump"))
        publish(feeds,
                Item("Zelensky scores as Napoli beat Trump's favourite club", "https://wire.example/z1",
                     "A Serie A thriller", published=NOW),
                Item("Zelensky and Trump meet in Washington", "https://wire.example/z2", "Talks on security",
                     published=NOW))
        await bot.tick()
        text = posted(fake, "C1")
        assert "meet in Washington" in text and "Napoli beat" not in text

        preview = plain(await command(bot, fake, "preview Zelensky + Trump"))
        assert "meet in Washington" in preview and "أقرب الأخبار التي أسقطها" in preview
        assert "Napoli beat" in preview
        assert "لم تُحتسب «Zelensky» لأن الخبر يذكر «Napoli»، «Serie A»" in preview
