"""The ops channel: what an operator must hear about the bot itself, in Arabic, never a flood.

Events are buffered and flushed as one digest at most every ``min_interval``
seconds; the digest goes through the same durable outbox as alerts, so a
platform outage delays it but does not lose it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import structlog

from bot.alerts.arabic import isolate
from bot.alerts.plural import ALERTS_GEN, counted, elapsed
from bot.domain.alerting import NoticePayload, OutboxDraft
from bot.domain.states import DeadLetterReason
from bot.storage.records import DestinationRef, FeedRecord

__all__ = ["OpsNotifier", "OpsDestinations", "NoticeQueue"]

log = structlog.get_logger(__name__)

MAX_LINES = 30
BACKLOG_REPEAT = 1800.0
TITLE = "تقرير تشغيل newsbot"
DEAD_REASONS = {DeadLetterReason.REFUSED: "رفضته المنصة", DeadLetterReason.EXHAUSTED: "نفدت محاولات الإرسال",
                DeadLetterReason.MISSING: "لم يعد الخبر مخزّناً"}


class OpsDestinations(Protocol):
    """Which destinations are ops channels."""

    async def ops_destinations(self) -> list[DestinationRef]: ...


class NoticeQueue(Protocol):
    """The durable outbox, for notices."""

    async def enqueue_now(self, rows: Sequence[OutboxDraft]) -> int: ...


class OpsNotifier:
    def __init__(self, destinations: OpsDestinations, outbox: NoticeQueue, *, clock: Callable[[], datetime],
                 feed_failures: int, backlog_threshold: int, min_interval: float, replica: str,
                 scrub: Callable[[str], str] = lambda text: text) -> None:
        self.scrub = scrub  # removes secrets from error texts before they reach a chat
        self.chats, self.outbox = destinations, outbox
        self.clock = clock
        self.feed_failures = feed_failures
        self.backlog_threshold = backlog_threshold
        self.min_interval = min_interval
        self.replica = replica
        self._lines: list[str] = []
        self._dropped = 0
        self._last_flush: datetime | None = None
        self._backlog_since: datetime | None = None
        self._backlog_told: datetime | None = None
        self._dead: dict[tuple[str, str], tuple[int, str]] = {}  # (platform, chat) -> (count, last reason)

    def add(self, line: str) -> None:
        if len(self._lines) >= MAX_LINES:
            self._dropped += 1
            return
        self._lines.append(line)

    # ----------------------------------------------------------- events
    def feed_failing(self, feed: FeedRecord, failures: int, error: str) -> None:
        if failures == self.feed_failures:
            self.add(f"⚠️ المصدر {isolate(feed.name)} يفشل منذ {failures} محاولات متتالية: {isolate(error)}")

    def feed_recovered(self, feed: FeedRecord, failures: int) -> None:
        if failures >= self.feed_failures:
            self.add(f"✅ عاد المصدر {isolate(feed.name)} إلى العمل بعد {failures} محاولات فاشلة")

    def error(self, where: str, what: str) -> None:
        """A failed job or platform handler; the same error is said once per digest."""
        line = f"❗ خطأ في {isolate(where)}: {isolate(self.scrub(what))}"
        if line not in self._lines:
            self.add(line)

    def feed_disabled(self, feed: FeedRecord, reason: str) -> None:
        self.add(f"⛔ أُوقف المصدر {isolate(feed.name)}: {isolate(reason)}")

    def chat_gone(self, platform: str, name: str, reason: str) -> None:
        self.add(f"🚫 أُلغي تفعيل المحادثة {isolate(str(name))} ({platform}): {isolate(reason)}")

    def dead_letter(self, platform: str, name: str, reason: DeadLetterReason, error: str) -> None:
        """An alert that will not be delivered; one line per chat per digest, however many there are."""
        count, _ = self._dead.get((platform, name), (0, ""))
        why = DEAD_REASONS.get(reason, DEAD_REASONS[DeadLetterReason.REFUSED])
        if error:
            why = f"{why}: {self.scrub(error)[:120]}"
        if (platform, name) in self._dead or len(self._dead) < MAX_LINES:
            self._dead[(platform, name)] = (count + 1, why)
        else:
            self._dropped += 1

    def _dead_lines(self) -> list[str]:
        lines = []
        for (platform, name), (n, why) in self._dead.items():
            prefix = "/newsbot " if platform == "slack" else "/"
            lines.append(f"📭 تعذّر إرسال {counted(n, ALERTS_GEN)} إلى {isolate(name)} ({platform}): {isolate(why)}. "
                         f"تعرضها {prefix}failed هناك أو newsbot outbox list --failed، وتعيدها {prefix}retry.")
        self._dead.clear()
        return lines

    def backlog(self, pending: int, oldest_age: float) -> None:
        now = self.clock()
        if pending >= self.backlog_threshold:
            if self._backlog_since is None:
                self._backlog_since = now
            if self._backlog_told is None or (now - self._backlog_told).total_seconds() >= BACKLOG_REPEAT:
                self._backlog_told = now
                self.add(f"📦 تراكم في طابور الإرسال: {pending} رسالة بانتظار الإرسال، "
                         f"أقدمها منذ {elapsed(oldest_age)}")
        elif self._backlog_since is not None and pending < self.backlog_threshold // 2:
            self._backlog_since = None
            self._backlog_told = None
            self.add(f"✅ انتهى التراكم: {pending} رسالة بانتظار الإرسال")

    # ------------------------------------------------------------ flush
    async def lifecycle(self, started: bool, detail: str = "") -> None:
        """Process start or stop: said at once (not held for the digest)."""
        word = "🟢 بدأ تشغيل newsbot" if started else "🔴 توقف newsbot"
        self.add(f"{word} ({isolate(self.replica)}){' — ' + detail if detail else ''}")
        await self.flush(force=True)

    async def flush(self, *, force: bool = False) -> int:
        """Queue the buffered lines as one digest for every ops destination; returns rows queued."""
        if not self._lines and not self._dead:
            return 0
        now = self.clock()
        if not force and self._last_flush is not None and \
                (now - self._last_flush).total_seconds() < self.min_interval:
            return 0
        lines = [*self._dead_lines(), *self._lines]
        if self._dropped:
            lines.append(f"… و{self._dropped} إشعارات أخرى")
        self._lines.clear()
        self._dropped = 0
        self._last_flush = now
        dests = await self.chats.ops_destinations()
        if not dests:
            log.info("ops_notice", lines=lines)
            return 0
        key = f"ops:{uuid.uuid4().hex}"
        payload = NoticePayload(TITLE, tuple(lines))
        rows = [OutboxDraft.notice(d.id, d.chat_id, key, payload, now) for d in dests]
        return await self.outbox.enqueue_now(rows)
