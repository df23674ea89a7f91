"""The operator's side of dead letters (``newsbot outbox …``): list them and queue them again.

Plain text (or JSON Lines) on stdout for a terminal or a script; the same
repository the chat commands use, so a row retried here is retried once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.domain.audit import changes
from bot.storage.audit_repo import AuditRepo
from bot.storage.db import Database
from bot.storage.deadletters_repo import DeadLettersRepo
from bot.storage.records import AuditRecord, DeadLetter

__all__ = ["dead_letter_lines", "retry_dead_letters", "outbox_cli", "audit_cli"]


def _line(d: DeadLetter) -> str:
    when = (d.failed_at or d.created_at).strftime("%Y-%m-%d %H:%M UTC")
    where = f"{d.platform}:{d.external_id}" + (f"/{d.thread_id}" if d.thread_id else "")
    title = (d.story_title or "-").replace("\n", " ")[:80]
    error = (d.last_error or "").replace("\n", " ")[:160]
    return f"{d.id}\t{where}\t{when}\t{d.reason}\treplays={d.replays}\t{title}\t{error}"


def _json(d: DeadLetter) -> str:
    return json.dumps({"id": d.id, "platform": d.platform, "chat": d.external_id, "thread": d.thread_id,
                       "reason": str(d.reason), "error": d.last_error, "story": d.story_title,
                       "failed_at": (d.failed_at or d.created_at).isoformat(), "attempts": d.attempts,
                       "replays": d.replays}, ensure_ascii=False)


async def dead_letter_lines(repo: DeadLettersRepo, *, chat: str | None, platform: str | None,
                            as_json: bool) -> list[str]:
    """One line per dead letter, oldest first (tab-separated, or JSON objects)."""
    dead = await repo.listing(platform=platform, external_id=chat)
    return [(_json if as_json else _line)(d) for d in dead]


async def retry_dead_letters(repo: DeadLettersRepo, now: datetime, *, ids: Sequence[int] | None,
                             chat: str | None, platform: str | None) -> tuple[list[int], list[int]]:
    """Queue dead letters again (``ids`` or all, of one chat when named); returns (queued, not found)."""
    if chat is not None or platform is not None:
        scope = {d.id for d in await repo.listing(platform=platform, external_id=chat, limit=100000)}
        wanted = [i for i in ids if i in scope] if ids is not None else sorted(scope)
        done = await repo.requeue(now, ids=wanted)
    else:
        done = await repo.requeue(now, ids=ids)
    return done, [i for i in ids or () if i not in done]


async def outbox_cli(database_url: str, action: str, ids: Sequence[int] | None, *, chat: str | None,
                     platform: str | None, as_json: bool) -> int:
    """``newsbot outbox list --failed`` / ``newsbot outbox retry``: print, return the exit status."""
    db = Database(database_url)
    try:
        await asyncio.to_thread(db.migrate)
        repo = DeadLettersRepo(db)
        if action == "list":
            for line in await dead_letter_lines(repo, chat=chat, platform=platform, as_json=as_json):
                print(line)
            return 0
        done, missing = await retry_dead_letters(repo, datetime.now(UTC), ids=ids, chat=chat, platform=platform)
        print(f"re-queued {len(done)}" + (f": {' '.join(map(str, done))}" if done else ""))
        if missing:
            print(f"not dead letters (or not in that chat): {' '.join(map(str, missing))}", file=sys.stderr)
        return 1 if missing else 0
    finally:
        await db.dispose()


def _audit_line(e: AuditRecord) -> str:
    where = f"{e.platform}:{e.chat_id}" + (f"/{e.thread_id}" if e.thread_id else "")
    who = f"{e.user_name} ({e.user_id})" if e.user_name else e.user_id
    what = f"{e.action} {e.args}".strip().replace("\n", " ")
    diff = "; ".join(f"{c.key}: {_plain(c.before)} -> {_plain(c.after)}" for c in changes(e.before, e.after))
    note = (e.detail or {}).get("note") or ""
    return "\t".join([e.at.strftime("%Y-%m-%d %H:%M:%S UTC"), where, who, what, diff or str(note)])


def _plain(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return "-" if value is None else str(value)


def _audit_json(e: AuditRecord) -> str:
    return json.dumps({"id": e.id, "at": e.at.isoformat(), "platform": e.platform, "chat": e.chat_id,
                       "thread": e.thread_id, "chat_title": e.chat_title, "user_id": e.user_id,
                       "user_name": e.user_name, "action": e.action, "args": e.args, "before": e.before,
                       "after": e.after, "detail": e.detail}, ensure_ascii=False)


async def audit_cli(database_url: str, *, chat: str | None, platform: str | None, limit: int, as_json: bool) -> int:
    """``newsbot audit``: the newest ``limit`` entries, oldest first, one a line (tab-separated or JSON)."""
    db = Database(database_url)
    try:
        await asyncio.to_thread(db.migrate)
        for e in await AuditRepo(db).listing(platform=platform, chat_id=chat, limit=limit):
            print((_audit_json if as_json else _audit_line)(e))
        return 0
    finally:
        await db.dispose()
