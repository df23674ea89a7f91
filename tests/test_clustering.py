"""One alert per story: five outlets carrying the same stories under different URLs and slightly
different titles give one alert each, listing the other outlets."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path

from bot.app import NewsBot
from bot.domain.clustering import fingerprint, same_story
from tests.conftest import Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.support.stories import make_stories

NOW = datetime.now(UTC)
OUTLETS = ["وكالة الأنباء الأولى", "القناة الثانية", "الصحيفة الثالثة", "الموقع الرابع", "الإذاعة الخامسة"]


def variant(outlet: int, title: str, summary: str, rng: random.Random) -> tuple[str, str]:
    """How outlet n rewrites a wire story: prefixes, spelling, a changed word, a different tail."""
    if outlet == 1:
        return f"عاجل | {title}", summary
    if outlet == 2:
        return title.replace("أ", "ا").replace("ة", "ه") + " - تقرير", summary.replace("إ", "ا")
    if outlet == 3:
        words = title.split()
        words[-2] = rng.choice(["جديد", "عاجل", "موسع", "مفاجئ"])
        return " ".join(words), summary
    if outlet == 4:
        return f"{title} (فيديو)", "بالفيديو: " + summary
    return title, summary


def outlet_feed(outlet: int, stories: list[tuple[str, str]]) -> bytes:
    rng = random.Random(outlet)
    items = []
    for i, (t, s) in enumerate(stories):
        title, summary = variant(outlet, t, s, rng)
        items.append(Item(title, f"https://outlet{outlet}.example/{i}/{outlet * 7919 + i}", summary, published=NOW))
    return rss2(items)


def setup(tmp_path: Path, server: FeedServer, *, edit_delay: float = 0.0) -> NewsBot:
    for o in range(5):
        server.add_feed(f"/o{o}.xml", rss2([Item("بداية", f"https://outlet{o}.example/start")]))
    write_config(tmp_path / "config", [{"id": f"o{o}", "url": server.url(f"/o{o}.xml"), "name": OUTLETS[o]}
                                       for o in range(5)])
    return NewsBot(make_settings(tmp_path, edit_delay=edit_delay), console=True, stdout=Console(), http=False)


def also_line(alert: str) -> list[str]:
    m = re.search(r"وأوردته أيضاً: (.*)", alert)
    return [n.strip("\u2067\u2068\u2069 ") for n in m.group(1).split("،")] if m else []


async def test_five_outlets_one_hundred_stories_give_one_hundred_alerts(tmp_path: Path, feed_server: FeedServer):
    stories = make_stories(100)
    bot = setup(tmp_path, feed_server)
    try:
        await bot.poll_once(timeout=10)  # first sight of each outlet
        for o in range(5):
            feed_server.set_body(f"/o{o}.xml", outlet_feed(o, stories))
        await bot.tick(force=True)
        alerts = bot.senders["console"]._stream.alerts()  # type: ignore[union-attr]
        assert len(alerts) == 100
        for alert in alerts:
            names = also_line(alert)
            assert len(names) == 4, alert
            assert len(set(names)) == 4
    finally:
        await bot.stop()


async def test_copies_arriving_later_edit_the_sent_alert(tmp_path: Path, feed_server: FeedServer):
    stories = make_stories(20, seed=11)
    bot = setup(tmp_path, feed_server, edit_delay=0.0)
    console: Console = bot.senders["console"]._stream  # type: ignore[assignment,union-attr]
    try:
        await bot.poll_once(timeout=10)
        feed_server.set_body("/o0.xml", outlet_feed(0, stories))
        await bot.tick(force=True)
        assert len(console.alerts()) == 20 and not any(also_line(a) for a in console.alerts())
        for o in range(1, 5):
            feed_server.set_body(f"/o{o}.xml", outlet_feed(o, stories))
        await bot.tick(force=True)
        await bot.tick(force=True)  # edits fall due right after the copies are ingested
        alerts = console.alerts()
        edits = [a for a in alerts if a.startswith("(تحديث للتنبيه")]
        # Five outlets within minutes: each story also becomes urgent by spread (issue 16) when the third
        # carries it (NEWSBOT_URGENT_OUTLETS), and is sent once more as such.
        urgent = [a for a in alerts if a.startswith("\u200f🔴 عاجل · تتناقله 3 مصادر")]
        assert len(alerts) - len(edits) - len(urgent) == 20  # still one normal alert per story
        assert len(urgent) == 20
        assert len(edits) == 20  # every alert edited once: copies of one tick coalesce into one edit
        assert all(len(also_line(e)) == 4 for e in edits)
    finally:
        await bot.stop()


def test_related_but_different_stories_are_not_merged():
    pairs = [
        ("وقف إطلاق النار في غزة يدخل حيز التنفيذ", "خرق لوقف إطلاق النار في غزة بعد ساعات"),
        ("بوتين يلتقي ترامب في ألاسكا", "بوتين يلتقي أردوغان في سوتشي"),
        ("الناتو يعلن مناورات في البحر الأسود", "روسيا تعلن مناورات في بحر البلطيق"),
        ("Putin meets Trump in Alaska for talks", "Putin meets Xi in Beijing for talks"),
    ]
    for a, b in pairs:
        assert not same_story(fingerprint(a, ""), fingerprint(b, "")), (a, b)
    same = [
        ("الناتو يعلن مناورات في البحر الأسود", "عاجل | الناتو يعلن مناورات في البحر الأسود"),
        ("Putin meets Trump in Alaska for talks", "Putin meets Trump in Alaska for talks - Reuters"),
        ("زيلينسكي يزور أنقرة لبحث صفقة الحبوب", "زيلينسكي يزور انقرة لبحث صفقة الحبوب"),
    ]
    for a, b in same:
        assert same_story(fingerprint(a, ""), fingerprint(b, "")), (a, b)
