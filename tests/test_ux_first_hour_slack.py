"""Issue 14 on Slack: the real Bolt app over HTTP against the Slack double, the text a user reads."""

from __future__ import annotations

from pathlib import Path

from bot.commands.texts import T
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI
from tests.support.bidi import check_latin_first
from tests.test_slack import NOW, all_text, command, fake, loopback_only, running, slack_settings

__all__ = ["fake", "loopback_only"]  # fixtures used here

_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def read(payload: object) -> str:
    return all_text(payload).translate(_MARKS)


async def test_slack_mute_status_preview_and_addresses(tmp_path: Path, fake: FakeSlackAPI,
                                                       feed_server: FeedServer) -> None:
    feed_server.add_feed("/wire.xml", rss2([Item("بداية", "https://wire.example/0", published=NOW)]))
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url("/wire.xml"), "name": "وكالة الاختبار"}])
    async with running(slack_settings(tmp_path, fake)) as bot:
        await bot.tick(force=True, timeout=10)
        assert T.MUTE_MISSING in read(await command(bot, fake, "mute"))  # missing, not invalid
        assert "كُتمت التنبيهات حتى" in read(await command(bot, fake, "mute ساعتين"))
        await command(bot, fake, "unmute")
        await command(bot, fake, "subscribe nato")
        feed_server.set_body("/wire.xml", rss2([
            Item("أسعار الذهب ترتفع", "https://wire.example/gold", "التفاصيل على https://nato-watch.example.org/",
                 published=NOW),
            Item("NATO تعلن رفع الجاهزية في البحر الأسود.", "https://wire.example/nato?utm_source=x&id=1",
                 published=NOW)]))
        await bot.tick(force=True, timeout=10)
        posts = [p for p in fake.posts_to("C1") if "🔔" in p.text or "🔔" in all_text(p.blocks)]
        assert len(posts) == 1, [p.text for p in posts]  # the gold story's link named NATO: no NATO story
        text = all_text(posts[0].blocks)
        assert "NATO تعلن" in text and "utm_source" not in text and "https://wire.example/nato?id=1" in text
        assert check_latin_first("\n".join(all_text(b) for b in posts[0].blocks), slack=True) >= 1
        status = read(await command(bot, fake, "status"))
        assert "قبل لحظات" in status and "أُرسل تنبيه واحد" in status and "في كل المحادثات" not in status
        preview = read(await command(bot, fake, "preview nato"))
        assert "الأخبار التي كانت ستطابق المتابعة الجاهزة «حلف الناتو» خلال الأيام الثلاثة الأخيرة: خبر واحد" in preview
