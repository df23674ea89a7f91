"""Spike detection per chat rule (issue 19): which rule fired is recorded, a burst on a rule alerts its own
chat only (once per period, urgent, within its quiet hours), labelled with the rule's text; /trends keys agree."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta

from bot.alerts.arabic import FSI, PDI, RLI
from bot.alerts.model import Topic
from bot.alerts.spike import format_spike
from bot.domain.alerting import Headline, OutboxDraft, SpikePayload
from bot.domain.chat_rules import ChatRules, rule_destination, rule_list_id
from bot.domain.matcher import Matcher
from bot.domain.policy import DestinationSettings, QuietHours
from bot.domain.spikes import Sighting, SpikeRules
from bot.domain.watchlists import custom_watchlist_id
from bot.pipeline.ingest import Ingestor
from bot.pipeline.spikes_job import SpikeJob
from bot.pipeline.watchindex import WatchIndex
from bot.storage.records import Audience, AudienceEntry, SpikeHistory
from tests.fakes.memory import MemoryIngestStore
from tests.support.matching import builtin_lists

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
RULE = "وقف إطلاق النار + غزة"


class _Terms:
    def __init__(self, terms: dict[int, list[str]], excluded: dict[int, list[str]] | None = None) -> None:
        self.terms, self.excluded = terms, excluded or {}

    async def generation(self) -> int:
        return 0

    async def all_custom_terms(self) -> dict[int, list[str]]:
        return self.terms

    async def all_exclusions(self) -> dict[int, list[str]]:
        return self.excluded


class FakeSpikeStore:
    """What the spike job reads and writes, in memory."""

    def __init__(self, sightings: dict[str, list[Sighting]], rules: dict[int, list[str]],
                 subscribers: dict[str, list[AudienceEntry]]) -> None:
        self.sightings, self.rules, self.subscribers = sightings, rules, subscribers
        self.queued: list[OutboxDraft] = []

    async def history(self, since: datetime) -> SpikeHistory:
        return SpikeHistory(None, self.sightings)  # a new install: the cold-start rule

    async def headlines(self, story_ids: Iterable[int]) -> dict[int, Headline]:
        return {i: Headline(f"خبر {i}", f"https://e.example/{i}", "وكالة") for i in story_ids}

    async def last_spikes(self, since: datetime) -> dict[tuple[int, str], datetime]:
        return {(d.destination_id, str(d.payload["watchlist"])): d.created_at for d in self.queued
                if d.created_at >= since}

    async def audience(self, watchlist_ids: Sequence[str]) -> Audience:
        return Audience({w: self.subscribers[w] for w in watchlist_ids if w in self.subscribers}, {})

    async def rule_texts(self, destination_ids: Iterable[int]) -> dict[int, list[str]]:
        return {d: self.rules[d] for d in destination_ids if d in self.rules}

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        self.queued.extend(drafts)
        return len(drafts)


def _burst(n: int = 10, outlets: int = 4, first_id: int = 1) -> list[Sighting]:
    return [Sighting(first_id + i, 100 + i % outlets, NOW - timedelta(minutes=25 - 2 * i)) for i in range(n)]


def _entry(dest: int, settings: DestinationSettings | None = None) -> AudienceEntry:
    return AudienceEntry(dest, dest * 10, settings or DestinationSettings())


def _job(store: FakeSpikeStore, clock: list[datetime]) -> SpikeJob:
    return SpikeJob(store, rules=SpikeRules(), cooldown=timedelta(hours=3), interval=0, clock=lambda: clock[0])


def test_a_rule_list_id_names_its_destination_and_is_stable() -> None:
    rid = rule_list_id(42, RULE)
    assert rid == rule_list_id(42, RULE) and rid != rule_list_id(43, RULE) and rid != rule_list_id(42, "غزة")
    assert rule_destination(rid) == 42
    assert rule_destination("ceasefire") is None and rule_destination(custom_watchlist_id(42)) is None
    assert len(rule_list_id(1, "غزة " * 500)) == len(rule_list_id(1, "غزة"))  # fixed length in the record


def test_resolve_names_the_rules_that_fired_but_not_a_vetoed_chats() -> None:
    builtins = builtin_lists()
    chat = ChatRules(builtins)
    chat.set_rules(1, [RULE, "NATO"])
    chat.set_rules(2, ["غزة"])
    chat.set_exclusions(3, ["رفح"])
    chat.set_rules(3, ["غزة"])
    matcher = Matcher([*builtins, *chat.watchlists()])
    title = "وقف إطلاق النار في غزة يصمد"
    got = chat.resolve(matcher.match(title), None, (title, ""))
    assert set(got.rules) == {rule_list_id(1, RULE), rule_list_id(2, "غزة"), rule_list_id(3, "غزة")}
    vetoed = chat.resolve(matcher.match("وقف إطلاق النار في غزة ورفح"), None, ("وقف إطلاق النار في غزة ورفح", ""))
    assert 3 in vetoed.vetoed and rule_list_id(3, "غزة") not in vetoed.rules
    assert rule_list_id(1, RULE) in vetoed.rules


async def test_ingest_records_which_chat_rule_fired() -> None:
    store = MemoryIngestStore()
    store.subscribe(custom_watchlist_id(1), 1, chat_id=10)
    index = WatchIndex(builtin_lists(), _Terms({1: [RULE, "NATO"]}))
    ingestor = Ingestor(store, index, max_age=86400, cluster_window=3600, clock=lambda: NOW)
    hit = store.add_story("وقف إطلاق النار في غزة يصمد", first_seen_at=NOW)
    other = store.add_story("قمة اقتصادية في طوكيو", first_seen_at=NOW)
    await ingestor.run_once()
    record = store.matches_of(hit)
    assert record is not None and record["rules"] == [rule_list_id(1, RULE)]
    assert store.matches_of(other) is None or not (store.matches_of(other) or {}).get("rules")


async def test_a_burst_on_a_chat_rule_alerts_that_chat_only_once_per_period_with_the_rule_text() -> None:
    rid = rule_list_id(1, RULE)
    store = FakeSpikeStore(
        {rid: _burst(), rule_list_id(2, "غزة"): _burst(3, first_id=50)},
        {1: [RULE], 2: ["غزة"]},
        {custom_watchlist_id(1): [_entry(1)], custom_watchlist_id(2): [_entry(2)]})
    clock = [NOW]
    job = _job(store, clock)
    assert await job.run_once() == 1
    [draft] = store.queued
    assert (draft.destination_id, draft.chat_id, draft.tier) == (1, 10, "urgent")
    payload = SpikePayload.from_json(draft.payload)
    assert payload.watchlist == rid and payload.label == RULE and payload.stories == 10 and payload.outlets == 4
    assert len(payload.headlines) == 3 and sum(payload.series) == 10 and payload.highlight
    clock[0] = NOW + timedelta(minutes=30)  # still a burst, inside the period: nothing more
    store.sightings[rid] = _burst() + _burst(first_id=200)
    assert await job.run_once() == 0
    clock[0] = NOW + timedelta(hours=3, minutes=1)  # the period is over: a new burst alerts again
    store.sightings[rid] = [Sighting(s.story + 1000, s.outlet, s.at + timedelta(hours=3, minutes=1)) for s in _burst()]
    assert await job.run_once() == 1 and len(store.queued) == 2


async def test_a_rule_removed_since_it_fired_or_a_chat_in_quiet_hours_hears_nothing() -> None:
    quiet = DestinationSettings(quiet=QuietHours(time(11, 0), time(13, 0), hold_urgent=True))
    store = FakeSpikeStore(
        {rule_list_id(1, RULE): _burst(), rule_list_id(2, "غزة"): _burst(first_id=100)},
        {1: ["هدنة"], 2: ["غزة"]},  # chat 1 replaced its rule
        {custom_watchlist_id(1): [_entry(1)], custom_watchlist_id(2): [_entry(2, quiet)]})
    assert await _job(store, [NOW]).run_once() == 0 and not store.queued


async def test_built_in_lists_and_rules_alert_side_by_side() -> None:
    store = FakeSpikeStore(
        {"ceasefire": _burst(), rule_list_id(1, RULE): _burst(first_id=100)},
        {1: [RULE]},
        {"ceasefire": [_entry(1), _entry(2)], custom_watchlist_id(1): [_entry(1), _entry(2)]})
    assert await _job(store, [NOW]).run_once() == 3
    got = sorted((d.destination_id, str(d.payload["watchlist"])) for d in store.queued)
    assert got == [(1, "ceasefire"), (1, rule_list_id(1, RULE)), (2, "ceasefire")]


def test_a_rule_spike_alert_reads_the_rule_text_isolated() -> None:
    payload = SpikePayload(rule_list_id(1, "NATO + أوكرانيا"), 9, 3, 30, None,
                           (Headline("خبر", "https://e.example/1", "وكالة"),), (0,) * 95 + (9,), (95,), NOW,
                           "NATO + أوكرانيا")
    view = format_spike(payload, Topic(custom_watchlist_id(1), "متابعاتك", "متابعاتك"), UTC)
    text = view.plain_text()
    assert "⚡ ارتفاع مفاجئ: 9 أخبار عن " in text and "من 3 مصادر خلال 30 دقيقة" in text
    assert f"عن {FSI}NATO + أوكرانيا{PDI} من" in text or f"عن {RLI}NATO + أوكرانيا{PDI} من" in text
    assert view.chart.startswith(b"\x89PNG") and view.filename == "spike-rule.png"
