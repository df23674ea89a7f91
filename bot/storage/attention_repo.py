"""A destination's attention settings (issue 16): stored as columns, handed out typed.

The columns are plain text and numbers (``"22:00"``, ``"08:00,18:00"``); this
module is the one place that turns them into the domain's ``QuietHours``,
``DigestSchedule`` and ``DestinationSettings`` and back. ``ChatsRepo`` mixes
it in, so the command core sees one settings store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.policy import DestinationSettings, DigestSchedule, NotifyMode, QuietHours
from bot.domain.states import OutboxState
from bot.storage.db import Database
from bot.storage.models import Chat, Destination, DestinationFeed, Outbox, Subscription, table
from bot.storage.records import CAP_OFF, AttentionRecord, Audience, AudienceEntry

__all__ = ["AttentionStoreMixin", "ATTENTION_COLUMNS", "attention_of", "settings_of", "hhmm", "parse_hhmm"]

ATTENTION_COLUMNS = ("timezone", "quiet_start", "quiet_end", "quiet_all", "digest_times", "digest_watchlists",
                     "cap", "notify", "slack_here", "urgent_watchlists", "last_cap_notice_at")


def hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_hhmm(text: str) -> time | None:
    """'07:30' -> time(7, 30); None for anything else (stored values are written by ``hhmm``)."""
    hh, sep, mm = text.strip().partition(":")
    if not sep or not (hh.isdigit() and mm.isdigit()) or len(mm) != 2 or not 1 <= len(hh) <= 2:
        return None
    h, m = int(hh), int(mm)
    return time(h, m) if h < 24 and m < 60 else None


def _ids(text: str | None) -> tuple[str, ...]:
    return tuple(i for i in (text or "").split(",") if i)


def attention_of(m: Any) -> AttentionRecord:
    """The record from a row mapping holding the attention columns (bad stored values read as off)."""
    quiet = None
    start, end = parse_hhmm(m["quiet_start"] or ""), parse_hhmm(m["quiet_end"] or "")
    if start is not None and end is not None and start != end:
        quiet = QuietHours(start, end, bool(m["quiet_all"]))
    digest = None
    times = tuple(t for t in (parse_hhmm(x) for x in _ids(m["digest_times"])) if t is not None)
    if times:
        lists = _ids(m["digest_watchlists"])
        digest = DigestSchedule(times, frozenset(lists) if lists else None)
    try:
        notify = NotifyMode(m["notify"] or NotifyMode.ALL)
    except ValueError:
        notify = NotifyMode.ALL
    return AttentionRecord(m["timezone"], quiet, digest, m["cap"], notify, bool(m["slack_here"]),
                           _ids(m["urgent_watchlists"]), m["last_cap_notice_at"])


def _zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def settings_of(m: Any, default_tz: ZoneInfo, default_cap: int | None) -> DestinationSettings:
    """What the policy needs, from a row with ``enabled``, ``active``, ``muted_until`` and the attention columns."""
    rec = attention_of(m)
    cap = default_cap if rec.cap is None else (None if rec.cap == CAP_OFF else rec.cap)
    return DestinationSettings(
        enabled=bool(m["enabled"]), active=bool(m["active"]), muted_until=m["muted_until"],
        timezone=_zone(rec.timezone, default_tz), quiet=rec.quiet, digest=rec.digest, cap=cap,
        notify=rec.notify, slack_here=rec.slack_here, urgent_watchlists=frozenset(rec.urgent_watchlists))


class AttentionStoreMixin:
    """The attention half of ``ChatsRepo``: each destination's settings, and every list's audience with them."""

    db: Database
    default_tz: ZoneInfo
    default_cap: int | None

    async def attention(self, destination_id: int) -> AttentionRecord:
        d = table(Destination)
        async with self.db.read() as conn:
            row = (await conn.execute(select(*(d.c[n] for n in ATTENTION_COLUMNS))
                                      .where(d.c.id == destination_id))).first()
        return attention_of(row._mapping) if row is not None else AttentionRecord()  # noqa: SLF001

    async def zone_of(self, destination_id: int) -> ZoneInfo:
        """The destination's zone (/timezone), else the deployment's."""
        return _zone((await self.attention(destination_id)).timezone, self.default_tz)

    async def _set(self, destination_id: int, release: bool, **values: Any) -> None:
        d = table(Destination)
        async with self.db.begin() as conn:
            await conn.execute(update(d).where(d.c.id == destination_id).values(**values))
            if release:
                await self._release_held(conn, destination_id)

    async def _release_held(self, conn: AsyncConnection, destination_id: int) -> None:
        """What was held goes out in the next digest round (a setting that held it was lifted)."""
        o = table(Outbox)
        await conn.execute(update(o).where(o.c.destination_id == destination_id, o.c.state == OutboxState.HELD)
                           .values(release_at=datetime(2000, 1, 1)))

    async def set_timezone(self, destination_id: int, zone: str | None) -> None:
        await self._set(destination_id, False, timezone=zone)

    async def set_quiet(self, destination_id: int, quiet: QuietHours | None) -> None:
        if quiet is None:
            await self._set(destination_id, True, quiet_start=None, quiet_end=None, quiet_all=False)
        else:
            await self._set(destination_id, False, quiet_start=hhmm(quiet.start), quiet_end=hhmm(quiet.end),
                            quiet_all=quiet.hold_urgent)

    async def set_digest(self, destination_id: int, digest: DigestSchedule | None) -> None:
        if digest is None:
            await self._set(destination_id, True, digest_times=None, digest_watchlists=None)
        else:
            lists = ",".join(sorted(digest.watchlists)) if digest.watchlists else None
            await self._set(destination_id, False, digest_times=",".join(hhmm(t) for t in digest.times),
                            digest_watchlists=lists)

    async def set_cap(self, destination_id: int, cap: int | None) -> None:
        """``None``: lifted (/cap off)."""
        await self._set(destination_id, cap is None, cap=CAP_OFF if cap is None else cap)

    async def set_notify(self, destination_id: int, mode: NotifyMode, here: bool) -> None:
        await self._set(destination_id, False, notify=str(mode), slack_here=here)

    async def set_urgent_lists(self, destination_id: int, watchlist_ids: Iterable[str]) -> None:
        ids = sorted(set(watchlist_ids))
        await self._set(destination_id, False, urgent_watchlists=",".join(ids) or None)

    async def audience(self, conn: AsyncConnection, watchlist_ids: Sequence[str],
                       chat_feed_ids: Sequence[int]) -> Audience:
        """Every subscriber of these lists with its settings (the delivery policy decides who gets
        what, not this query), and which destinations added each chat feed."""
        s, d, c, df = table(Subscription), table(Destination), table(Chat), table(DestinationFeed)
        subs: dict[str, list[AudienceEntry]] = defaultdict(list)
        ids = list(watchlist_ids)
        for i in range(0, len(ids), 500):
            q = (select(d.c.id, d.c.chat_id, d.c.enabled, d.c.muted_until, c.c.active, s.c.watchlist_id,
                        *(d.c[n] for n in ATTENTION_COLUMNS))
                 .join(s, s.c.destination_id == d.c.id).join(c, c.c.id == d.c.chat_id)
                 .where(s.c.watchlist_id.in_(ids[i:i + 500])))
            cache: dict[int, AudienceEntry] = {}
            for r in (await conn.execute(q)).all():
                entry = cache.get(r.id)
                if entry is None:
                    entry = cache[r.id] = AudienceEntry(r.id, r.chat_id, settings_of(
                        r._mapping, self.default_tz, self.default_cap), r.last_cap_notice_at)  # noqa: SLF001
                subs[r.watchlist_id].append(entry)
        feeds: dict[int, set[int]] = defaultdict(set)
        if chat_feed_ids:
            for f in (await conn.execute(select(df.c.feed_id, df.c.destination_id)
                                         .where(df.c.feed_id.in_(list(chat_feed_ids))))).all():
                feeds[f.feed_id].add(f.destination_id)
        return Audience(dict(subs), dict(feeds))
