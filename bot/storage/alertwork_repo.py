"""Work on sent alerts: acknowledgements (first press wins), assignments, 'not relevant' feedback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.alerting import AlertPayload
from bot.domain.alertwork import AlertWork, FollowedAlert, WorkTarget
from bot.domain.states import OutboxKind, OutboxState
from bot.storage.db import Database
from bot.storage.models import AlertFeedback, AlertWorkRow, Chat, Destination, Feed, Outbox, Story, table

__all__ = ["AlertWorkRepo", "followed_in"]


class AlertWorkRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ the switch
    async def buttons(self, destination_id: int) -> bool:
        d = table(Destination)
        async with self.db.read() as conn:
            return bool((await conn.execute(select(d.c.buttons).where(d.c.id == destination_id))).scalar())

    async def set_buttons(self, destination_id: int, on: bool) -> None:
        d = table(Destination)
        async with self.db.begin() as conn:
            await conn.execute(update(d).where(d.c.id == destination_id).values(buttons=on))

    # ------------------------------------------------------------ reading
    async def work(self, outbox_id: int) -> AlertWork | None:
        w = table(AlertWorkRow)
        async with self.db.read() as conn:
            row = (await conn.execute(select(w).where(w.c.outbox_id == outbox_id))).first()
        return _work(row) if row is not None else None

    def _targets(self) -> Any:
        o, c, d, s = table(Outbox), table(Chat), table(Destination), table(Story)
        return (select(o.c.id, o.c.destination_id, o.c.payload, o.c.message_ref, c.c.platform, c.c.external_id,
                       d.c.thread_id, s.c.title)
                .join(c, c.c.id == o.c.chat_id).join(d, d.c.id == o.c.destination_id)
                .outerjoin(s, s.c.id == o.c.story_id)
                .where(o.c.kind == str(OutboxKind.ALERT), o.c.state == str(OutboxState.SENT)))

    async def target(self, outbox_id: int) -> WorkTarget | None:
        """A sent alert by its row id, with where it went (for checking a press against it)."""
        o = table(Outbox)
        async with self.db.read() as conn:
            row = (await conn.execute(self._targets().where(o.c.id == outbox_id))).first()
        return _target(row) if row is not None else None

    async def target_by_message(self, platform: str, chat_id: str, message_ref: str) -> WorkTarget | None:
        """The sent alert a chat message is (for "/assign" written as a reply to it)."""
        o, c = table(Outbox), table(Chat)
        async with self.db.read() as conn:
            row = (await conn.execute(self._targets().where(
                c.c.platform == platform, c.c.external_id == chat_id, o.c.message_ref == message_ref))).first()
        return _target(row) if row is not None else None

    # ------------------------------------------------------------ writing
    async def _ensure(self, conn: AsyncConnection, outbox_id: int) -> None:
        w = table(AlertWorkRow)
        await conn.execute(self.db.insert(w).values(outbox_id=outbox_id).on_conflict_do_nothing())

    async def acknowledge(self, outbox_id: int, user_id: str, name: str | None,
                          now: datetime) -> tuple[AlertWork, bool]:
        """Record who took the alert; the first press wins. Returns (state, whether this press took it)."""
        w = table(AlertWorkRow)
        async with self.db.begin() as conn:
            await self._ensure(conn, outbox_id)
            res = await conn.execute(update(w).where(w.c.outbox_id == outbox_id, w.c.acked_by_id.is_(None))
                                     .values(acked_by_id=user_id, acked_by=name, acked_at=now))
            row = (await conn.execute(select(w).where(w.c.outbox_id == outbox_id))).one()
        return _work(row), bool(res.rowcount)

    async def assign(self, outbox_id: int, assignee_id: str | None, assignee_name: str | None,
                     by: str | None) -> AlertWork:
        w = table(AlertWorkRow)
        async with self.db.begin() as conn:
            await self._ensure(conn, outbox_id)
            await conn.execute(update(w).where(w.c.outbox_id == outbox_id)
                               .values(assignee_id=assignee_id, assignee_name=assignee_name, assigned_by=by))
            row = (await conn.execute(select(w).where(w.c.outbox_id == outbox_id))).one()
        return _work(row)

    async def follow(self, outbox_id: int, user_id: str, name: str | None, now: datetime) -> AlertWork:
        """Follow the alert's story, or stop following it when it is followed already (the press toggles)."""
        w = table(AlertWorkRow)
        async with self.db.begin() as conn:
            await self._ensure(conn, outbox_id)
            on = (await conn.execute(select(w.c.followed_by_id).where(w.c.outbox_id == outbox_id))).scalar() is None
            await conn.execute(update(w).where(w.c.outbox_id == outbox_id).values(
                followed_by_id=user_id if on else None, followed_by=name if on else None,
                followed_at=now if on else None))
            row = (await conn.execute(select(w).where(w.c.outbox_id == outbox_id))).one()
        return _work(row)

    async def not_relevant(self, outbox_id: int, destination_id: int, user_id: str, terms: Sequence[str],
                           now: datetime) -> bool:
        """One 'not relevant' per person and alert; False when this person had said it already."""
        f = table(AlertFeedback)
        async with self.db.begin() as conn:
            res = await conn.execute(self.db.insert(f).values(
                outbox_id=outbox_id, destination_id=destination_id, user_id=user_id,
                terms={"terms": list(terms)}, at=now).on_conflict_do_nothing().returning(f.c.id))
            return bool(res.all())

    async def top_irrelevant_terms(self, since: datetime, limit: int = 5,
                                   destination_id: int | None = None) -> list[tuple[str, int]]:
        """The terms drawing the most 'not relevant' presses since ``since``."""
        f = table(AlertFeedback)
        q = select(f.c.terms).where(f.c.at >= since)
        if destination_id is not None:
            q = q.where(f.c.destination_id == destination_id)
        counts: dict[str, int] = {}
        async with self.db.read() as conn:
            for (terms,) in (await conn.execute(q.limit(100000))).all():
                for t in dict.fromkeys((terms or {}).get("terms", [])):
                    counts[str(t)] = counts.get(str(t), 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    async def request_edit(self, outbox_id: int, now: datetime) -> None:
        """Have the dispatcher redraw a sent alert now (through the outbox, like every other edit)."""
        o = table(Outbox)
        async with self.db.begin() as conn:
            await conn.execute(update(o).where(o.c.id == outbox_id, o.c.state == str(OutboxState.SENT))
                               .values(edit_due_at=now))


async def followed_in(conn: AsyncConnection, dedupe_key: str, feed_id: int) -> list[FollowedAlert]:
    """Inside the ingest transaction: the sent, followed alerts of a story cluster, and the new outlet's name."""
    o, w, s, f = table(Outbox), table(AlertWorkRow), table(Story), table(Feed)
    outlet = (await conn.execute(select(f.c.name).where(f.c.id == feed_id))).scalar()
    rows = (await conn.execute(
        select(o.c.id, o.c.destination_id, o.c.chat_id, o.c.message_ref, s.c.title)
        .join(w, w.c.outbox_id == o.c.id).outerjoin(s, s.c.id == o.c.story_id)
        .where(o.c.dedupe_key == dedupe_key, o.c.kind == str(OutboxKind.ALERT), o.c.state == str(OutboxState.SENT),
               o.c.message_ref.is_not(None), w.c.followed_by_id.is_not(None))
        .order_by(o.c.id))).all()
    return [FollowedAlert(int(r.id), int(r.destination_id), int(r.chat_id), str(r.message_ref), r.title or "",
                          str(outlet or "")) for r in rows]


def _work(row: Any) -> AlertWork:
    return AlertWork(row.outbox_id, row.acked_by, row.acked_by_id, row.acked_at, row.assignee_id,
                     row.assignee_name, row.assigned_by, row.followed_by, row.followed_by_id, row.followed_at)


def _target(row: Any) -> WorkTarget:
    payload = AlertPayload.from_json(row.payload)
    terms = tuple(dict.fromkeys(m.surface or m.term for m in payload.matches if m.surface or m.term))
    return WorkTarget(int(row.id), int(row.destination_id), row.platform, row.external_id, int(row.thread_id),
                      row.message_ref, terms, row.title)
