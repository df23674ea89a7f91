"""Subscriptions: built-in watchlists on and off (also by button), pausing, and muting."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from bot.alerts.arabic import format_datetime, isolate, isolate_ltr
from bot.alerts.mute_notice import MISSED_HOW, missed_line
from bot.commands.address import addressee
from bot.commands.context import (
    Context,
    Deps,
    UsageError,
    Where,
    ensure_destination,
    find_destination,
    labels_of,
    signer,
    unknown_ids,
)
from bot.commands.durations import parse_mute_seconds
from bot.commands.reply import Button, Reply, Span, bold, note, phrase
from bot.commands.texts import T
from bot.domain.text import normalize
from bot.domain.watchlists import Watchlist, custom_watchlist_id, is_custom_watchlist_id

__all__ = ["DEFAULT_TOPICS", "MINE", "MAX_MUTE", "topic_names", "subscribe", "unsubscribe", "show_topics",
           "topics_reply", "toggle_topic", "mute", "unmute", "resume", "following_words"]

DEFAULT_TOPICS = ("ceasefire", "black-sea", "nato")
MINE = ("mine", "قائمتي")
MAX_MUTE = 30 * 86400


def topic_names(builtins: Iterable[Watchlist]) -> dict[str, str]:
    """So "/subscribe الناتو" works as well as "/subscribe nato": labels and plain terms name lists too."""
    lists = list(builtins)
    names: dict[str, str] = {}
    for w in lists:
        for t in w.terms:
            if not t.near and "*" not in t.text:
                names.setdefault(normalize(t.text), w.id)
    for w in lists:
        names[normalize(w.label)] = w.id
    return names


def _resolve_ids(deps: Deps, args: str) -> tuple[list[str], list[str]]:
    """Watchlist ids from ids or Arabic labels (comma or space separated)."""
    known, unknown = [], []
    raw = [p for p in re.split(r"[,\s،]+", args) if p]
    i = 0
    while i < len(raw):
        tok = raw[i]
        low = tok.lower()
        if low in deps.index.builtins:
            known.append(low)
        elif low in MINE:
            known.append("mine")
        else:
            # Arabic labels have spaces ("حلف الناتو"): try the longest run that is a label.
            for j in range(min(len(raw), i + 5), i, -1):
                wid = deps.topic_names.get(normalize(" ".join(raw[i:j])))
                if wid:
                    known.append(wid)
                    i = j - 1
                    break
            else:
                unknown.append(tok)
        i += 1
    return list(dict.fromkeys(known)), unknown


resolve_ids = _resolve_ids  # for the attention commands (/digest ids, /urgent id)


async def subscribe(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Turn built-in watchlists on; with no ids: resume a paused chat, or give a new chat the defaults."""
    if not args:
        return await _subscribe_bare(deps, ctx, where)
    ids, unknown = _resolve_ids(deps, args)
    ids = [i for i in ids if i == "mine" or i in deps.index.builtins]
    if unknown:
        raise unknown_ids(deps, unknown)
    return await _subscribe_ids(deps, ctx, where, ids)


async def _subscribe_ids(deps: Deps, ctx: Context, where: Where, ids: list[str]) -> Reply:
    dest = await ensure_destination(deps, ctx, where)
    was_enabled = dest.enabled
    real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
    new = await deps.chats.subscribe(dest.id, real, deps.clock())
    shown = ["mine" if is_custom_watchlist_id(n) else n for n in new]
    reply = Reply(changed=bool(new) or not was_enabled)
    if new:
        reply.add("✅ ", T.SUBSCRIBED.format(labels=labels_of(deps, shown)))
        reply.note = note(T.NOTE_SUBSCRIBED, labels=labels_of(deps, shown))
    else:
        reply.add(T.ALREADY.format(labels=labels_of(deps, ids)))
    if not was_enabled:
        reply.add("▶️ ", T.RESUMED)
        if not new:  # resumed only: the note says so, and claims nothing else
            reply.note = note(T.NOTE_RESUMED)
    return reply


async def _subscribe_bare(deps: Deps, ctx: Context, where: Where) -> Reply:
    """"/subscribe" alone: resume a paused chat; never add the defaults to a chat that chose its own."""
    dest = await find_destination(deps, ctx, where)
    if dest is not None and not dest.enabled:
        return await _resume(deps, dest.id)
    if dest is not None and await following_words(deps, dest.id):
        return (Reply().add(*phrase(T.FOLLOWS_ALREADY))
                .add(T.FOLLOWING.format(labels=await following_words(deps, dest.id))))
    return await _subscribe_ids(deps, ctx, where, list(DEFAULT_TOPICS))


async def following_words(deps: Deps, dest_id: int) -> str:
    """What a destination follows, in words ("" for nothing): its built-in lists and its own terms."""
    builtin = [s for s in await deps.chats.subscriptions(dest_id) if s in deps.index.builtins]
    terms = await deps.chats.terms(dest_id)
    parts = [deps.index.topic(i).label for i in builtin] + [f"«{isolate(t)}»" for t in terms[:20]]
    return "، ".join(parts)


async def _resume(deps: Deps, dest_id: int) -> Reply:
    await deps.chats.set_enabled(dest_id, True)
    reply = Reply(changed=True, note=note(T.NOTE_RESUMED)).add("▶️ ", T.RESUMED)
    following = await following_words(deps, dest_id)
    if following:
        reply.add(T.FOLLOWING.format(labels=following))
    else:
        reply.add(*phrase(T.RESUMED_NOTHING))
    return reply


async def resume(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Resume alerts in a paused chat; what it follows stays exactly as it was."""
    dest = await find_destination(deps, ctx, where)
    if dest is None or dest.enabled:
        return Reply().add(T.NOT_PAUSED)
    return await _resume(deps, dest.id)


async def unsubscribe(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Turn watchlists off, or without arguments pause every alert (settings are kept)."""
    ids, unknown = _resolve_ids(deps, args) if args else ([], [])
    if unknown:
        raise unknown_ids(deps, unknown)
    dest = await find_destination(deps, ctx, where)
    if dest is None:  # nothing was ever set here: nothing to stop, nothing to store
        return Reply().add(T.ALREADY_PAUSED if not args else T.NOT_SUBSCRIBED.format(labels=labels_of(deps, ids)))
    if not args:
        if not dest.enabled:
            return Reply().add(T.ALREADY_PAUSED)
        await deps.chats.set_enabled(dest.id, False)
        return Reply(changed=True, note=note(T.NOTE_PAUSED)).add("⏸️ ", *phrase(T.PAUSED))
    real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
    removed = await deps.chats.unsubscribe(dest.id, real)
    shown = ["mine" if is_custom_watchlist_id(r) else r for r in removed]
    if not removed:
        return Reply().add(T.NOT_SUBSCRIBED.format(labels=labels_of(deps, ids)))
    labels = labels_of(deps, shown)
    return Reply(changed=True, note=note(T.NOTE_UNSUBSCRIBED, labels=labels)).add(
        T.UNSUBSCRIBED.format(labels=labels))


async def show_topics(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """The built-in watchlists, each with an on/off button."""
    dest = await find_destination(deps, ctx, where)
    return await topics_reply(deps, dest.id if dest else None, signer(deps, ctx, where))


async def topics_reply(deps: Deps, dest_id: int | None, sign: Callable[[str], str] = str) -> Reply:
    """The /topics answer for a destination (None: nothing set yet)."""
    subs = set(await deps.chats.subscriptions(dest_id)) if dest_id is not None else set()
    reply = Reply().add(bold(T.TOPICS_HEADER))
    row: list[Button] = []
    for wl in deps.index.builtins.values():
        mark = T.TOPIC_ON if wl.id in subs else T.TOPIC_OFF
        reply.add(f"{mark} {wl.label} ", Span(isolate_ltr(f"({wl.id})")))
        row.append(Button(f"{mark} {wl.label}", sign(f"toggle:{wl.id}")))
        if len(row) == 2:
            reply.buttons.append(row)
            row = []
    if row:
        reply.buttons.append(row)
    return reply


async def toggle_topic(deps: Deps, ctx: Context, where: Where, watchlist_id: str) -> Reply:
    """A "toggle:<id>" button: flip one built-in watchlist, answer with the updated /topics."""
    dest = await ensure_destination(deps, ctx, where)
    subs = set(await deps.chats.subscriptions(dest.id))
    label = deps.index.builtins[watchlist_id].label
    if watchlist_id in subs:
        await deps.chats.unsubscribe(dest.id, [watchlist_id])
        toast, told = T.TOPIC_TOGGLED_OFF.format(label=label), note(T.NOTE_TOPIC_OFF, label=label)
    else:
        await deps.chats.subscribe(dest.id, [watchlist_id], deps.clock())
        toast, told = T.TOPIC_TOGGLED_ON.format(label=label), note(T.NOTE_TOPIC_ON, label=label)
    reply = await topics_reply(deps, dest.id, signer(deps, ctx, where))
    reply.changed = True
    reply.toast = toast
    reply.note = told
    return reply


async def mute(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Hold alerts for a while (one minute to thirty days)."""
    if not args.strip():
        raise UsageError(T.MUTE_MISSING)
    seconds = parse_mute_seconds(args)
    if seconds is None or not 60 <= seconds <= MAX_MUTE:
        raise UsageError(T.MUTE_BAD)
    dest = await ensure_destination(deps, ctx, where)
    if dest.muted_until is None or dest.muted_until <= deps.clock():
        await deps.chats.take_missed(dest.id)  # a new mute counts what it drops from zero
    until = deps.clock() + timedelta(seconds=seconds)
    await deps.chats.set_muted(dest.id, until)
    when = format_datetime(until, deps.settings.tz)
    return Reply(changed=True, note=note(T.NOTE_MUTED, until=when)).add(T.MUTED.format(until=when))


async def unmute(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """End a mute now."""
    dest = await find_destination(deps, ctx, where)
    if dest is None or dest.muted_until is None:
        return Reply().add(T.NOT_MUTED)
    expired = dest.muted_until <= deps.clock()  # ran out, and nobody has said so yet
    await deps.chats.set_muted(dest.id, None)
    missed = await deps.chats.take_missed(dest.id)
    reply = Reply().add(T.NOT_MUTED) if expired else \
        Reply(changed=True, note=note(T.NOTE_UNMUTED)).add(T.UNMUTED.format(gets=addressee(where).gets))
    reply.add(missed_line(missed, where.kind, where.thread_id, named=bool(where.label)))
    if missed:
        reply.add(*phrase(MISSED_HOW))
    return reply
