"""Every way a feed can go wrong: that feed is marked failing with a clear reason, memory stays
bounded, and the other feeds keep alerting."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import NewsBot
from bot.storage.models import Feed
from tests.conftest import Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, entity_bomb, rss2

NOW = datetime.now(UTC)
MB = 1024 * 1024

BAD = {
    # path: (how the server misbehaves, words the recorded reason must contain)
    "slow": ("slow", "timed out"),
    "trickle": ("trickle", "timed out"),
    "huge": ("huge", "larger than"),
    "gzip-bomb": ("gzip", "larger than"),
    "loop": ("loop", "redirect loop"),
    "too-many": ("chain", "redirects"),
    "error500": ("500", "HTTP 500"),
    "gone": ("410", "410"),
    "invalid": ("invalid", "not a feed"),
    "bomb": ("bomb", "entit"),
    "refused": ("refused", "cannot connect"),
}


def serve_bad(server: FeedServer) -> dict[str, str]:
    urls = {}
    server.add_slow("/slow", 30.0)
    server.add_trickle("/trickle", 200, rss2([Item("x", "https://t.example/x")]) * 50)
    server.add_huge("/huge", 200 * MB)
    server.add_gzip_bomb("/gzip-bomb", 1_000 * MB)
    server.add_redirect("/loop-a", server.url("/loop-b"))
    server.add_redirect("/loop-b", server.url("/loop-a"))
    for i in range(8):
        server.add_redirect(f"/chain{i}", server.url(f"/chain{i + 1}"))
    server.add_status("/error500", 500, body=b"Internal Server Error")
    server.add_status("/gone", 410)
    server.add_feed("/invalid", b"\x00\x01 this is {not xml} at all <<<", content_type="application/xml")
    server.add_feed("/bomb", entity_bomb(levels=9))
    for key, path in {"slow": "/slow", "trickle": "/trickle", "huge": "/huge", "gzip-bomb": "/gzip-bomb",
                      "loop": "/loop-a", "too-many": "/chain0", "error500": "/error500", "gone": "/gone",
                      "invalid": "/invalid", "bomb": "/bomb"}.items():
        urls[key] = server.url(path)
    urls["refused"] = "http://127.0.0.1:9/feed.xml"  # nothing listens on the discard port
    return urls


async def test_each_failure_kind_is_recorded_while_good_feeds_alert(tmp_path: Path, feed_server: FeedServer):
    urls = serve_bad(feed_server)
    good = [Item("خبر عادي", f"https://good.example/{i}", published=NOW) for i in range(3)]
    feed_server.add_feed("/good.xml", rss2(good))
    feeds = [{"id": k, "url": u} for k, u in urls.items()] + [{"id": "good", "url": feed_server.url("/good.xml")}]
    write_config(tmp_path / "config", feeds)
    settings = make_settings(tmp_path, fetch_timeout=3.0, read_timeout=2.0, connect_timeout=2.0,
                             max_feed_bytes=5 * MB, max_redirects=5)
    console = Console()
    bot = NewsBot(settings, console=True, stdout=console, http=False)
    try:
        tracemalloc.start()
        await bot.poll_once(timeout=10)
        feed_server.set_body("/good.xml", rss2([Item("الناتو يرحب بوقف إطلاق النار", "https://good.example/n",
                                                     published=NOW), *good]))
        await bot.tick(force=True)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        alerts = console.alerts()
        assert len(alerts) == 1 and "الناتو يرحب" in alerts[0]
        # 1 GB of gzip and 200 MB of body were offered: what was held stayed near the 5 MB cap.
        assert peak < 60 * MB, f"peak traced memory {peak / MB:.1f} MB"

        async with bot.db.read() as conn:
            rows = {r.key: r for r in (await conn.execute(select(Feed.__table__))).all()}
        assert rows["good"].failure_count == 0
        for key, (_kind, words) in BAD.items():
            row = rows[key]
            assert row.failure_count == 2 or (key == "gone" and row.failure_count == 1), (key, row.failure_count)
            assert words.lower() in (row.last_error or "").lower(), (key, row.last_error)
        assert rows["gone"].enabled is False and "410" in rows["gone"].disabled_reason
        assert all(rows[k].enabled for k in BAD if k != "gone")
    finally:
        await bot.stop()
