"""An alert on its way through the outbox: its dedupe key and payload, built and read here only.

Ingest writes these, delivery reads them back; keeping both directions in one
module means the stored format cannot drift between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.matcher import Match
from bot.domain.states import OutboxKind, OutboxState

__all__ = ["story_dedupe_key", "story_root", "match_to_json", "match_from_json", "AlertPayload",
           "NoticePayload", "OutboxDraft"]

_STORY = "story:"


def story_dedupe_key(root_story_id: int) -> str:
    """One alert per destination and story cluster: the cluster's first story names it."""
    return f"{_STORY}{root_story_id}"


def story_root(dedupe_key: str) -> int | None:
    """The cluster root a story dedupe key names, or None for other keys (ops notices)."""
    if not dedupe_key.startswith(_STORY):
        return None
    try:
        return int(dedupe_key[len(_STORY):])
    except ValueError:
        return None


def match_to_json(m: Match) -> dict[str, Any]:
    return {"w": m.watchlist, "t": m.term, "f": m.field, "s": m.start, "e": m.end, "x": m.surface}


def match_from_json(d: Mapping[str, Any]) -> Match:
    return Match(str(d["w"]), str(d["t"]), str(d["f"]), int(d["s"]), int(d["e"]), str(d.get("x", "")))


@dataclass(frozen=True, slots=True)
class AlertPayload:
    """Which of a destination's lists an alert answers, and the words that fired them."""

    watchlists: tuple[str, ...]
    matches: tuple[Match, ...]

    def to_json(self) -> dict[str, Any]:
        return {"watchlists": list(self.watchlists), "matches": [match_to_json(m) for m in self.matches]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> AlertPayload:
        d = d or {}
        return cls(tuple(str(w) for w in d.get("watchlists", ())),
                   tuple(match_from_json(m) for m in d.get("matches", ())))


@dataclass(frozen=True, slots=True)
class NoticePayload:
    """A plain message (ops digest): a title and lines."""

    title: str
    lines: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "lines": list(self.lines)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> NoticePayload:
        d = d or {}
        return cls(str(d.get("title", "")), tuple(str(x) for x in d.get("lines", ())))


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    """An outbox row to be written (the repository fills in ids and bookkeeping)."""

    destination_id: int
    chat_id: int
    story_id: int | None
    kind: OutboxKind
    dedupe_key: str
    payload: dict[str, Any]
    created_at: datetime
    story_seen_at: datetime | None = None

    @classmethod
    def alert(cls, destination_id: int, chat_id: int, story_id: int, root: int, payload: AlertPayload,
              now: datetime, story_seen_at: datetime) -> OutboxDraft:
        return cls(destination_id, chat_id, story_id, OutboxKind.ALERT, story_dedupe_key(root),
                   payload.to_json(), now, story_seen_at)

    @classmethod
    def notice(cls, destination_id: int, chat_id: int, key: str, payload: NoticePayload,
               now: datetime) -> OutboxDraft:
        return cls(destination_id, chat_id, None, OutboxKind.OPS, key, payload.to_json(), now, None)

    def to_row(self) -> dict[str, Any]:
        return {"destination_id": self.destination_id, "chat_id": self.chat_id, "story_id": self.story_id,
                "kind": str(self.kind), "dedupe_key": self.dedupe_key, "payload": self.payload,
                "state": str(OutboxState.PENDING), "attempts": 0, "edits": 0, "created_at": self.created_at,
                "story_seen_at": self.story_seen_at}


def watchlists_of(matches: Iterable[Match]) -> set[str]:
    return {m.watchlist for m in matches}
