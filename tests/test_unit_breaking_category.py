"""An RSS/Atom category meaning "breaking news" marks the entry breaking, on every parse path (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.feeds.parse import parse_feed
from tests.fakes.feed_server import Item, atom, rss2

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("build", [rss2, atom], ids=["rss2", "atom"])
@pytest.mark.parametrize(("categories", "breaking"), [
    (("عاجل",), True), (("أخبار عاجلة", "سياسة"), True), (("Breaking News",), True), (("urgent",), True),
    (("سياسة", "World"), False), ((), False), (("breaking the record",), False),
])
def test_categories_of_breaking_news(build: object, categories: tuple[str, ...], breaking: bool) -> None:
    doc = build([Item("الناتو يجتمع في بروكسل", "https://wire.example/1", published=NOW,  # type: ignore[operator]
                      categories=categories),
                 Item("خبر آخر", "https://wire.example/2", published=NOW)])
    feed = parse_feed(doc, "application/rss+xml", "https://wire.example/feed.xml")
    first, second = feed.entries
    assert first.breaking is breaking and second.breaking is False
    assert first.with_link("https://wire.example/x").breaking is breaking
