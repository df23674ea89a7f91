"""The configuration document, pure: YAML round trip, OPML feeds, refusals in Arabic, and the plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.chat_config import ChatConfig, ConfigError, FeedEntry, dump_yaml, parse_document, plan

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CFG = ChatConfig(topics=("nato",), rules=("وقف إطلاق النار + غزة -كرة", "NATO"), exclusions=("كرة",),
                 feeds=(FeedEntry("https://example.com/rss", "مصدر"),), enabled=True,
                 muted_until=NOW + timedelta(hours=2), buttons=True,
                 attention={"timezone": "Asia/Riyadh", "quiet": {"start": "22:00", "end": "07:00", "hold_urgent": False},
                            "digest": {"times": ["08:00", "18:00"], "watchlists": None}, "cap": 20, "notify": "urgent",
                            "slack_here": False, "urgent_watchlists": ["nato"]})


def test_yaml_round_trip_keeps_everything() -> None:
    text = dump_yaml(CFG, title="قناة")
    assert text.startswith("# newsbot: قناة\n") and "وقف إطلاق النار + غزة -كرة" in text  # readable Arabic
    assert parse_document(text) == CFG
    assert parse_document(text.encode("utf-8-sig")) == CFG  # a BOM is fine


def test_opml_gives_feeds_only() -> None:
    opml = """<?xml version="1.0"?><opml version="2.0"><body><outline text="cat">
      <outline text="A" xmlUrl="https://a.example/rss"/><outline title="B" xmlUrl="https://b.example/feed"/>
      <outline text="A again" xmlUrl="https://a.example/rss"/></outline></body></opml>"""
    cfg = parse_document(opml)
    assert cfg.feeds_only and cfg.feeds == (FeedEntry("https://a.example/rss", "A"), FeedEntry("https://b.example/feed", "B"))


@pytest.mark.parametrize("doc,words", [
    ("<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>", "كيانات"),
    ("<opml><body></body></opml>", "لا يحوي"),
    ("<opml><body>", "غير سليم"),
    ("<rss/>", "ليس OPML"),
    ("topics: [nato]", "newsbot: 1"),
    ("newsbot: 1\ntopics: nato", "قائمة"),
    ("newsbot: 1\nrules: ['غزة + (هدنة']", "القاعدة 1"),
    ("newsbot: 1\nrules: [[a, b]]", "ليس نصاً"),
    ("newsbot: 1\nexclusions: ['*']", "ليس عبارة صالحة"),
    ("newsbot: 1\nfeeds: [{name: x}]", "بلا رابط"),
    ("newsbot: 1\npolicy: {enabled: maybe}", "true أو false"),
    ("newsbot: 1\npolicy: {muted_until: soon}", "ISO 8601"),
    ("newsbot: 1\npolicy: {quiet: {start: '25:00', end: '07:00'}}", "HH:MM"),
    ("newsbot: 1\npolicy: {quiet: {start: '07:00', end: '07:00'}}", "متساويتان"),
    ("newsbot: 1\npolicy: {digest: {times: []}}", "قائمة أوقات"),
    ("newsbot: 1\npolicy: {notify: loud}", "all أو urgent"),
    ("newsbot: 1\npolicy: {cap: many}", "عدد صحيح"),
    ("newsbot: 1\npolicy: {muted_until: '2026-01-01T00:00:00'}", "منطقة زمنية"),
    ("newsbot: 1\n  - : [", "YAML غير سليم"),
    ("newsbot: 1\nrules: &r [*r, *r]", "ليس نصاً"),  # a recursive alias: refused, never walked
])
def test_bad_documents_are_refused_in_arabic(doc: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_document(doc)
    assert words in err.value.message_ar


def test_too_big_or_not_utf8_is_refused() -> None:
    with pytest.raises(ConfigError, match="كبير"):
        parse_document(b"#" * (256 * 1024 + 1))
    with pytest.raises(ConfigError, match="UTF-8"):
        parse_document(b"\xff\xfe\x00")


def test_yaml_replaces_opml_adds_and_the_same_document_changes_nothing() -> None:
    current = ChatConfig(topics=("ceasefire",), rules=("هدنة + غزة",), exclusions=("مباراة",),
                         feeds=(FeedEntry("https://old.example/rss"),), enabled=True)
    wanted = ChatConfig(topics=("nato", "nope"), rules=("غزة + هدنة", "NATO"), exclusions=("كرة",),
                        feeds=(FeedEntry("https://new.example/rss"),), enabled=False)
    p = plan(current, wanted, known_topics={"nato", "ceasefire"}, now=NOW)
    assert (p.add_topics, p.remove_topics, p.unknown_topics) == (("nato",), ("ceasefire",), ("nope",))
    assert (p.add_rules, p.remove_rules) == (("NATO",), ())  # the same rule written in another order
    assert (p.add_exclusions, p.remove_exclusions) == (("كرة",), ("مباراة",))
    assert [f.url for f in p.add_feeds] == ["https://new.example/rss"]
    assert [f.url for f in p.remove_feeds] == ["https://old.example/rss"] and p.enabled is False
    assert plan(current, current, known_topics={"ceasefire"}, now=NOW).empty
    feeds_only = ChatConfig(feeds=(FeedEntry("https://old.example/rss"), FeedEntry("https://x.example/rss")),
                            feeds_only=True)
    p = plan(current, feeds_only, known_topics=set(), now=NOW)
    assert [f.url for f in p.add_feeds] == ["https://x.example/rss"] and not p.remove_rules and not p.remove_feeds
    # A mute in the past is not imported; an active one is lifted by a document without it.
    muted = ChatConfig(muted_until=NOW + timedelta(hours=1))
    assert plan(muted, ChatConfig(muted_until=NOW - timedelta(hours=1)), known_topics=set(), now=NOW).unmute
