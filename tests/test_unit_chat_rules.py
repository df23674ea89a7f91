"""Chat rules and exclusions in memory: /watch input splitting, rule identity, and ingest with chat rules.

The ingest here is the real Ingestor and WatchIndex over the in-memory store; chat rules come from a
small in-memory term source, compiled by the same RuleSet ``newsbot match --rules`` uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.alerting import AlertPayload
from bot.domain.chat_rules import ChatRules
from bot.domain.matcher import Matcher
from bot.domain.rule_parse import AllOf, AnyOf, InTitle, RuleError, parse_rule, phrases_of
from bot.domain.rules import RuleMatcher, RuleSet, StoryFacts
from bot.domain.watch_input import rule_key, split_watch_input
from bot.domain.watchlists import custom_watchlist_id
from bot.pipeline.ingest import Ingestor
from bot.pipeline.preview import vetoes_of, without_vetoes
from bot.pipeline.watchindex import WatchIndex
from tests.fakes.memory import MemoryIngestStore
from tests.support.matching import builtin_lists

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text,parts", [
    ("لافروف، شويغو", ["لافروف", "شويغو"]),
    ("لافروف\nشويغو", ["لافروف", "شويغو"]),
    ("Hamas حماس", ["Hamas", "حماس"]),
    ("Lavrov, Shoigu; Putin", ["Lavrov", "Shoigu", "Putin"]),
    ("وقف إطلاق النار + غزة -كرة", ["وقف إطلاق النار + غزة -كرة"]),
    ("زيلينسكي -(نادي، الدوري)", ["زيلينسكي -(نادي، الدوري)"]),  # inside parentheses: one rule
    ('"غزة، رفح" + هدنة', ['"غزة، رفح" + هدنة']),  # inside quotes: one phrase
    ("source:bbc,aljazeera + Gaza", ["source:bbc,aljazeera + Gaza"]),  # a scope's own comma
    ("الناتو،، الناتو", ["الناتو"]),  # empty parts and repeats go
    ("Hamas + حماس", ["Hamas + حماس"]),  # an operator: the user wrote a rule, kept whole
    ("البيت الأبيض", ["البيت الأبيض"]),
])
def test_watch_input_is_cut_into_separate_rules(text: str, parts: list[str]) -> None:
    got = split_watch_input(text)
    assert list(got.parts) == parts
    assert got.split is (len(parts) > 1)


def test_rule_identity_keeps_term_keys_and_ignores_order() -> None:
    assert rule_key("الناتو") == rule_key("النّاتو")  # a plain term: the key terms always had
    assert rule_key("غزة + هدنة") == rule_key("هدنة + غزة")
    assert rule_key("غزة + هدنة") != rule_key("غزة | هدنة")
    assert rule_key("=NATO") != rule_key("NATO")
    with pytest.raises(RuleError) as err:
        rule_key("غزة + (هدنة")
    assert err.value.position == 6 and "قوس" in err.value.message_ar


def test_chat_rules_resolve_exactly_as_the_cli_matcher() -> None:
    builtins = builtin_lists()
    rules = ["وقف إطلاق النار + غزة -كرة", "NATO", "زيلينسكي -(نادي | الدوري | هدف)"]
    chat = ChatRules(builtins)
    chat.set_rules(7, rules)
    matcher = Matcher([*builtins, *chat.watchlists()])
    cli = RuleSet(builtins)
    for i, r in enumerate(rules):
        cli.add(str(i), r)
    cli_matcher = RuleMatcher(cli)
    for title in ("وقف إطلاق النار في غزة يدخل يومه الثاني", "وقف إطلاق النار في غزة ومباراة كرة القدم",
                  "قمة الناتو في لاهاي", "زيلينسكي يسجل هدفاً مع النادي", "زيلينسكي يلتقي ترامب"):
        resolved = chat.resolve(matcher.match(title), StoryFacts(), (title, ""))
        mine = sorted({(m.field, m.start, m.end) for m in resolved.matches if m.watchlist == custom_watchlist_id(7)})
        _, fired = cli_matcher.match(title)
        expected = sorted({(m.field, m.start, m.end) for h in fired for m in h.matches})
        assert mine == expected, title
    # NATO expands to the built-in list's Arabic names, as on the CLI.
    found = chat.resolve(matcher.match("قمة الناتو في لاهاي")).matches
    assert any(m.watchlist == custom_watchlist_id(7) and m.surface == "الناتو" for m in found)


class _Terms:
    """An in-memory TermSource."""

    def __init__(self) -> None:
        self.terms: dict[int, list[str]] = {}
        self.excluded: dict[int, list[str]] = {}
        self.gen = 0

    async def generation(self) -> int:
        return self.gen

    async def all_custom_terms(self) -> dict[int, list[str]]:
        return self.terms

    async def all_exclusions(self) -> dict[int, list[str]]:
        return self.excluded


async def test_ingest_alerts_a_chat_rule_and_honours_its_vetoes_and_exclusions() -> None:
    store, terms = MemoryIngestStore(), _Terms()
    terms.terms = {1: ["وقف إطلاق النار + غزة -كرة"], 2: ["غزة"]}
    terms.excluded = {2: ["رفح"]}
    store.subscribe(custom_watchlist_id(1), 1, chat_id=10)
    store.subscribe(custom_watchlist_id(2), 2, chat_id=20)
    store.subscribe("nato", 2, chat_id=20)
    index = WatchIndex(builtin_lists(), terms)
    ingestor = Ingestor(store, index, max_age=86400, cluster_window=3600, clock=lambda: NOW)
    hit = store.add_story("وقف إطلاق النار في غزة يصمد", first_seen_at=NOW)
    ball = store.add_story("وقف إطلاق النار في غزة ومباراة كرة القدم تُستأنف", first_seen_at=NOW)
    rafah = store.add_story("قمة الناتو تبحث معبر رفح", first_seen_at=NOW)
    await ingestor.run_once()
    to = {(r.draft.destination_id, r.draft.story_id) for r in store.outbox}
    assert (1, hit) in to and (1, ball) not in to  # the rule's own veto
    assert (2, hit) in to and (2, ball) in to  # the other chat's plain term
    assert (2, rafah) not in to  # its exclusion vetoes even a built-in list's alert
    [payload] = [AlertPayload.from_json(r.draft.payload) for r in store.outbox
                 if (r.draft.destination_id, r.draft.story_id) == (1, hit)]
    assert {m.surface for m in payload.matches} == {"وقف إطلاق النار", "غزة"}

    # /include and /unwatch reach ingest on the next refresh.
    terms.terms, terms.excluded, terms.gen = {2: ["غزة"]}, {}, 1
    again = store.add_story("قمة الناتو تبحث معبر رفح مجدداً", first_seen_at=NOW)
    await ingestor.run_once()
    assert (2, again) in {(r.draft.destination_id, r.draft.story_id) for r in store.outbox}
    assert not any(w.startswith("rule-phrase:") and "كرة" in w for w in index.matcher.watchlists)


def test_near_miss_parts_of_a_rule() -> None:
    def texts(node: object) -> list[str]:
        return [p.text for p in phrases_of(node)]  # type: ignore[arg-type]

    tree = parse_rule("زيلينسكي -(نادي | هدف) + ترامب")
    assert isinstance(without_vetoes(tree), AllOf) and texts(without_vetoes(tree)) == ["زيلينسكي", "ترامب"]
    [veto] = vetoes_of(tree)
    assert isinstance(veto, AnyOf) and texts(veto) == ["نادي", "هدف"]
    scoped = without_vetoes(parse_rule("title:(غزة -كرة)"))
    assert isinstance(scoped, InTitle) and texts(scoped) == ["غزة"]
