"""Ingest's attention step: the policy's answer for each destination, as outbox rows.

``bot.domain.policy.decide`` says send now, send silently, hold until T, or
drop; this module only turns the answer into rows (pending, or held with a
release time), writes the one cap notice, and, when a story spreads to
enough outlets, gives each destination its one urgent alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.digest import CAP_NOTICE
from bot.domain.alerting import AlertPayload, NoticePayload, OutboxDraft, urgent_dedupe_key
from bot.domain.matcher import Match
from bot.domain.policy import CAP_WINDOW, Action, AlertFacts, Reason, RecentSends, Tier, decide
from bot.domain.states import OutboxState
from bot.domain.urgency import SpreadRule, is_breaking, spread_of
from bot.pipeline.ports import IngestTx
from bot.storage.records import AudienceEntry, StoryRecord

__all__ = ["AttentionBatch", "Target", "escalate"]


@dataclass(frozen=True, slots=True)
class Target:
    """One destination an alert is for, with the lists of its that the story answers."""

    entry: AudienceEntry
    watchlists: tuple[str, ...]


@dataclass(slots=True)
class AttentionBatch:
    """Decisions for one ingest batch; sends decided here count toward the cap of the next ones."""

    now: datetime
    urgent_lists: frozenset[str]
    recent: dict[int, list[datetime]] = field(default_factory=dict)
    noticed: dict[int, datetime] = field(default_factory=dict)
    drafts: list[OutboxDraft] = field(default_factory=list)
    held: int = 0
    dropped: int = 0
    missed: dict[int, set[int]] = field(default_factory=dict)  # destination -> story clusters its mute dropped

    async def load(self, tx: IngestTx, targets: Iterable[Target]) -> None:
        """The last hour's normal sends of every capped destination in the batch."""
        capped = sorted({t.entry.destination_id for t in targets if t.entry.settings.cap is not None})
        if capped:
            self.recent = await tx.recent_normal(capped, self.now - CAP_WINDOW)

    def add(self, story: StoryRecord, root: int, matches: list[Match], targets: Iterable[Target]) -> None:
        breaking = story.breaking or is_breaking(story.title)
        for t in targets:
            dest = t.entry.destination_id
            recent = RecentSends(tuple(self.recent.get(dest, ())), self.noticed.get(dest, t.entry.cap_notice_at))
            facts = AlertFacts.of(breaking=breaking, watchlists=t.watchlists, urgent_watchlists=self.urgent_lists,
                                  recent=recent)
            d = decide(facts, t.entry.settings, self.now)
            if not d.delivers:
                self.dropped += 1
                if d.reason == Reason.MUTED:  # counted, so the end of the mute can say how many were missed
                    self.missed.setdefault(dest, set()).add(root)
                continue
            payload = AlertPayload(t.watchlists, tuple(m for m in matches if m.watchlist in t.watchlists),
                                   urgent=d.tier is Tier.URGENT, silent=d.silent, here=d.here)
            draft = OutboxDraft.alert(dest, t.entry.chat_id, story.id, root, payload, self.now, story.first_seen_at)
            if d.action is Action.HOLD and d.until is not None:
                draft = draft.held(d.until, str(d.reason))
                self.held += 1
            elif d.tier is Tier.NORMAL:
                self.recent.setdefault(dest, []).append(self.now)
            self.drafts.append(draft)
            if d.cap_notice:
                self.noticed[dest] = self.now
                self.drafts.append(OutboxDraft.notice(dest, t.entry.chat_id, f"cap:{dest}:{self.now.isoformat()}",
                                                      NoticePayload(CAP_NOTICE, ()), self.now))

    async def finish(self, tx: IngestTx) -> None:
        if self.missed:
            await tx.count_missed({dest: sorted(roots) for dest, roots in self.missed.items()})
        if self.noticed:
            await tx.cap_noticed(sorted(self.noticed), self.now)


async def escalate(tx: IngestTx, root: int, now: datetime, rule: SpreadRule, urgent_lists: frozenset[str]) -> int:
    """A story that now spreads fast: each destination's alert of it becomes urgent, once; returns rows written."""
    facts = await tx.sightings(root)
    if facts is None:
        return 0
    spread = spread_of(facts[0], facts[1], rule)
    if spread is None:
        return 0
    drafts: list[OutboxDraft] = []
    for row in await tx.escalation_rows(root):
        d = decide(AlertFacts.of(spread=spread, watchlists=row.watchlists, urgent_watchlists=urgent_lists),
                   row.settings, now)
        old = AlertPayload.from_json(row.payload)
        payload = AlertPayload(old.watchlists, old.matches, urgent=True, spread=(spread.outlets, spread.minutes),
                               here=d.here)
        if not d.delivers:
            await tx.mark_urgent(row.row_id, now)
            continue
        if row.state is OutboxState.PENDING:
            # Not sent yet: it goes out as the urgent alert itself (unless quiet hours hold urgent too).
            await tx.mark_urgent(row.row_id, now, payload.to_json() if d.action is Action.SEND else None)
            continue
        await tx.mark_urgent(row.row_id, now)
        draft = OutboxDraft.alert(row.destination_id, row.chat_id, row.story_id, root, payload, now,
                                  row.story_seen_at or now, key=urgent_dedupe_key(root))
        if d.action is Action.HOLD and d.until is not None:
            draft = draft.held(d.until, str(d.reason))
        drafts.append(draft)
    return await tx.enqueue(drafts) if drafts else 0
