"""Dead letters: alert rows closed ``failed``, listed with their reason and re-queued on request.

A re-queued row keeps its id, so it goes out in its original order (a chat's
rows are sent oldest id first) and at most once per request: only rows still
``failed`` are touched, so two /retry in a row queue nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.sql import Select

from bot.domain.states import DeadLetterReason, OutboxKind, OutboxState
from bot.storage.db import Database
from bot.storage.models import Chat, Destination, Outbox, Story, table
from bot.storage.records import DEAD_LETTER_CONVERT, DeadLetter, from_row

__all__ = ["DeadLettersRepo"]


def _is_dead() -> tuple[ColumnElement[bool], ...]:
    o = table(Outbox)
    return (o.c.state == str(OutboxState.FAILED), o.c.kind == str(OutboxKind.ALERT))


class DeadLettersRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _listing(self) -> Select[tuple[object, ...]]:  # noqa: D401
        o, c, d, s = table(Outbox), table(Chat), table(Destination), table(Story)
        return (
            select(o.c.id, o.c.destination_id, c.c.platform, c.c.external_id, d.c.thread_id,
                   c.c.title.label("chat_title"), s.c.title.label("story_title"),
                   func.coalesce(o.c.failed_reason, str(DeadLetterReason.REFUSED)).label("reason"),
                   o.c.last_error, o.c.failed_at, o.c.created_at, o.c.attempts, o.c.replays)
            .join(c, c.c.id == o.c.chat_id).join(d, d.c.id == o.c.destination_id)
            .outerjoin(s, s.c.id == o.c.story_id)
            .where(*_is_dead())
            .order_by(o.c.id)
        )

    async def for_destination(self, destination_id: int, limit: int = 50) -> list[DeadLetter]:
        """This destination's dead letters, oldest first."""
        o = table(Outbox)
        q = self._listing().where(o.c.destination_id == destination_id).limit(limit)
        async with self.db.read() as conn:
            return [from_row(DeadLetter, r, DEAD_LETTER_CONVERT) for r in (await conn.execute(q)).all()]

    async def listing(self, *, platform: str | None = None, external_id: str | None = None,
                      limit: int = 500) -> list[DeadLetter]:
        """Every dead letter (of one chat, when named), oldest first; for the operator."""
        c = table(Chat)
        q = self._listing()
        if platform is not None:
            q = q.where(c.c.platform == platform)
        if external_id is not None:
            q = q.where(c.c.external_id == external_id)
        async with self.db.read() as conn:
            return [from_row(DeadLetter, r, DEAD_LETTER_CONVERT) for r in (await conn.execute(q.limit(limit))).all()]

    async def count(self) -> int:
        o = table(Outbox)
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(o).where(*_is_dead()))).scalar_one())

    async def requeue(self, now: datetime, *, ids: Sequence[int] | None = None,
                      destination_id: int | None = None) -> list[int]:
        """Put dead letters back in the queue (these ids, or all; of one destination, when given)."""
        o = table(Outbox)
        q = select(o.c.id).where(*_is_dead()).order_by(o.c.id)
        if ids is not None:
            if not ids:
                return []
            q = q.where(o.c.id.in_(list(ids)))
        if destination_id is not None:
            q = q.where(o.c.destination_id == destination_id)
        async with self.db.begin() as conn:
            found = [int(r[0]) for r in (await conn.execute(q)).all()]
            if found:
                await conn.execute(
                    update(o).where(o.c.id.in_(found), *_is_dead())
                    .values(state=str(OutboxState.PENDING), failed_reason=None, failed_at=None,
                            replays=o.c.replays + 1, attempts=0, created_at=now))
        return found
