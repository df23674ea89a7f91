"""Dead letters for the people in the chat: /failed lists what never arrived here, /retry sends it again."""

from __future__ import annotations

import re

from bot.alerts.arabic import format_datetime, isolate
from bot.alerts.plural import ALERTS, counted
from bot.commands.context import Context, Deps, UsageError, Where, find_destination
from bot.commands.ports import DeadLetterStore
from bot.commands.reply import Reply, bold, note, phrase
from bot.commands.texts import T
from bot.domain.states import DeadLetterReason
from bot.domain.stories import cut_at_word

__all__ = ["show_failed", "retry_failed", "REASON_TEXT", "parse_retry_args", "platform_cause"]

SHOWN = 20
MAX_IDS = 50
REASON_TEXT = {DeadLetterReason.REFUSED: T.DEAD_REFUSED, DeadLetterReason.EXHAUSTED: T.DEAD_EXHAUSTED,
               DeadLetterReason.MISSING: T.DEAD_MISSING}
_ALL = ("all", "الكل", "كل")
_ID = re.compile(r"#?(\d{1,12})")


def platform_cause(error: str | None) -> str | None:
    """The Arabic cause of a platform's refusal, when it is one we know; never the platform's English."""
    low = (error or "").lower()
    for needles, text in T.DEAD_CAUSES.items():
        if any(n in low for n in needles):
            return text
    return None


def parse_retry_args(args: str) -> list[int] | None:
    """``all`` (or nothing) -> None; "12 #13" -> [12, 13]; anything else is refused."""
    words = [w for w in re.split(r"[\s,،]+", args.strip()) if w]
    if not words or (len(words) == 1 and words[0].lower() in _ALL):
        return None
    if len(words) > MAX_IDS:
        raise UsageError(T.RETRY_BAD)
    ids: list[int] = []
    for word in words:
        m = _ID.fullmatch(word)
        if m is None:
            raise UsageError(T.RETRY_BAD)
        ids.append(int(m.group(1)))
    return list(dict.fromkeys(ids))


def _store(deps: Deps) -> DeadLetterStore:
    if deps.dead_letters is None:
        raise UsageError(T.OPS_UNAVAILABLE)
    return deps.dead_letters


async def show_failed(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """This destination's alerts that were never delivered, with why."""
    if args.strip():
        raise UsageError(T.RETRY_BAD)
    store = _store(deps)
    dest = await find_destination(deps, ctx, where)
    dead = await store.for_destination(dest.id, SHOWN + 1) if dest is not None else []
    if not dead:
        return Reply().add(T.FAILED_NONE)
    reply = Reply().add(bold(T.FAILED_HEADER.format(count=len(dead) if len(dead) <= SHOWN else f"+{SHOWN}")))
    for d in dead[:SHOWN]:
        title = isolate(cut_at_word(d.story_title, 70)) if d.story_title else T.NO_TITLE
        when = format_datetime(d.failed_at or d.created_at, deps.settings.tz)
        reason = REASON_TEXT.get(d.reason, T.DEAD_REFUSED)
        cause = platform_cause(d.last_error)
        if cause:
            reason = f"{reason}: {cause}"
        reply.add("📭 ", T.FAILED_ITEM.format(id=d.id, title=title, when=when, reason=reason))
    if len(dead) > SHOWN:
        reply.add(T.FAILED_MORE)
    return reply.add(*phrase(T.FAILED_HINT))


async def retry_failed(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Queue this destination's dead letters again (all, or by number), once each, in their order."""
    ids = parse_retry_args(args)
    store = _store(deps)
    dest = await find_destination(deps, ctx, where)
    if dest is None:
        return Reply().add(T.RETRY_NONE)
    done = await store.requeue(deps.clock(), ids=ids, destination_id=dest.id)
    missing = [i for i in ids or () if i not in done]
    reply = Reply(changed=bool(done))
    if done:
        reply.add(T.RETRY_DONE.format(alerts=counted(len(done), ALERTS)))
        reply.note = note(T.NOTE_RETRIED, alerts=counted(len(done), ALERTS))
    elif not missing:
        reply.add(T.RETRY_NONE)
    if missing:
        reply.error = not done
        reply.add(T.RETRY_MISSING.format(ids="، ".join(f"#{i}" for i in missing)))
    return reply
