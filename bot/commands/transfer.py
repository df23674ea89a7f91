"""/export and /import: a chat's whole configuration as one YAML document (or feeds from OPML).

/export builds the document from storage and attaches it to the reply. /import reads a
document (a file sent with the command, or its text after the command), shows what it
would change and keeps that plan in the database (``PendingImportStore``), so the "apply"
button, which only names it, works on whichever replica the press reaches, once. Feeds are added through /addfeed's own path, so every URL passes
the same SSRF guard; rules and exclusions are checked as /watch and /exclude check them.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.alerts.arabic import format_datetime, isolate, isolate_ltr
from bot.commands import attention as attention_commands
from bot.commands import feeds as feed_commands
from bot.commands.context import Context, Deps, UsageError, Where, ensure_destination, find_destination, labels_of
from bot.commands.reply import Button, Document, Reply, bold, phrase
from bot.commands.reply import note as reply_note
from bot.commands.texts import T
from bot.domain.chat_config import ChatConfig, ConfigError, ConfigPlan, FeedEntry, dump_yaml, parse_document, plan
from bot.domain.pending_import import IMPORT_TTL, ImportOwner, PendingImport, plan_from_json, plan_to_json
from bot.domain.policy import DigestSchedule, NotifyMode, QuietHours
from bot.domain.stories import canonical_url
from bot.domain.watch_input import rule_key
from bot.domain.watchlists import custom_watchlist_id, term_key
from bot.storage.records import CAP_OFF, AttentionRecord

__all__ = ["export", "import_config", "confirm_import", "cancel_import", "current_config", "plan_for",
           "apply_plan", "pending_where", "new_chat_config", "describe_plan", "IMPORT_ACTION", "CANCEL_ACTION"]

IMPORT_ACTION = "import"
CANCEL_ACTION = "import-cancel"
_SHOW = 15  # items shown per section of a plan


async def current_config(deps: Deps, ctx: Context, where: Where) -> ChatConfig | None:
    """The destination's configuration as stored (None: nothing was ever set there)."""
    dest = await find_destination(deps, ctx, where)
    if dest is None:
        return None
    subs = await deps.chats.subscriptions(dest.id)
    feeds = await deps.chats.feeds(dest.id)
    return ChatConfig(
        topics=tuple(s for s in subs if s in deps.index.builtins),
        rules=tuple(await deps.chats.terms(dest.id)),
        exclusions=tuple(await deps.chats.exclusions(dest.id)),
        feeds=tuple(FeedEntry(f.source_url, f.name) for f in feeds),
        enabled=dest.enabled,
        muted_until=dest.muted_until if dest.muted_until and dest.muted_until > deps.clock() else None,
        buttons=await deps.alert_work.buttons(dest.id) if deps.alert_work is not None else None,
        attention=_attention_of(await deps.chats.attention(dest.id)))


def _attention_of(rec: AttentionRecord) -> dict[str, Any]:
    """The stored attention settings as the document's plain values."""
    quiet = {"start": f"{rec.quiet.start:%H:%M}", "end": f"{rec.quiet.end:%H:%M}",
             "hold_urgent": rec.quiet.hold_urgent} if rec.quiet is not None else None
    digest = {"times": [f"{t:%H:%M}" for t in rec.digest.times],
              "watchlists": sorted(rec.digest.watchlists) if rec.digest.watchlists is not None else None} \
        if rec.digest is not None else None
    return {"timezone": rec.timezone, "quiet": quiet, "digest": digest, "cap": rec.cap, "notify": str(rec.notify),
            "slack_here": rec.slack_here, "urgent_watchlists": sorted(rec.urgent_watchlists)}


async def _apply_attention(deps: Deps, ctx: Context, where: Where, dest_id: int, a: dict[str, Any]) -> list[str]:
    """Set the attention settings of a document (the time zone through /tz's own checks)."""
    notes: list[str] = []
    if a.get("timezone"):
        try:
            await attention_commands.set_timezone(deps, ctx, where, str(a["timezone"]))
        except UsageError as exc:
            notes.append(exc.message)
    else:
        await deps.chats.set_timezone(dest_id, None)
    q = a.get("quiet")
    await deps.chats.set_quiet(dest_id, QuietHours(time.fromisoformat(q["start"]), time.fromisoformat(q["end"]),
                                                   bool(q["hold_urgent"])) if q else None)
    d = a.get("digest")
    lists = frozenset(d["watchlists"]) if d and d.get("watchlists") is not None else None
    await deps.chats.set_digest(dest_id, DigestSchedule(tuple(time.fromisoformat(t) for t in d["times"]), lists)
                                if d else None)
    cap = a.get("cap")
    if cap is not None:  # -1: lifted (/cap off); None: the default, which there is no setting back to
        await deps.chats.set_cap(dest_id, None if cap == CAP_OFF else cap)
    await deps.chats.set_notify(dest_id, NotifyMode(a.get("notify", "all")), bool(a.get("slack_here")))
    await deps.chats.set_urgent_lists(dest_id, [w for w in a.get("urgent_watchlists", ()) if w in deps.index.builtins])
    return notes


async def export(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Send the chat's lists, rules, exclusions, feeds and policy as a YAML file."""
    cfg = await current_config(deps, ctx, where)
    if cfg is None:
        return Reply().add(*phrase(T.EXPORT_EMPTY))
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in where.chat_id).strip("-")
    name = f"newsbot-{ctx.platform}-{safe or 'chat'}.yaml"
    body = dump_yaml(cfg, title=where.title or where.label or where.chat_id).encode("utf-8")
    return Reply(document=Document(name, body)).add("📦 ", *phrase(T.EXPORT_SENT, name=isolate_ltr(name)))


def new_chat_config(deps: Deps) -> ChatConfig:
    """What a chat that was never set up has: the defaults, so an import lists only real changes."""
    return ChatConfig(enabled=True, buttons=False if deps.alert_work is not None else None,
                      attention=_attention_of(AttentionRecord()))


def _feed_key(url: str) -> str:
    return canonical_url(url)


async def plan_for(deps: Deps, ctx: Context, where: Where, data: bytes | str) -> ConfigPlan:
    """What importing ``data`` here would change; raises ConfigError."""
    wanted = parse_document(data)
    current = await current_config(deps, ctx, where) or new_chat_config(deps)
    return plan(current, wanted, known_topics=set(deps.index.builtins), now=deps.clock(), feed_key=_feed_key)


def _items(values: list[str]) -> str:
    shown = "، ".join(f"«{isolate(v)}»" for v in values[:_SHOW])
    return shown + ("، …" if len(values) > _SHOW else "")


def describe_plan(deps: Deps, p: ConfigPlan, reply: Reply) -> Reply:
    """The plan, section by section, as the chat reads it."""
    sections = [
        (T.SECTION_TOPICS, [labels_of(deps, [t]) for t in p.add_topics], [labels_of(deps, [t]) for t in p.remove_topics]),
        (T.SECTION_RULES, list(p.add_rules), list(p.remove_rules)),
        (T.SECTION_EXCLUSIONS, list(p.add_exclusions), list(p.remove_exclusions)),
        (T.SECTION_FEEDS, [f.name or f.url for f in p.add_feeds], [f.name or f.url for f in p.remove_feeds]),
    ]
    for what, added, removed in sections:
        if added:
            reply.add(T.IMPORT_ADD.format(what=what, items=_items(added)))
        if removed:
            reply.add(T.IMPORT_REMOVE.format(what=what, items=_items(removed)))
    if p.unknown_topics:
        reply.add(T.IMPORT_UNKNOWN.format(items=_items(list(p.unknown_topics))))
    if p.enabled is not None:
        reply.add(T.IMPORT_POLICY_ON if p.enabled else T.IMPORT_POLICY_OFF)
    if p.muted_until is not None:
        reply.add(T.IMPORT_MUTE.format(until=format_datetime(p.muted_until, deps.settings.tz)))
    if p.unmute:
        reply.add(T.IMPORT_UNMUTE)
    if p.buttons is not None:
        reply.add(T.IMPORT_BUTTONS_ON if p.buttons else T.IMPORT_BUTTONS_OFF)
    if p.attention is not None:
        reply.add(T.IMPORT_ATTENTION)
    return reply


def _owner(ctx: Context) -> ImportOwner:
    return ImportOwner(ctx.platform, ctx.chat_id, ctx.user_id)


def _payload(where: Where, p: ConfigPlan) -> dict[str, Any]:
    return {"where": [where.chat_id, where.kind, where.thread_id, where.title, where.label], "plan": plan_to_json(p)}


def _stored(item: PendingImport | None) -> tuple[Where, ConfigPlan] | None:
    if item is None:
        return None
    chat_id, kind, thread_id, title, label = item.payload["where"]
    return Where(str(chat_id), str(kind), int(thread_id), title, str(label)), plan_from_json(item.payload["plan"])


async def import_config(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Show what a YAML export or an OPML file would change; apply it when the sender confirms."""
    if ctx.attachment is None and not args.strip():
        raise UsageError(T.IMPORT_HOW)
    if deps.pending is None:
        return Reply(error=True).add(T.INTERNAL)
    try:
        data: bytes | str = await ctx.attachment() if ctx.attachment is not None else args
        p = await plan_for(deps, ctx, where, data)
    except ConfigError as exc:
        return Reply(error=True).add(T.IMPORT_BAD.format(reason=exc.message_ar))
    if p.empty:
        reply = Reply().add(T.IMPORT_NOTHING)
        return describe_plan(deps, p, reply)  # unknown topics, if any, are still worth saying
    token = await deps.pending.put(_owner(ctx), _payload(where, p), deps.clock(), IMPORT_TTL)
    reply = describe_plan(deps, p, Reply().add(bold(T.IMPORT_PLAN)))
    reply.buttons.append([Button(T.IMPORT_APPLY, f"{IMPORT_ACTION}:{token}"),
                          Button(T.IMPORT_CANCEL, f"{CANCEL_ACTION}:{token}")])
    return reply


async def apply_plan(deps: Deps, ctx: Context, where: Where, p: ConfigPlan) -> list[str]:
    """Make the changes; returns the lines to report (feeds that could not be added, with why)."""
    dest = await ensure_destination(deps, ctx, where)
    now = deps.clock()
    notes: list[str] = []
    if p.add_topics:
        await deps.chats.subscribe(dest.id, p.add_topics, now)
    if p.remove_topics:
        await deps.chats.unsubscribe(dest.id, p.remove_topics)
    for rule in p.add_rules:
        await deps.chats.add_term(dest.id, rule, rule_key(rule), ctx.user_id, now,
                                  limit=deps.settings.max_terms_per_chat, own_list=custom_watchlist_id(dest.id))
    for rule in p.remove_rules:
        await deps.chats.remove_term(dest.id, rule_key(rule))
    for term in p.add_exclusions:
        await deps.chats.add_exclusion(dest.id, term, term_key(term), ctx.user_id, now,
                                       limit=deps.settings.max_terms_per_chat)
    for term in p.remove_exclusions:
        await deps.chats.remove_exclusion(dest.id, term_key(term))
    for feed in p.remove_feeds:
        await feed_commands.remove_feed(deps, ctx, where, feed.url)
    for feed in p.add_feeds:  # /addfeed's own path: the SSRF guard, discovery, limits
        try:
            added = await feed_commands.add_feed(deps, ctx, where, feed.url)
        except UsageError as exc:
            notes.append(T.IMPORT_FEED_FAILED.format(url=isolate_ltr(feed.url), reason=exc.message))
            continue
        if added.error:
            notes.append(T.IMPORT_FEED_FAILED.format(url=isolate_ltr(feed.url), reason=added.plain_text().strip()))
    if p.enabled is not None:
        await deps.chats.set_enabled(dest.id, p.enabled)
    if p.muted_until is not None or p.unmute:
        await deps.chats.set_muted(dest.id, p.muted_until)
    if p.buttons is not None and deps.alert_work is not None:
        await deps.alert_work.set_buttons(dest.id, p.buttons)
    if p.attention is not None:
        notes += await _apply_attention(deps, ctx, where, dest.id, p.attention)
    await deps.index.refresh()
    return notes


async def pending_where(deps: Deps, ctx: Context, token: str) -> Where | None:
    """Where a pending import would apply (for the audit snapshot before it does)."""
    stored = _stored(await deps.pending.peek(token, _owner(ctx), deps.clock())) if deps.pending else None
    return stored[0] if stored is not None else None


async def confirm_import(deps: Deps, ctx: Context, token: str) -> tuple[Reply, Where | None]:
    """The "apply" button: the stored plan, for the person who asked, once."""
    stored = _stored(await deps.pending.claim(token, _owner(ctx), deps.clock())) if deps.pending else None
    if stored is None:
        return Reply(error=True).add(*phrase(T.IMPORT_EXPIRED)), None
    where, p = stored
    notes = await apply_plan(deps, ctx, where, p)
    reply = Reply(changed=True, note=reply_note(T.NOTE_IMPORTED), toast=T.IMPORT_DONE, edit=True).add(bold(T.IMPORT_DONE))
    describe_plan(deps, p, reply)
    for note in notes:
        reply.add(note)
    return reply, where


async def cancel_import(deps: Deps, ctx: Context, token: str) -> Reply:
    if deps.pending is not None:
        await deps.pending.drop(token, _owner(ctx))
    return Reply(toast=T.IMPORT_CANCELLED, edit=True).add(T.IMPORT_CANCELLED)
