"""The outbox's stored format, built and read in bot/domain/alerting.py: keys and payloads round-trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.domain.alerting import (
    AlertPayload,
    NoticePayload,
    OutboxDraft,
    match_from_json,
    match_to_json,
    story_dedupe_key,
    story_root,
)
from bot.domain.matcher import Match
from bot.domain.states import OutboxKind, OutboxState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SEEN = datetime(2026, 3, 1, 11, 59, tzinfo=UTC)
MATCHES = (Match("nato", "الناتو", "title", 5, 11, "للناتو"), Match("custom:7", "black sea", "summary", 0, 9, "Black Sea"))


@pytest.mark.parametrize("root", [1, 42, 2**40])
def test_a_story_dedupe_key_names_its_root(root: int) -> None:
    key = story_dedupe_key(root)
    assert key == f"story:{root}" and story_root(key) == root


@pytest.mark.parametrize("key", ["ops:digest:2026-03-01", "story:", "story:x1", "stories:3", "", "STORY:3"])
def test_other_keys_name_no_story(key: str) -> None:
    assert story_root(key) is None


def test_a_match_round_trips_through_json() -> None:
    for m in MATCHES:
        assert match_from_json(json.loads(json.dumps(match_to_json(m)))) == m


def test_an_old_match_without_a_surface_reads_back_with_an_empty_one() -> None:
    assert match_from_json({"w": "nato", "t": "ناتو", "f": "title", "s": 0, "e": 4}).surface == ""


def test_an_alert_payload_round_trips_through_json() -> None:
    payload = AlertPayload(("custom:7", "nato"), MATCHES)
    stored = json.loads(json.dumps(payload.to_json(), ensure_ascii=False))
    assert AlertPayload.from_json(stored) == payload


@pytest.mark.parametrize("stored", [None, {}])
def test_a_missing_payload_reads_as_empty(stored: dict[str, object] | None) -> None:
    assert AlertPayload.from_json(stored) == AlertPayload((), ())
    assert NoticePayload.from_json(stored) == NoticePayload("", ())


def test_a_notice_payload_round_trips_through_json() -> None:
    notice = NoticePayload("تقرير المصادر", ("المصدر الأول يفشل", "عاد المصدر الثاني"))
    assert NoticePayload.from_json(json.loads(json.dumps(notice.to_json()))) == notice


def test_an_alert_draft_becomes_a_pending_row() -> None:
    payload = AlertPayload(("nato",), MATCHES[:1])
    draft = OutboxDraft.alert(3, 30, story_id=12, root=9, payload=payload, now=NOW, story_seen_at=SEEN)
    assert draft.kind is OutboxKind.ALERT and draft.dedupe_key == story_dedupe_key(9)
    assert draft.to_row() == {
        "destination_id": 3, "chat_id": 30, "story_id": 12, "kind": "alert", "dedupe_key": "story:9",
        "payload": payload.to_json(), "state": "pending", "attempts": 0, "edits": 0, "created_at": NOW,
        "story_seen_at": SEEN, "tier": "normal", "release_at": None, "hold_reason": None}
    assert draft.to_row()["state"] == OutboxState.PENDING
    assert AlertPayload.from_json(draft.to_row()["payload"]) == payload


def test_a_notice_draft_becomes_a_pending_ops_row_without_a_story() -> None:
    notice = NoticePayload("حالة البوت", ("كل شيء يعمل",))
    row = OutboxDraft.notice(1, 2, "ops:status", notice, NOW).to_row()
    assert row == {"destination_id": 1, "chat_id": 2, "story_id": None, "kind": "ops", "dedupe_key": "ops:status",
                   "payload": notice.to_json(), "state": "pending", "attempts": 0, "edits": 0, "created_at": NOW,
                   "story_seen_at": None, "tier": None, "release_at": None, "hold_reason": None}
    assert story_root(row["dedupe_key"]) is None
