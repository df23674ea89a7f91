"""The durable outbox: one row per (destination, story), claimed per chat with a lease.

A chat is the unit of claiming because platform limits and ordering are per
chat: the replica holding a chat's lease sends its rows one at a time, oldest
first, and records each outcome right after the send. A crash can therefore
repeat at most the one message that was in flight for each chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.alerting import OutboxDraft
from bot.domain.states import DeadLetterReason, OutboxKind, OutboxState
from bot.storage.db import Database
from bot.storage.models import Chat, Destination, Outbox, table
from bot.storage.outbox_sql import chat_update, claim_statements, due_rows_statement, held_statement, row_update
from bot.storage.records import (
    OUTBOX_CONVERT,
    ChatRecord,
    OutboxItem,
    OutboxStats,
    OutcomeWrite,
    from_row,
)

_PENDING, _SENT = OutboxState.PENDING, OutboxState.SENT

__all__ = ["OutboxRepo"]


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, conn: AsyncConnection, rows: Sequence[OutboxDraft]) -> int:
        """Insert rows, skipping (destination, dedupe_key) pairs already queued; returns how many."""
        if not rows:
            return 0
        t = table(Outbox)
        result = await conn.execute(self.db.insert(t).on_conflict_do_nothing().returning(t.c.id),
                                    [r.to_row() for r in rows])
        return len(result.all())

    async def enqueue_now(self, rows: Sequence[OutboxDraft]) -> int:
        async with self.db.begin() as conn:
            return await self.enqueue(conn, rows)

    async def claim_chats(self, owner: str, now: datetime, limit: int, lease_s: float,
                          platforms: Sequence[str], ops_only: bool = False) -> list[ChatRecord]:
        """Lease chats that have a row (or an edit) due; each chat goes to exactly one replica."""
        return [chat for chat, _rows in await self._claim(owner, now, limit, lease_s, platforms, ops_only, 0)]

    async def claim_with_rows(self, owner: str, now: datetime, limit: int, lease_s: float,
                              platforms: Sequence[str], ops_only: bool = False, rows_per_chat: int = 10,
                              ) -> list[tuple[ChatRecord, list[OutboxItem]]]:
        """``claim_chats`` with each chat's ``due_for_chat`` rows, in one transaction."""
        return await self._claim(owner, now, limit, lease_s, platforms, ops_only, rows_per_chat)

    async def _claim(self, owner: str, now: datetime, limit: int, lease_s: float, platforms: Sequence[str],
                     ops_only: bool, rows_per_chat: int) -> list[tuple[ChatRecord, list[OutboxItem]]]:
        due, lease, chats_of = claim_statements(self.db.is_postgres, ops_only)
        async with self.db.begin() as conn:
            ids = [r.id for r in (await conn.execute(due, {"now": now, "platforms": list(platforms), "lim": limit}))]
            if not ids:
                return []
            await conn.execute(lease, {"ids": ids, "owner": owner, "until": now + timedelta(seconds=lease_s)})
            chats = [from_row(ChatRecord, r) for r in await conn.execute(chats_of, {"ids": ids})]
            rows: dict[int, list[OutboxItem]] = {}
            if rows_per_chat > 0:
                rows = await self._due_rows(conn, ids, now, rows_per_chat, pending=True)
                idle = [i for i in ids if i not in rows]
                if idle:
                    rows.update(await self._due_rows(conn, idle, now, rows_per_chat, pending=False))
        return [(chat, rows.get(chat.id, [])) for chat in chats]

    @staticmethod
    async def _due_rows(conn: AsyncConnection, chat_ids: list[int], now: datetime, per_chat: int, *,
                        pending: bool) -> dict[int, list[OutboxItem]]:
        """The oldest ``per_chat`` pending rows (or due edits) of each chat, in order."""
        params = {"ids": chat_ids, "now": now, "per_chat": per_chat, "pending": _PENDING, "sent": _SENT}
        out: dict[int, list[OutboxItem]] = {}
        for r in await conn.execute(due_rows_statement(pending), params):
            item = from_row(OutboxItem, r, OUTBOX_CONVERT)
            out.setdefault(item.chat_id, []).append(item)
        return out

    async def due_for_chat(self, chat_id: int, now: datetime, limit: int) -> list[OutboxItem]:
        """The chat's oldest pending rows, in order; when none is pending, its due edits."""
        o, d = table(Outbox), table(Destination)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(o, d.c.thread_id, d.c.buttons).join(d, d.c.id == o.c.destination_id)
                .where(o.c.chat_id == chat_id, o.c.state == _PENDING).order_by(o.c.id).limit(limit)
            )).all()
            if not rows:
                rows = (await conn.execute(
                    select(o, d.c.thread_id, d.c.buttons).join(d, d.c.id == o.c.destination_id)
                    .where(o.c.chat_id == chat_id, o.c.state == _SENT, o.c.edit_due_at <= now)
                    .order_by(o.c.id).limit(limit)
                )).all()
        return [from_row(OutboxItem, r, OUTBOX_CONVERT) for r in rows]

    async def record(
        self, row_id: int, chat_id: int, owner: str, *, state: OutboxState | None, now: datetime,
        next_send_at: datetime | None, message_ref: str | None = None, error: str | None = None,
        edited: bool = False, release: bool = True, renew_until: datetime | None = None,
        reason: DeadLetterReason | None = None,
    ) -> bool:
        """Write one send's outcome and the chat's next allowed send time in one transaction.

        Without ``release`` the chat's lease is renewed to ``renew_until``; returns False when
        this replica no longer holds it (it expired and another replica may be serving the chat).
        A row closed ``failed`` is a dead letter: ``reason`` (default: refused) and the time are kept.
        """
        [held] = await self.record_many([OutcomeWrite(
            row_id, chat_id, owner, state=state, now=now, next_send_at=next_send_at, message_ref=message_ref,
            error=error, edited=edited, release=release, renew_until=renew_until, reason=reason)])
        return held

    async def record_many(self, writes: Sequence[OutcomeWrite]) -> list[bool]:
        """Several outcomes (of different chats) in one transaction; per write, whether its lease held.

        Outcomes of the same shape share one executemany statement: a fan-out's hundred "sent" rows
        and their chats' next send times are two statements, not two hundred.
        """
        if not writes:
            return []
        if len({w.chat_id for w in writes}) < len(writes):  # one chat twice: keep their order exactly
            async with self.db.begin() as conn:
                return [await self._write(conn, w) for w in writes]
        async with self.db.begin() as conn:
            held: set[int] = set()
            held_of = held_statement(self.db.is_postgres)
            for owner in {w.owner for w in writes}:
                ids = [w.chat_id for w in writes if w.owner == owner]
                held.update(r.id for r in await conn.execute(held_of, {"ids": ids, "owner": owner}))
            rows: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = {}
            chats: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for w in writes:
                shaped = _row_values(w)
                if shaped is not None:
                    bound, incs, params = shaped
                    rows.setdefault((bound, incs), []).append(
                        {"w_id": w.row_id, **{f"w_{k}": v for k, v in params.items()}})
                if w.chat_id in held:
                    cv = _chat_values(w)
                    chats.setdefault(tuple(cv), []).append({"w_id": w.chat_id, **{f"w_{k}": v for k, v in cv.items()}})
            for shape, params_list in rows.items():
                await conn.execute(row_update(*shape), params_list)
            for cols, params_list in chats.items():
                if cols:
                    await conn.execute(chat_update(cols), params_list)
        return [w.chat_id in held for w in writes]

    async def _write(self, conn: AsyncConnection, w: OutcomeWrite) -> bool:
        o, c = table(Outbox), table(Chat)
        values: dict[str, Any] = {}
        if w.row_id is None:
            pass
        elif w.edited:
            values.update(edit_due_at=None, edits=o.c.edits + 1)
        elif w.state is not None:
            values.update(state=str(w.state), attempts=o.c.attempts + 1,
                          last_error=(w.error or None) and w.error[:500])
            if w.state is OutboxState.SENT:
                values.update(sent_at=w.now, message_ref=w.message_ref)
            elif w.state is OutboxState.FAILED:
                values.update(failed_reason=str(w.reason or DeadLetterReason.REFUSED), failed_at=w.now)
        else:
            values.update(attempts=o.c.attempts + 1, last_error=(w.error or "")[:500])
        chat_values: dict[str, Any] = {"next_send_at": w.next_send_at} if w.set_next else {}
        if w.release:
            chat_values.update(lease_owner=None, lease_until=None)
        elif w.renew_until is not None:
            chat_values["lease_until"] = w.renew_until
        if values:
            await conn.execute(update(o).where(o.c.id == w.row_id).values(**values))
        res = await conn.execute(update(c).where(c.c.id == w.chat_id, c.c.lease_owner == w.owner)
                                 .values(**chat_values))
        return bool(res.rowcount)

    async def release_chat(self, chat_id: int, owner: str, next_send_at: datetime | None = None) -> None:
        await self.record_many([OutcomeWrite(None, chat_id, owner, next_send_at=next_send_at,
                                             set_next=next_send_at is not None)])

    async def drop_pending(self, conn: AsyncConnection, chat_id: int, state: OutboxState, reason: str) -> int:
        """Inside a caller's transaction: close every pending row of a chat (it is gone)."""
        o = table(Outbox)
        res = await conn.execute(update(o).where(o.c.chat_id == chat_id, o.c.state == _PENDING)
                                 .values(state=str(state), last_error=reason[:500]))
        return int(res.rowcount or 0)

    async def forget_before(self, conn: AsyncConnection, cutoff: datetime) -> int:
        """Retention: closed rows (sent, failed, gone, digested) created before ``cutoff``; held rows stay."""
        o = table(Outbox)
        res = await conn.execute(delete(o).where(o.c.created_at < cutoff,
                                                 o.c.state.notin_([_PENDING, OutboxState.HELD])))
        return int(res.rowcount or 0)

    async def schedule_edits(self, conn: AsyncConnection, dedupe_key: str, due: datetime, max_edits: int) -> int:
        """Ask for the sent alerts of a story to be edited (coalesced: an earlier due time stays)."""
        o = table(Outbox)
        res = await conn.execute(
            update(o).where(o.c.dedupe_key == dedupe_key, o.c.kind == OutboxKind.ALERT, o.c.state == _SENT,
                            o.c.edit_due_at.is_(None), o.c.edits < max_edits)
            .values(edit_due_at=due)
        )
        return int(res.rowcount or 0)

    async def waiting(self, platforms: Sequence[str], now: datetime, *, ops_only: bool = False) -> int:
        """Rows still to send to active chats of these platforms (edits due by ``now`` included)."""
        o, c = table(Outbox), table(Chat)
        q = (select(func.count()).select_from(o).join(c, c.c.id == o.c.chat_id)
             .where(c.c.active.is_(True), c.c.platform.in_(list(platforms)),
                    or_(o.c.state == _PENDING, and_(o.c.state == _SENT, o.c.edit_due_at <= now))))
        if ops_only:
            q = q.where(c.c.is_ops.is_(True))
        async with self.db.read() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def stats(self, now: datetime) -> OutboxStats:
        o, c = table(Outbox), table(Chat)
        async with self.db.read() as conn:
            by_state = {r[0]: int(r[1]) for r in (await conn.execute(
                select(o.c.state, func.count()).group_by(o.c.state))).all()}
            oldest = (await conn.execute(select(func.min(o.c.created_at)).where(o.c.state == _PENDING))).scalar()
            per_platform: dict[str, dict[str, int]] = {}
            for r in (await conn.execute(
                select(c.c.platform, o.c.state, func.count()).join(c, c.c.id == o.c.chat_id)
                .group_by(c.c.platform, o.c.state))).all():
                per_platform.setdefault(r[0], {})[r[1]] = int(r[2])
        age = (now - oldest).total_seconds() if oldest else 0.0
        return OutboxStats(by_state, by_state.get(_PENDING, 0), max(0.0, age), per_platform)


def _row_values(w: OutcomeWrite) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, Any]] | None:
    """What an outcome writes to its outbox row: (bound columns, columns incremented by one, values)."""
    if w.row_id is None:
        return None
    if w.edited:
        return ("edit_due_at",), ("edits",), {"edit_due_at": None}
    if w.state is not None:
        p: dict[str, Any] = {"state": str(w.state), "last_error": (w.error or None) and w.error[:500]}
        if w.state is OutboxState.SENT:
            p.update(sent_at=w.now, message_ref=w.message_ref)
        elif w.state is OutboxState.FAILED:
            p.update(failed_reason=str(w.reason or DeadLetterReason.REFUSED), failed_at=w.now)
        return tuple(p), ("attempts",), p
    p = {"last_error": (w.error or "")[:500]}
    return tuple(p), ("attempts",), p


def _chat_values(w: OutcomeWrite) -> dict[str, Any]:
    """What an outcome writes to its chat (when this replica still holds the chat's lease)."""
    values: dict[str, Any] = {"next_send_at": w.next_send_at} if w.set_next else {}
    if w.release:
        values.update(lease_owner=None, lease_until=None)
    elif w.renew_until is not None:
        values["lease_until"] = w.renew_until
    return values

