"""The daily ops digest: once a day, at ``OPS_DIGEST_TIME`` in ``NEWSBOT_TIMEZONE``, one message to the ops
channel — alerts sent per platform, new dead letters, feeds failing or silent, the slowest first
sight -> delivery, and the terms drawing the most "not relevant" presses. One replica sends it (the
day is claimed in the database); it goes through the outbox like every other notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.arabic import format_relative, isolate
from bot.domain.alerting import NoticePayload, OutboxDraft
from bot.domain.freshness import is_silent, usual_gap
from bot.domain.stories import cut_at_word
from bot.ops.notices import NoticeQueue, OpsDestinations
from bot.storage.alertwork_repo import AlertWorkRepo
from bot.storage.deadletters_repo import DeadLettersRepo
from bot.storage.opsday_repo import OpsDayRepo
from bot.storage.sources_repo import SourcesRepo

__all__ = ["DailyDigest", "due_day", "parse_at"]

PLATFORMS = {"telegram": "تيليجرام", "slack": "سلاك", "console": "الطرفية"}
SHOWN = 8


def parse_at(value: str) -> time | None:
    """"08:00" -> 08:00; "off" -> None (the setting's pattern has already refused anything else)."""
    if value.strip().lower() == "off":
        return None
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def due_day(now: datetime, tz: ZoneInfo, at: time | None) -> int | None:
    """Today's date (YYYYMMDD, local) once the digest time has passed today; None before it, or when off."""
    if at is None:
        return None
    local = now.astimezone(tz)
    if local.time().replace(tzinfo=None) < at:
        return None
    return local.year * 10000 + local.month * 100 + local.day


class DailyDigest:
    def __init__(self, day: OpsDayRepo, sources: SourcesRepo, work: AlertWorkRepo, dead: DeadLettersRepo,
                 destinations: OpsDestinations, outbox: NoticeQueue, *, tz: ZoneInfo, at: time | None,
                 clock: Callable[[], datetime]) -> None:
        self.day, self.sources, self.work, self.dead = day, sources, work, dead
        self.destinations, self.outbox = destinations, outbox
        self.tz, self.at, self.clock = tz, at, clock
        self._settled: int | None = None  # the day this replica already sent, or saw another send

    async def tick(self) -> int:
        """Send today's digest if it is due and no replica has sent it yet; returns rows queued."""
        now = self.clock()
        day = due_day(now, self.tz, self.at)
        if day is None or day == self._settled or not await self.destinations.ops_destinations():
            return 0
        self._settled = day
        if not await self.day.claim_day(day):
            return 0
        return await self.send(now)

    async def send(self, now: datetime) -> int:
        dests = await self.destinations.ops_destinations()
        if not dests:
            return 0
        title, lines = await self.lines(now)
        payload = NoticePayload(title, tuple(lines))
        key = f"ops-digest:{uuid.uuid4().hex}"
        return await self.outbox.enqueue_now([OutboxDraft.notice(d.id, d.chat_id, key, payload, now) for d in dests])

    async def lines(self, now: datetime) -> tuple[str, list[str]]:
        since = now - timedelta(days=1)
        local = now.astimezone(self.tz)
        title = f"📋 الموجز اليومي للتشغيل — {local:%Y-%m-%d}"
        sent = await self.day.sent_per_platform(since)
        per = "، ".join(f"{PLATFORMS.get(p, p)} {n}" for p, n in sorted(sent.items())) or "لا شيء"
        out = [f"📨 التنبيهات المرسلة في آخر 24 ساعة: {per}"]
        out.append(f"📭 رسائل لم تُسلَّم: {await self.day.dead_since(since)} جديدة، "
                   f"و{await self.dead.count()} محفوظة بانتظار إعادة الإرسال")
        feeds = await self.sources.freshness()
        failing = [f for f in feeds if f.enabled and f.failure_count]
        silent = [f for f in feeds if f.enabled and not f.failure_count and is_silent(
            (now - f.last_story_at).total_seconds() if f.last_story_at else None, usual_gap(f.recent))]
        out.append("⚠️ مصادر متعثرة: " + ("، ".join(
            f"{isolate(cut_at_word(f.name, 40))} ({f.failure_count})" for f in failing[:SHOWN]) or "لا شيء"))
        out.append("🔇 مصادر صامتة أطول من المعتاد: " + ("، ".join(
            f"{isolate(cut_at_word(f.name, 40))} (آخر خبر منذ {format_relative((now - f.last_story_at).total_seconds())})"
            for f in silent[:SHOWN] if f.last_story_at) or "لا شيء"))
        slow = await self.day.slowest(since)
        if slow is not None:
            took, story, platform = slow
            out.append(f"🐢 أبطأ تنبيه من أول رصد إلى التسليم: {format_relative(took)} — "
                       f"«{isolate(cut_at_word(story, 60))}» ({PLATFORMS.get(platform, platform)})")
        top = await self.work.top_irrelevant_terms(since, 5)
        out.append("🔕 أكثر العبارات التي وُصفت تنبيهاتها بأنها ليست ذات صلة: " + (
            "، ".join(f"«{isolate(t)}» ({n})" for t, n in top) or "لا شيء"))
        return title, out
