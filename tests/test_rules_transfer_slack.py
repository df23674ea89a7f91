"""Slack end to end for /newsbot export and /newsbot import: the YAML export uploaded as a file into the
channel, pasted back into another channel, confirmed with the button; an OPML import of feeds. The real
Bolt app over signed HTTP against FakeSlackAPI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.app import build_fetcher
from bot.domain.chat_config import parse_document
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_slack import LoopbackNamed, all_text, command, fake, feeds, loopback_only, post, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here


def wire(text: str) -> str:
    """Text as Slack sends what a user typed: &, <, > escaped and URLs auto-linked as <url>."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r'(https?://[^\s"&]+)', r"<\1>", escaped)


def _action(payload: dict[str, Any], label: str) -> str:
    for block in payload.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["text"]["text"] == label:
                return str(element["action_id"])
    raise AssertionError(f"no button {label!r} in {json.dumps(payload, ensure_ascii=False)[:500]}")


async def test_export_uploads_yaml_and_import_applies_it_after_the_button(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.add_channel("C5", "desk", members=["U1"])
    feeds.add_feed("/world.xml", rss2([Item("خبر", "https://world.example/1")], title="أخبار العالم"))
    world = f"http://slow.example:{feeds.port}/world.xml"
    settings = slack_settings(tmp_path, fake)
    fetcher = build_fetcher(settings, dns=LoopbackNamed("slow.example"),
                            public_hosts=frozenset({"slow.example"}))
    async with running(settings, fetcher=fetcher) as bot:
        for text in ("subscribe nato", "watch زيلينسكي -(نادي | الدوري)", "exclude مباراة", f"addfeed {world}"):
            reply = await command(bot, fake, text)
            assert "✅" in all_text(reply) or "🚫" in all_text(reply) or "تم الاشتراك" in all_text(reply), text
        said = all_text(await command(bot, fake, "export"))
        assert "الملف المرفق" in said
        await fake.wait_until(lambda: [u for u in fake.uploads if u.channel == "C1"])
        [upload] = [u for u in fake.uploads if u.channel == "C1"]
        assert upload.filename.endswith(".yaml")
        exported = parse_document(upload.data)
        assert exported.topics == ("nato",) and exported.rules == ("زيلينسكي -(نادي | الدوري)",)
        assert exported.exclusions == ("مباراة",) and [f.url for f in exported.feeds] == [world]

        # Pasted after the command in another channel: the layout of the YAML survives.
        plan = await command(bot, fake, "import\n" + wire(upload.data.decode()), channel="C5")
        text = all_text(plan)
        assert "سيغيّر الاستيراد" in text and "زيلينسكي" in text and "مباراة" in text and "أخبار العالم" in text
        assert (await bot.chats.find_destination("slack", "C5")) is None
        status, _ = await post(bot, fake.block_action_body(response_name="apply", action_id=_action(plan, "تطبيق"),
                                                           user_id="U1", channel_id="C5"))
        assert status == 200
        (done,) = await fake.wait_for_response("apply", timeout=15)
        assert "طُبّق الاستيراد" in all_text(done)
        dest = await bot.chats.find_destination("slack", "C5")
        assert dest is not None and await bot.chats.terms(dest.id) == ["زيلينسكي -(نادي | الدوري)"]
        assert await bot.chats.exclusions(dest.id) == ["مباراة"] and "nato" in await bot.chats.subscriptions(dest.id)
        assert [f.source_url for f in await bot.chats.feeds(dest.id)] == [world]

        # OPML pasted the same way adds feeds only; the private address is refused by the SSRF guard.
        opml = (f'<opml version="2.0"><body><outline text="World" xmlUrl="{world}"/>'
                f'<outline text="Local" xmlUrl="http://127.0.0.1:{feeds.port}/world.xml"/></body></opml>')
        plan = await command(bot, fake, "import " + wire(opml), channel="C5")
        assert "Local" in all_text(plan) and "World" not in all_text(plan)  # already there: not added twice
        status, _ = await post(bot, fake.block_action_body(response_name="opml", action_id=_action(plan, "تطبيق"),
                                                           user_id="U1", channel_id="C5"))
        (done,) = await fake.wait_for_response("opml", timeout=15)
        assert "لم أُضف المصدر" in all_text(done) and "عنوان داخلي" in all_text(done)
        assert len(await bot.chats.feeds(dest.id)) == 1
