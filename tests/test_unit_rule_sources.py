"""A rule's ``source:`` for a chat's own feeds (named by site), and /preview's near misses a built-in term's
context veto removed: the pure parts, table-driven, over the real lists of config/watchlists.yaml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.feed_names import chat_feed_id, source_ids, story_source, unknown_sources
from bot.domain.rule_parse import RuleError, parse_rule
from bot.domain.rules import RuleMatcher, RuleSet, StoryFacts
from bot.domain.states import FeedOrigin, StoryState
from bot.pipeline.preview import preview_rule
from bot.pipeline.watchindex import WatchIndex, story_facts
from bot.storage.records import StoryRecord
from tests.support.matching import builtin_lists

NOW = datetime.now(UTC)


@pytest.mark.parametrize("address,expected", [
    ("https://www.bbc.com/arabic/rss.xml", "bbc.com"),
    ("http://feeds.example.com:8080/wire.xml", "feeds.example.com"),
    ("https://WWW.Example.ORG./feed", "example.org"),
    ("https://t.me/s/AlertsChannel", "@alertschannel"),
    ("https://t.me/newswire", "@newswire"),
    ("https://t.me/", "t.me"),
    ("not a url", ""),
    ("http://[::1", ""),
])
def test_a_chat_feed_is_named_by_its_site(address: str, expected: str) -> None:
    assert chat_feed_id(address) == expected


def test_a_story_is_tested_against_the_operator_id_or_the_chat_feeds_site() -> None:
    assert story_source("bbc-arabic", chat_feed=False, address="https://feeds.bbci.co.uk/arabic/rss.xml") == \
        "bbc-arabic"
    assert story_source("chat-0123abcd", chat_feed=True, address="https://www.bbc.com/arabic/rss.xml") == "bbc.com"
    assert story_source("", chat_feed=False) is None


@pytest.mark.parametrize("rule,ids", [
    ("غزة", []),
    ("source:bbc.com + غزة", ["bbc.com"]),
    ("source:BBC.com,@News_Wire غزة -source:x1", ["bbc.com", "@news_wire", "x1"]),
    ("(غزة | source:a.org) + (هدنة -(source:a.org | source:b.org))", ["a.org", "b.org"]),
])
def test_the_ids_a_rule_names(rule: str, ids: list[str]) -> None:
    assert source_ids(parse_rule(rule)) == ids


def test_unknown_ids_are_those_no_feed_has() -> None:
    tree = parse_rule("source:bbc.com,news,elsewhere.org + غزة")
    assert unknown_sources(tree, ["News", "bbc.com"]) == ["elsewhere.org"]
    assert unknown_sources(tree, []) == ["bbc.com", "news", "elsewhere.org"]


def test_a_telegram_channel_id_parses_and_a_path_does_not() -> None:
    assert source_ids(parse_rule("source:@alerts_channel غزة")) == ["@alerts_channel"]
    with pytest.raises(RuleError) as exc:
        parse_rule("source:bbc.com/arabic غزة")
    assert exc.value.code == "source_id" and exc.value.position == 0


@pytest.mark.parametrize("source,fires", [("bbc.com", True), ("feeds.bbci.co.uk", False), (None, False)])
def test_source_matches_a_chat_feed_story_by_its_site(source: str | None, fires: bool) -> None:
    rules = RuleSet(builtin_lists())
    rules.add("r", "source:BBC.com + غزة")
    _, hits = RuleMatcher(rules).match("قصف على غزة", "", StoryFacts(source))
    assert bool(hits) is fires


def _story(i: int, title: str, summary: str = "", *, feed: int = 1, origin: FeedOrigin = FeedOrigin.CONFIG,
           key: str = "wire", address: str = "https://wire.example/rss") -> StoryRecord:
    return StoryRecord(id=i, url_key=f"k{i}", link=f"https://news.example/{i}", feed_id=feed, title=title,
                       summary=summary, lang=None, published_at=None, first_seen_at=NOW - timedelta(hours=1),
                       state=StoryState.ALERTED, feed_name="الوكالة", feed_origin=origin, feed_key=key,
                       feed_address=address)


class _Archive:
    def __init__(self, rows: list[StoryRecord]) -> None:
        self.rows = rows

    async def recent(self, since: datetime, limit: int = 5000) -> list[StoryRecord]:
        return [r for r in self.rows if r.first_seen_at >= since][:limit]


def test_story_facts_of_a_stored_story() -> None:
    own = _story(1, "x", feed=7, origin=FeedOrigin.CHAT, key="chat-ab12", address="https://www.site.example/rss")
    assert story_facts(own) == StoryFacts("site.example")
    assert story_facts(_story(2, "x")) == StoryFacts("wire")


async def test_preview_of_a_source_rule_counts_only_the_chats_own_feed() -> None:
    index = WatchIndex(builtin_lists())
    archive = _Archive([
        _story(1, "غارات على غزة", feed=7, origin=FeedOrigin.CHAT, key="chat-1", address="https://site.example/a"),
        _story(2, "قافلة إلى غزة", feed=8, origin=FeedOrigin.CHAT, key="chat-2", address="https://site.example/b"),
        _story(3, "قصف في غزة"),  # the operator's feed
    ])
    result = await preview_rule(archive, index.rule_set(), "source:site.example + غزة", days=3, now=NOW,
                                own_feeds=[7])
    assert [h.story.id for h in result.hits] == [1]  # feed 8 is another chat's feed on the same site


async def test_preview_near_misses_include_the_context_vetoes_of_built_in_terms() -> None:
    index = WatchIndex(builtin_lists())
    archive = _Archive([
        _story(1, "زيلينسكي يزور واشنطن", "ويلتقي ترامب"),  # a hit
        _story(2, "زيلينسكي يقود نابولي إلى الفوز", "في الدوري الإيطالي على ملعب مارادونا"),  # two contexts
        _story(3, "زيلينسكي يصافح ترامب", "بعد مباراة إنتر ميلان"),  # context, and the rule's own veto too
        _story(4, "مباراة ودية في كييف"),  # nothing of the rule's words: no near miss
        _story(5, "ترامب يتحدث عن نابولي"),  # a context, but no vetoed word of the rule
    ])
    result = await preview_rule(archive, index.rule_set(), "زيلينسكي -مباراة", days=3, now=NOW)
    assert [h.story.id for h in result.hits] == [1]
    by_id = {n.story.id: n for n in result.near}
    assert set(by_id) == {2, 3}
    [veto] = by_id[2].contexts
    assert veto.match.surface == "زيلينسكي" and [c.surface for c in veto.context] == ["نابولي", "الدوري الإيطالي"]
    assert [m.surface for m in by_id[2].matches] == ["زيلينسكي"] and by_id[2].vetoes == []
    assert [c.surface for c in by_id[3].contexts[0].context] == ["إنتر ميلان"]
    assert [m.surface for m in by_id[3].vetoes] == ["مباراة"]


async def test_a_context_veto_that_changed_nothing_is_not_reported() -> None:
    index = WatchIndex(builtin_lists())
    archive = _Archive([
        _story(1, "ترامب وزيلينسكي في كييف", "بعد مباراة نابولي"),  # ترامب alone makes the rule: only كييف vetoes
        _story(2, "زيلينسكي في كييف", "بعد مباراة نابولي"),  # the context vetoes his name wherever it is
    ])
    result = await preview_rule(archive, index.rule_set(), "(زيلينسكي | ترامب) -كييف", days=3, now=NOW)
    by_id = {n.story.id: n for n in result.near}
    assert set(by_id) == {1, 2}
    assert by_id[1].contexts == [] and [m.surface for m in by_id[1].vetoes] == ["كييف"]
    assert [m.surface for m in by_id[1].matches] == ["ترامب"]
    assert [c.context[0].surface for c in by_id[2].contexts] == ["نابولي"]
    assert [m.surface for m in by_id[2].vetoes] == ["كييف"]
