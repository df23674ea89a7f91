"""Spike checks: which built-in lists and chat rules are suddenly everywhere, and who hears of it.

A chat rule (/watch) is a list of its own here (``bot.domain.chat_rules.rule_list_id``: its destination
and its text), checked by the same detector; its spike alert goes to that destination only, labelled
with the rule's text. Alerts are urgent, once per list (or rule) per destination per period.

Runs after ingest, by the replica holding the ingest lease, at most every
``interval`` seconds. The verdict is ``bot.domain.spikes.detect``; who gets
the alert is the delivery policy (``bot.domain.policy.decide``, as an urgent
alert: sent now, or not at all inside quiet hours that hold urgent alerts too)
plus the one-per-period rule (``bot.domain.spikes.may_alert``). Rows are
unique per destination, list and 15-minute bin, so a rerun adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from bot.domain.alerting import Headline, OutboxDraft, SpikePayload
from bot.domain.chat_rules import rule_destination, rule_list_id
from bot.domain.policy import Action, AlertFacts, Tier, Urgency, decide
from bot.domain.spikes import BIN, Basis, SpikeRules, Verdict, bin_floor, detect, may_alert, series
from bot.domain.watchlists import custom_watchlist_id
from bot.settings import Settings
from bot.storage.records import Audience, AudienceEntry, SpikeHistory

__all__ = ["SpikeStore", "SpikeJob", "SERIES_BINS"]

log = structlog.get_logger(__name__)

SERIES_BINS = 96  # the chart: 24 hours of 15-minute bins


class SpikeStore(Protocol):
    async def history(self, since: datetime) -> SpikeHistory: ...

    async def headlines(self, story_ids: Iterable[int]) -> dict[int, Headline]: ...

    async def last_spikes(self, since: datetime) -> dict[tuple[int, str], datetime]: ...

    async def audience(self, watchlist_ids: Sequence[str]) -> Audience: ...

    async def rule_texts(self, destination_ids: Iterable[int]) -> dict[int, list[str]]: ...

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int: ...


class SpikeJob:
    def __init__(self, store: SpikeStore, *, rules: SpikeRules, cooldown: timedelta, interval: float,
                 clock: Callable[[], datetime]) -> None:
        self.store, self.rules, self.cooldown, self.clock = store, rules, cooldown, clock
        self.interval = timedelta(seconds=interval)
        self._next: datetime | None = None

    @classmethod
    def configured(cls, s: Settings, store: SpikeStore, clock: Callable[[], datetime]) -> SpikeJob | None:
        """The job as the settings ask for it; None when spike alerts are off (``NEWSBOT_SPIKES``)."""
        if not s.spikes:
            return None
        return cls(store, rules=SpikeRules(minimum=s.spike_min), cooldown=timedelta(seconds=s.spike_cooldown_seconds),
                   interval=s.spike_interval, clock=clock)

    async def __call__(self) -> int:
        """A check when one is due (else nothing); returns the rows queued."""
        now = self.clock()
        if self._next is not None and now < self._next:
            return 0
        self._next = now + self.interval
        return await self.run_once()

    async def run_once(self) -> int:
        now = self.clock()
        history = await self.store.history(now - timedelta(days=self.rules.history_days + 1))
        spikes: dict[str, Verdict] = {}
        for wl, sightings in history.sightings.items():
            verdict = detect(sightings, now, self.rules, history.start)
            if verdict.spike:
                spikes[wl] = verdict
        if not spikes:
            return 0
        owners = {wl: rule_destination(wl) for wl in spikes}
        rules = await self.store.rule_texts({d for d in owners.values() if d is not None})
        texts = {rule_list_id(d, t): t for d, ts in rules.items() for t in ts}
        audience = await self.store.audience(sorted({wl if d is None else custom_watchlist_id(d)
                                                     for wl, d in owners.items()}))
        last = await self.store.last_spikes(now - self.cooldown)
        headlines = await self.store.headlines({i for v in spikes.values() for i in v.count.top})
        drafts: list[OutboxDraft] = []
        for wl, verdict in spikes.items():
            owner = owners[wl]
            entries: Sequence[AudienceEntry]
            if owner is None:
                entries, label, urgency = audience.subscribers.get(wl, ()), "", wl
            elif wl in texts:  # a chat rule: its own chat only, while the rule is still there
                urgency = custom_watchlist_id(owner)
                entries = [e for e in audience.subscribers.get(urgency, ()) if e.destination_id == owner]
                label = texts[wl]
            else:
                continue
            payload = self._payload(wl, verdict, history, headlines, now, label)
            facts = AlertFacts(Tier.URGENT, Urgency(watchlists=(urgency,)), (urgency,))
            before = len(drafts)
            for entry in entries:
                if not may_alert(last.get((entry.destination_id, wl)), now, self.cooldown):
                    continue
                # Sent now, or not at all: a spike held to a digest would be stale news of the moment (the
                # stories themselves wait in the digest as usual), and the period is not used up.
                if decide(facts, entry.settings, now).action in (Action.SEND, Action.SEND_SILENT):
                    drafts.append(OutboxDraft.spike(entry.destination_id, entry.chat_id, payload, now, now))
            if len(drafts) > before:
                log.info("spike", watchlist=wl, destinations=len(drafts) - before, stories=verdict.count.stories,
                         outlets=verdict.count.outlets, expected=round(verdict.baseline.expected, 2),
                         basis=str(verdict.baseline.basis))
        return await self.store.enqueue(drafts) if drafts else 0

    def _payload(self, wl: str, verdict: Verdict, history: SpikeHistory, headlines: dict[int, Headline],
                 now: datetime, label: str = "") -> SpikePayload:
        counts = series(history.sightings.get(wl, ()), now, SERIES_BINS)
        start = bin_floor(now) - (SERIES_BINS - 1) * BIN
        highlight = tuple(int((b - start) // BIN) for b in verdict.bins if b >= start)
        usual = None if verdict.baseline.basis is Basis.COLD else verdict.baseline.expected
        return SpikePayload(wl, verdict.count.stories, verdict.count.outlets,
                            int(self.rules.window.total_seconds() // 60), usual,
                            tuple(headlines[i] for i in verdict.count.top if i in headlines),
                            counts, highlight, start, label)
