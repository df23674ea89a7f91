"""Ingest decisions on the in-memory store: the real Ingestor, matcher, clusterer and policy, no database.

The end-to-end tests (test_pipeline, test_clustering, ...) show the same behaviour through the whole
bot; these pin each decision on its own, in milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.alerting import AlertPayload, story_dedupe_key
from bot.domain.policy import DestinationSettings
from bot.domain.states import FeedOrigin, OutboxKind, OutboxState, StoryState
from bot.pipeline.ingest import Ingestor, LeaseLost
from bot.pipeline.watchindex import WatchIndex
from tests.fakes.memory import MemoryIngestStore
from tests.support.matching import builtin_lists

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EDIT_DELAY = 30.0
TITLE = "قمة الناتو تبحث رسالة بوتين في بروكسل اليوم"  # nato and putin
SUMMARY = "قال مسؤولون إن قادة الحلف اجتمعوا لبحث الرسالة"
WEATHER = "خبر عادي عن الطقس"


@pytest.fixture
def store() -> MemoryIngestStore:
    return MemoryIngestStore()


@pytest.fixture
def ingestor(store: MemoryIngestStore) -> Ingestor:
    return Ingestor(store, WatchIndex(builtin_lists()), max_age=3 * 86400, cluster_window=24 * 3600,
                    clock=lambda: NOW, edit_delay=EDIT_DELAY)


def story(store: MemoryIngestStore, title: str = TITLE, summary: str = SUMMARY, **kw: object) -> int:
    kw.setdefault("first_seen_at", NOW)
    return store.add_story(title, summary, **kw)  # type: ignore[arg-type]


def rows_to(store: MemoryIngestStore, destination_id: int) -> list[AlertPayload]:
    return [AlertPayload.from_json(r.draft.payload) for r in store.outbox if r.draft.destination_id == destination_id]


async def test_an_old_story_is_marked_old_and_asks_for_no_audience(store: MemoryIngestStore,
                                                                    ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    sid = story(store, published_at=NOW - timedelta(days=4))
    report = await ingestor.run_once()
    assert (report.stories, report.old, report.alerted) == (1, 1, 0)
    assert store.state_of(sid) is StoryState.OLD
    assert store.outbox == [] and store.audience_queries == []


async def test_a_story_that_matches_nothing_is_marked_nomatch(store: MemoryIngestStore, ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    sid = story(store, WEATHER, "", published_at=NOW - timedelta(hours=1))
    report = await ingestor.run_once()
    assert (report.nomatch, report.alerted, report.rows) == (1, 0, 0)
    assert store.state_of(sid) is StoryState.NOMATCH and store.outbox == []


async def test_an_alert_goes_to_each_subscriber_once_naming_all_its_lists(store: MemoryIngestStore,
                                                                         ingestor: Ingestor) -> None:
    store.subscribe("nato", 1, chat_id=10)
    store.subscribe("putin", 1, chat_id=10)  # two lists, one destination: one row
    store.subscribe("nato", 2, chat_id=20)
    store.subscribe("ukraine", 3)  # not matched
    sid = story(store)
    report = await ingestor.run_once()
    assert (report.alerted, report.rows, report.dropped) == (1, 2, 0)
    assert report.matches == {"nato": 1, "putin": 1}
    assert sorted((r.draft.destination_id, r.draft.chat_id) for r in store.outbox) == [(1, 10), (2, 20)]
    for r in store.outbox:
        assert r.draft.kind is OutboxKind.ALERT and r.state is OutboxState.PENDING
        assert r.draft.dedupe_key == story_dedupe_key(sid) and r.draft.story_id == sid
    [first] = rows_to(store, 1)
    assert first.watchlists == ("nato", "putin") and {m.watchlist for m in first.matches} == {"nato", "putin"}
    [second] = rows_to(store, 2)
    assert second.watchlists == ("nato",) and {m.watchlist for m in second.matches} == {"nato"}
    record = store.story_record(sid)
    assert record.state is StoryState.ALERTED and record.cluster_id == sid
    recorded = store.matches_of(sid)
    assert recorded is not None and recorded["watchlists"] == ["nato", "putin"] and recorded["custom_lists"] == 0
    assert {surface for _, _, _, surface in recorded["spans"]} == {"الناتو", "بوتين"}

    again = await ingestor.run_once()  # nothing pending any more
    assert again.stories == 0 and len(store.outbox) == 2


async def test_a_copy_from_another_outlet_records_a_sighting_and_schedules_one_edit(
        store: MemoryIngestStore, ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    store.subscribe("nato", 2)
    root = story(store, feed_id=1)
    await ingestor.run_once()
    store.mark_sent()

    copy = story(store, f"عاجل | {TITLE}", feed_id=2, link="https://other.example/copy")
    report = await ingestor.run_once()
    assert (report.duplicates, report.alerted, report.rows) == (1, 0, 0)  # same dedupe key: no second alert
    record = store.story_record(copy)
    assert record.state is StoryState.DUPLICATE and record.cluster_id == root
    assert [(s.story_id, s.feed_id, s.link) for s in store.sightings] == [(root, 2, "https://other.example/copy")]
    assert len(store.outbox) == 2
    assert all(r.edit_due_at == NOW + timedelta(seconds=EDIT_DELAY) for r in store.outbox)

    store.add_story(f"{TITLE} (فيديو)", SUMMARY, feed_id=2, first_seen_at=NOW)  # the same outlet again
    await ingestor.run_once()
    assert len(store.sightings) == 1


async def test_a_copy_from_the_same_feed_is_a_duplicate_without_a_sighting(store: MemoryIngestStore,
                                                                          ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    root = story(store, feed_id=1)
    copy = story(store, f"عاجل | {TITLE}", feed_id=1)  # same batch
    report = await ingestor.run_once()
    assert (report.alerted, report.duplicates, report.rows) == (1, 1, 1)
    assert store.story_record(copy).cluster_id == root and store.sightings == []


async def test_the_policy_drops_paused_muted_and_gone_destinations(store: MemoryIngestStore,
                                                                   ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    store.subscribe("nato", 2, settings=DestinationSettings(enabled=False))
    store.subscribe("nato", 3, settings=DestinationSettings(active=False))
    store.subscribe("nato", 4, settings=DestinationSettings(muted_until=NOW + timedelta(hours=1)))
    store.subscribe("nato", 5, settings=DestinationSettings(muted_until=NOW - timedelta(seconds=1)))
    story(store)
    report = await ingestor.run_once()
    assert (report.rows, report.dropped) == (2, 3)
    assert sorted(r.draft.destination_id for r in store.outbox) == [1, 5]


async def test_a_chat_added_feed_alerts_only_the_destinations_that_added_it(store: MemoryIngestStore,
                                                                            ingestor: Ingestor) -> None:
    for dest in (1, 2, 3):
        store.subscribe("nato", dest)
    store.feed_destinations[7] = {2, 3}
    store.feed_destinations[8] = {1}
    chat_story = story(store, feed_id=7, origin=FeedOrigin.CHAT)
    config_story = story(store, "اجتماع لوزراء دفاع الناتو", "", feed_id=1)
    report = await ingestor.run_once()
    assert report.alerted == 2
    assert sorted(r.draft.destination_id for r in store.outbox if r.draft.story_id == chat_story) == [2, 3]
    assert sorted(r.draft.destination_id for r in store.outbox if r.draft.story_id == config_story) == [1, 2, 3]
    assert store.audience_queries == [(("nato", "putin"), (7,))]  # only chat feeds with a story are looked up


async def test_a_lost_lease_rolls_the_batch_back(store: MemoryIngestStore, ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    sid = story(store)
    store.lease_held = False
    with pytest.raises(LeaseLost):
        await ingestor.run_once()
    assert store.outbox == [] and store.sightings == [] and store.commits == 0
    assert store.state_of(sid) is StoryState.NEW

    store.lease_held = True  # the batch is redone, from a fresh view of the clusters
    report = await ingestor.run_once()
    assert (report.alerted, report.duplicates, report.rows) == (1, 0, 1)
    assert store.state_of(sid) is StoryState.ALERTED


async def test_the_same_url_in_another_feed_counts_as_one_more_outlet(store: MemoryIngestStore,
                                                                      ingestor: Ingestor) -> None:
    store.subscribe("nato", 1)
    root = story(store, feed_id=1)
    copy = story(store, f"عاجل | {TITLE}", feed_id=1)
    quiet = story(store, WEATHER, "", feed_id=1)
    await ingestor.run_once()
    store.mark_sent()

    await ingestor.record_same_url(root, 1, "https://news.example/1")  # its own feed: nothing
    await ingestor.record_same_url(quiet, 3, "https://news.example/3")  # never alerted: nothing
    await ingestor.record_same_url(999, 3, "https://nowhere.example/")  # unknown: nothing
    assert store.sightings == [] and all(r.edit_due_at is None for r in store.outbox)

    await ingestor.record_same_url(copy, 4, "https://fourth.example/x")  # a duplicate: counted on its root
    assert [(s.story_id, s.feed_id) for s in store.sightings] == [(root, 4)]
    assert [r.edit_due_at for r in store.outbox] == [NOW + timedelta(seconds=EDIT_DELAY)]
