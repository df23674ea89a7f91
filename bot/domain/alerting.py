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
           "NoticePayload", "Headline", "SpikePayload", "spike_dedupe_key", "ChartPayload", "OutboxDraft",
           "urgent_dedupe_key", "digest_dedupe_key", "DigestPayload"]

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
    """Which of a destination's lists an alert answers, the words that fired them, and how loud it is.

    ``urgent``: the alert's tier is urgent (shown as a leading "🔴 عاجل" line); ``spread``:
    (outlets, minutes) when it became urgent by spreading; ``silent``: send without a
    notification sound; ``here``: an urgent Slack alert may ``<!here>`` (the channel opted in).
    """

    watchlists: tuple[str, ...]
    matches: tuple[Match, ...]
    urgent: bool = False
    spread: tuple[int, int] | None = None
    silent: bool = False
    here: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"watchlists": list(self.watchlists), "matches": [match_to_json(m) for m in self.matches]}
        if self.urgent:
            out["urgent"] = True
        if self.spread is not None:
            out["spread"] = list(self.spread)
        if self.silent:
            out["silent"] = True
        if self.here:
            out["here"] = True
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> AlertPayload:
        d = d or {}
        raw = d.get("spread")
        spread = (int(raw[0]), int(raw[1])) if isinstance(raw, (list, tuple)) and len(raw) == 2 else None
        return cls(tuple(str(w) for w in d.get("watchlists", ())),
                   tuple(match_from_json(m) for m in d.get("matches", ())),
                   d.get("urgent") is True, spread, d.get("silent") is True, d.get("here") is True)


def urgent_dedupe_key(root_story_id: int) -> str:
    """The one urgent re-send of a story that became urgent after its first alert (spread)."""
    return f"urgent:{root_story_id}"


def digest_dedupe_key(destination_id: int, release_at: datetime, part: int) -> str:
    return f"digest:{destination_id}:{release_at.strftime('%Y%m%dT%H%M%S')}:{part}"


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
class DigestPayload:
    """A digest message as stored: lines of (text, bold, href) spans, and the stories it carries."""

    lines: tuple[tuple[tuple[str, bool, str | None], ...], ...]
    story_ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"lines": [[[t, b, h] for t, b, h in ln] for ln in self.lines], "stories": list(self.story_ids)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> DigestPayload:
        d = d or {}
        lines = tuple(tuple((str(sp[0]), bool(sp[1]), str(sp[2]) if sp[2] else None) for sp in ln)
                      for ln in d.get("lines", ()))
        return cls(lines, tuple(int(i) for i in d.get("stories", ())))


@dataclass(frozen=True, slots=True)
class Headline:
    title: str
    link: str
    source: str


_SPIKE = "spike:"


def spike_dedupe_key(watchlist: str, window_end: datetime) -> str:
    """One row per destination, list and 15-minute bin: a rerun of the check in the same bin adds nothing."""
    return f"{_SPIKE}{watchlist}:{int(window_end.timestamp() // 900)}"


@dataclass(frozen=True, slots=True)
class SpikePayload:
    """Everything a spike alert shows, fixed when it was detected (no story is read back to send it)."""

    watchlist: str
    stories: int
    outlets: int
    minutes: int
    usual: float | None  # None: no history to compare with (cold start)
    headlines: tuple[Headline, ...]
    series: tuple[int, ...]  # stories per 15 minutes, the last 24 hours
    highlight: tuple[int, ...]  # indices into ``series`` of the spike's bins
    series_start: datetime
    label: str = ""  # a chat rule's text, shown instead of the list's label ("": a built-in list)

    def to_json(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist, "label": self.label, "stories": self.stories, "outlets": self.outlets,
                "minutes": self.minutes, "usual": self.usual,
                "headlines": [{"title": h.title, "link": h.link, "source": h.source} for h in self.headlines],
                "series": list(self.series), "highlight": list(self.highlight),
                "series_start": self.series_start.isoformat()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> SpikePayload:
        d = d or {}
        usual = d.get("usual")
        return cls(str(d.get("watchlist", "")), int(d.get("stories", 0)), int(d.get("outlets", 0)),
                   int(d.get("minutes", 30)), None if usual is None else float(usual),
                   tuple(Headline(str(h.get("title", "")), str(h.get("link", "")), str(h.get("source", "")))
                         for h in d.get("headlines", ())),
                   tuple(int(x) for x in d.get("series", ())), tuple(int(x) for x in d.get("highlight", ())),
                   datetime.fromisoformat(str(d.get("series_start", "2000-01-01T00:00:00+00:00"))),
                   str(d.get("label", "")))


@dataclass(frozen=True, slots=True)
class ChartPayload:
    """A line chart and its caption: one line per list (Latin ids in the image), Arabic in ``caption``."""

    caption: tuple[str, ...]
    lines: tuple[tuple[str, tuple[int, ...]], ...]  # (watchlist id, counts)
    start: datetime
    step_minutes: int

    def to_json(self) -> dict[str, Any]:
        return {"caption": list(self.caption), "lines": [[wl, list(c)] for wl, c in self.lines],
                "start": self.start.isoformat(), "step": self.step_minutes}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> ChartPayload:
        d = d or {}
        return cls(tuple(str(x) for x in d.get("caption", ())),
                   tuple((str(wl), tuple(int(x) for x in c)) for wl, c in d.get("lines", ())),
                   datetime.fromisoformat(str(d.get("start", "2000-01-01T00:00:00+00:00"))),
                   int(d.get("step", 15)))


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
    state: OutboxState = OutboxState.PENDING  # or HELD (with ``release_at``)
    tier: str | None = None  # ``bot.domain.policy.Tier`` of an alert
    release_at: datetime | None = None
    hold_reason: str | None = None

    @classmethod
    def alert(cls, destination_id: int, chat_id: int, story_id: int, root: int, payload: AlertPayload,
              now: datetime, story_seen_at: datetime, *, key: str | None = None) -> OutboxDraft:
        return cls(destination_id, chat_id, story_id, OutboxKind.ALERT, key or story_dedupe_key(root),
                   payload.to_json(), now, story_seen_at, tier="urgent" if payload.urgent else "normal")

    def held(self, release_at: datetime, reason: str) -> OutboxDraft:
        """This row, held until ``release_at`` (a digest carries it)."""
        return OutboxDraft(self.destination_id, self.chat_id, self.story_id, self.kind, self.dedupe_key,
                           self.payload, self.created_at, self.story_seen_at, OutboxState.HELD, self.tier,
                           release_at, reason)

    @classmethod
    def notice(cls, destination_id: int, chat_id: int, key: str, payload: NoticePayload,
               now: datetime) -> OutboxDraft:
        return cls(destination_id, chat_id, None, OutboxKind.OPS, key, payload.to_json(), now, None)

    @classmethod
    def follow_up(cls, destination_id: int, chat_id: int, alert_id: int, feed_id: int, reply_to: str,
                  payload: NoticePayload, now: datetime) -> OutboxDraft:
        """A later copy of a followed story, as a reply to its alert: once per alert and outlet."""
        return cls(destination_id, chat_id, None, OutboxKind.FOLLOW, f"follow:{alert_id}:{feed_id}",
                   {**payload.to_json(), "reply_to": reply_to}, now, None)

    @classmethod
    def spike(cls, destination_id: int, chat_id: int, payload: SpikePayload, window_end: datetime,
              now: datetime) -> OutboxDraft:
        return cls(destination_id, chat_id, None, OutboxKind.SPIKE, spike_dedupe_key(payload.watchlist, window_end),
                   payload.to_json(), now, None, tier="urgent")

    @classmethod
    def chart(cls, destination_id: int, chat_id: int, key: str, payload: ChartPayload, now: datetime) -> OutboxDraft:
        return cls(destination_id, chat_id, None, OutboxKind.CHART, key, payload.to_json(), now, None)

    def to_row(self) -> dict[str, Any]:
        return {"destination_id": self.destination_id, "chat_id": self.chat_id, "story_id": self.story_id,
                "kind": str(self.kind), "dedupe_key": self.dedupe_key, "payload": self.payload,
                "state": str(self.state), "attempts": 0, "edits": 0, "created_at": self.created_at,
                "story_seen_at": self.story_seen_at, "tier": self.tier, "release_at": self.release_at,
                "hold_reason": self.hold_reason}


def watchlists_of(matches: Iterable[Match]) -> set[str]:
    return {m.watchlist for m in matches}
