"""The outbox's hot statements, built once per shape and reused.

SQLAlchemy neither rebuilds nor re-hashes a statement object it has seen (its compiled cache is
keyed by a statement's structure, worked out once per new statement object), and lists go in as
one expanding parameter instead of a bound parameter per id: a claim or a batch of outcomes costs
its SQL, not its construction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, union, update

from bot.domain.states import OutboxState
from bot.storage.models import Chat, Destination, Outbox, table

__all__ = ["chat_update", "claim_statements", "due_rows_statement", "held_statement", "row_update"]

_PENDING = OutboxState.PENDING


_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def claim_statements(postgres: bool, ops_only: bool) -> tuple[Any, Any, Any]:
    """(chats with due work, lease them, read them) for a claim."""
    key = ("claim", postgres, ops_only)
    found = _STATEMENTS.get(key)
    if found is None:
        c, o = table(Chat), table(Outbox)
        now: Any = bindparam("now")
        # Driven from the outbox's side: the chats with work, read off two indexes, rather than every
        # chat probed for work. With nothing to send this costs next to nothing; in a fan-out it reads
        # the pending rows' chat ids. Only sent rows ever have an edit due (``_due_rows`` checks the
        # state again); naming the state here would make SQLite scan every sent row by state.
        with_work = union(
            select(o.c.chat_id.label("cid")).where(o.c.state == _PENDING),
            select(o.c.chat_id.label("cid")).where(o.c.edit_due_at <= now),
        ).subquery("with_work")
        due = (
            select(c.c.id)
            .select_from(with_work.join(c, c.c.id == with_work.c.cid))
            .where(c.c.active.is_(True), c.c.platform.in_(bindparam("platforms", expanding=True)),
                   or_(c.c.lease_until.is_(None), c.c.lease_until < now),
                   or_(c.c.next_send_at.is_(None), c.c.next_send_at <= now))
            .order_by(c.c.next_send_at.nulls_first(), c.c.id)
            .limit(bindparam("lim"))
        )
        if ops_only:
            due = due.where(c.c.is_ops.is_(True))
        if postgres:
            due = due.with_for_update(of=c, skip_locked=True)
        ids: Any = bindparam("ids", expanding=True)
        lease = update(c).where(c.c.id.in_(ids)).values(lease_owner=bindparam("owner"),
                                                        lease_until=bindparam("until"))
        found = _STATEMENTS[key] = (due, lease, select(c).where(c.c.id.in_(ids)))
    return found


def due_rows_statement(pending: bool) -> Any:
    key = ("due_rows", pending)
    found = _STATEMENTS.get(key)
    if found is None:
        o, d = table(Outbox), table(Destination)
        which = (o.c.state == bindparam("pending") if pending
                 else and_(o.c.state == bindparam("sent"), o.c.edit_due_at <= bindparam("now")))
        ranked = (select(o.c.id, func.row_number().over(partition_by=o.c.chat_id, order_by=o.c.id).label("rn"))
                  .where(o.c.chat_id.in_(bindparam("ids", expanding=True)), which).subquery())
        found = _STATEMENTS[key] = (
            select(o, d.c.thread_id, d.c.buttons, func.coalesce(d.c.timezone, "").label("timezone"))
            .join(d, d.c.id == o.c.destination_id).join(ranked, ranked.c.id == o.c.id)
            .where(ranked.c.rn <= bindparam("per_chat")).order_by(o.c.chat_id, o.c.id))
    return found


def held_statement(postgres: bool) -> Any:
    """The chats among ``ids`` whose lease ``owner`` still holds (locked on PostgreSQL)."""
    key = ("held", postgres)
    found = _STATEMENTS.get(key)
    if found is None:
        c = table(Chat)
        found = select(c.c.id).where(c.c.id.in_(bindparam("ids", expanding=True)),
                                     c.c.lease_owner == bindparam("owner"))
        if postgres:
            found = found.with_for_update(of=c)
        _STATEMENTS[key] = found
    return found


def row_update(bound: tuple[str, ...], incs: tuple[str, ...]) -> Any:
    """One outcome shape's UPDATE of outbox rows (executemany: ``w_id`` and ``w_<column>``)."""
    key = ("rows", bound, incs)
    found = _STATEMENTS.get(key)
    if found is None:
        o = table(Outbox)
        values: dict[str, Any] = {k: bindparam(f"w_{k}") for k in bound}
        values.update({k: o.c[k] + 1 for k in incs})
        found = _STATEMENTS[key] = update(o).where(o.c.id == bindparam("w_id")).values(**values)
    return found


def chat_update(cols: tuple[str, ...]) -> Any:
    key = ("chats", cols)
    found = _STATEMENTS.get(key)
    if found is None:
        c = table(Chat)
        found = _STATEMENTS[key] = (update(c).where(c.c.id == bindparam("w_id"))
                                    .values(**{k: bindparam(f"w_{k}") for k in cols}))
    return found
