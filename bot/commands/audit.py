"""The audit trail in the command core: snapshots around every settings change, and /history to read it.

The core (``service``) takes a snapshot of the destination's settings before and
after each command the table marks ``mutates`` (and each topic button), and
records who, where, when and what changed; adapters have no part in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from bot.alerts.arabic import format_datetime, isolate
from bot.commands.attention import policy_lines
from bot.commands.context import Context, Deps, UsageError, Where, find_destination, labels_of
from bot.commands.ports import AuditStore
from bot.commands.reply import Reply, bold
from bot.commands.texts import T
from bot.domain.audit import AuditDraft, Change, changes
from bot.domain.stories import cut_at_word
from bot.domain.watchlists import is_custom_watchlist_id

__all__ = ["snapshot", "record", "show_history", "describe_change", "HISTORY_MAX"]

log = structlog.get_logger(__name__)

HISTORY_DEFAULT, HISTORY_MAX = 10, 50


async def snapshot(deps: Deps, ctx: Context, where: Where) -> dict[str, Any] | None:
    """A destination's settings as plain values (None: nothing was ever set there)."""
    dest = await find_destination(deps, ctx, where)
    if dest is None:
        return None
    subs = await deps.chats.subscriptions(dest.id)
    now = deps.clock()
    muted = dest.muted_until if dest.muted_until is not None and dest.muted_until > now else None
    excluded = sorted(await deps.chats.exclusions(dest.id))
    return {
        **({"exclusions": excluded} if excluded else {}),  # only when set: older entries have no such key
        "enabled": dest.enabled,
        "topics": sorted("mine" if is_custom_watchlist_id(s) else s for s in subs),
        "terms": sorted(await deps.chats.terms(dest.id)),
        "feeds": sorted(f.name for f in await deps.chats.feeds(dest.id)),
        "muted_until": muted.isoformat() if muted else None,
        "policy": policy_lines(deps, dest.id, await deps.chats.attention(dest.id)),  # /quiet, /digest, /cap…
        **({"buttons": await deps.alert_work.buttons(dest.id)} if deps.alert_work is not None else {}),
    }


async def record(deps: Deps, ctx: Context, where: Where, action: str, args: str, *,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                 detail: dict[str, Any] | None = None) -> None:
    """Append one entry; a failure to write it is logged, never turned into a failed command."""
    if deps.audit is None:
        return
    entry = AuditDraft(at=deps.clock(), platform=ctx.platform, chat_id=where.chat_id, thread_id=where.thread_id,
                       chat_title=where.title, user_id=ctx.user_id, user_name=ctx.user_name, action=action,
                       args=args, before=before, after=after, detail=detail or {})
    try:
        await deps.audit.add(entry)
    except Exception as exc:  # noqa: BLE001 - the change itself is done and answered
        log.error("audit_write_failed", action=action, chat=where.chat_id, error=repr(exc))


def _names(deps: Deps, key: str, value: Any) -> str:
    if key == "enabled":
        return T.AUDIT_ON if value else T.AUDIT_OFF
    if key == "muted_until":
        return T.AUDIT_MUTED.format(until=format_datetime(datetime.fromisoformat(value), deps.settings.tz)) \
            if value else T.AUDIT_NOT_MUTED
    if key == "buttons":
        return T.AUDIT_ON if value else T.AUDIT_OFF
    items = list(value or [])
    if not items:
        return T.NONE
    if key == "topics":
        known = [i for i in items if i == "mine" or i in deps.index.builtins]
        return labels_of(deps, known) if known else "، ".join(isolate(i) for i in items)
    return cut_at_word("، ".join(f"«{isolate(str(i))}»" for i in items), 160)


def describe_change(deps: Deps, change: Change) -> str:
    """'المتابعات: لا شيء ← حلف الناتو' (right to left: before, then after)."""
    label = T.AUDIT_KEYS.get(change.key, change.key)
    return f"{label}: {_names(deps, change.key, change.before)} ← {_names(deps, change.key, change.after)}"


def _store(deps: Deps) -> AuditStore:
    if deps.audit is None:
        raise UsageError(T.OPS_UNAVAILABLE)
    return deps.audit


async def show_history(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """The latest settings changes and alert work here: who, what (before ← after), when."""
    text = args.strip()
    if text and not (text.isascii() and text.isdigit() and 1 <= int(text) <= HISTORY_MAX):
        raise UsageError(T.HISTORY_BAD.format(max=HISTORY_MAX))
    n = int(text) if text else HISTORY_DEFAULT
    entries = await _store(deps).latest(ctx.platform, where.chat_id, where.thread_id, n)
    if not entries:
        return Reply().add(T.HISTORY_NONE)
    reply = Reply().add(bold(T.HISTORY_HEADER))
    for e in entries:
        who = isolate(e.user_name or e.user_id)
        args = cut_at_word(e.args, 60)
        worded = T.HISTORY_ACTIONS.get(e.action)
        what = worded.format(args=isolate(args)).strip() if worded else isolate(f"{e.action} {args}".strip())
        reply.add("🕘 ", T.HISTORY_ITEM.format(when=format_datetime(e.at, deps.settings.tz), who=who,
                                                 id=isolate(e.user_id), what=what))
        for change in changes(e.before, e.after):
            reply.add("    ", describe_change(deps, change))
        note = (e.detail or {}).get("note")
        if isinstance(note, str) and note:
            reply.add("    ", isolate(cut_at_word(note, 160)))
    return reply
