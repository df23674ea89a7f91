"""A chat's own rules (/watch, /unwatch, /watchlist) and /preview.

What /watch stores is a rule of the language in ``bot.domain.rule_parse`` (a plain
term is the simplest rule); ingest matches it exactly as ``newsbot match --rules``
does, with the same expansion, which the reply spells out ("يشمل أيضاً: …").
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.alerts.arabic import format_datetime, isolate, isolate_ltr
from bot.alerts.plural import NEWS, PHRASES, SOURCES, TIMES, counted, last_days
from bot.commands.address import addressee
from bot.commands.attention import policy_lines
from bot.commands.context import (
    Context,
    Deps,
    UsageError,
    Where,
    ensure_destination,
    find_destination,
    labels_of,
)
from bot.commands.reply import Reply, Span, bold, note, phrase, term_text, trim_symbols
from bot.commands.texts import TERM_ERRORS, N, T
from bot.domain.feed_names import chat_feed_id, source_ids, unknown_sources
from bot.domain.matcher import Match
from bot.domain.rule_parse import Node, Phrase, RuleError, parse_rule
from bot.domain.rules import CompiledRule
from bot.domain.stories import cut_at_word
from bot.domain.text import normalize
from bot.domain.watch_input import MAX_PARTS, rule_key, split_watch_input
from bot.domain.watchlists import custom_watchlist_id
from bot.pipeline.preview import PreviewHit, preview_rule, preview_watchlist
from bot.storage.records import DestinationRef, StoryRecord

__all__ = ["PREVIEW_DAYS", "PREVIEW_SHOW", "watch", "unwatch", "show_watchlist", "preview", "rule_usage",
           "quoted"]

PREVIEW_DAYS = 3
PREVIEW_SHOW = 5
PREVIEW_NEAR = 3
IRRELEVANT_DAYS = 7  # how far back /preview counts 'not relevant' presses
_MAX_ALSO = 6


def quoted(terms: list[str]) -> str:
    return "، ".join(f"«{term_text(t)}»" for t in terms)


def rule_usage(text: str, exc: RuleError) -> UsageError:
    """Why a rule was refused, in Arabic, and where in it."""
    if exc.position >= len(text):
        return UsageError(T.RULE_ERROR_END.format(reason=exc.message_ar))
    at = text[exc.position:exc.position + 15]
    return UsageError(T.RULE_ERROR.format(reason=exc.message_ar, pos=exc.position + 1, at=isolate(at)))


def _parts(args: str) -> list[str]:
    if not args.strip():
        raise UsageError(TERM_ERRORS["empty"])
    parts = list(split_watch_input(trim_symbols(args)).parts)  # emoji around words are no part of a term
    if len(parts) > MAX_PARTS:
        raise UsageError(TERM_ERRORS["too_many_parts"].format(limit=MAX_PARTS))
    return parts


async def _unknown_sources(deps: Deps, dest: DestinationRef | None, trees: list[Node]) -> Reply | None:
    """Refuse a ``source:`` that names no feed: neither an operator feed id nor one of the chat's own feeds."""
    if not any(source_ids(t) for t in trees):
        return None
    own = list(dict.fromkeys(i for f in (await deps.chats.feeds(dest.id) if dest else []) if (i := chat_feed_id(f.source_url))))
    operator = await deps.feeds.operator_ids()
    unknown = list(dict.fromkeys(u for t in trees for u in unknown_sources(t, [*own, *operator])))
    if not unknown:
        return None
    ids = "، ".join(isolate_ltr(u) for u in unknown)
    reply = Reply(error=True).add(T.SOURCE_UNKNOWN.format(ids=ids))
    if own:
        reply.add(*phrase(T.SOURCE_OWN, ids="، ".join(isolate_ltr(i) for i in own)))
    else:
        reply.add(*phrase(T.SOURCE_NO_OWN))
    if operator:
        reply.add(T.SOURCE_OPERATOR.format(ids="، ".join(isolate_ltr(i) for i in operator)))
    return reply


def _is_plain(text: str) -> bool:
    tree = parse_rule(text)
    return isinstance(tree, Phrase) and tree.text == text.strip()


async def watch(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Add rules (a word, a phrase, or phrases joined by + | - ~) to the chat's own list."""
    parts = _parts(args)
    rules = deps.index.rule_set()
    compiled: list[tuple[str, str, CompiledRule]] = []
    for i, part in enumerate(parts):
        try:
            compiled.append((part, rule_key(part), rules.add(str(i), part)))
        except RuleError as exc:
            raise rule_usage(part, exc) from exc
    refused = await _unknown_sources(deps, await find_destination(deps, ctx, where), [r.tree for _, _, r in compiled])
    if refused is not None:
        return refused
    dest = await ensure_destination(deps, ctx, where)
    who = addressee(where)
    reply = Reply()
    if len(parts) > 1:
        reply.add(T.WATCH_SPLIT.format(count=counted(len(parts), PHRASES)))
    added: list[str] = []
    for part, key, rule in compiled:
        result = await deps.chats.add_term(dest.id, part, key, ctx.user_id, deps.clock(),
                                           limit=deps.settings.max_terms_per_chat,
                                           own_list=custom_watchlist_id(dest.id))
        if result == "limit":
            reply.error = not added
            reply.add(*phrase(T.WATCH_LIMIT, own=who.own, limit=counted(deps.settings.max_terms_per_chat, PHRASES)))
            break
        if result == "exists":
            reply.add(T.WATCH_EXISTS.format(term=term_text(part), own=who.own))
            continue
        added.append(part)
        text = (T.WATCH_ADDED if _is_plain(part) else T.WATCH_RULE_ADDED).format(term=term_text(part), own=who.own,
                                                                                  gets=who.gets)
        reply.add("✅ ", text)
        # "**" is the term syntax for a gap of words; a reader sees an ellipsis.
        also = list(dict.fromkeys(a.replace("**", "…") for e in rule.expansions for a in e.added))
        if also:
            shown = quoted(also[:_MAX_ALSO]) + ("، …" if len(also) > _MAX_ALSO else "")
            reply.add("   ", T.WATCH_ALSO.format(words=shown))
        elif any(e.literal for e in rule.expansions):
            reply.add("   ", T.WATCH_LITERAL)
    if added:
        await deps.index.refresh()
        reply.changed = True
        reply.note = note(T.NOTE_WATCH_ADDED, term=term_text(added[0])) if len(added) == 1 else \
            note(T.NOTE_WATCH_ADDED_MANY, terms=quoted(added))
    return reply


async def unwatch(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Remove rules from the chat's own list; when one is not there, show what is."""
    parts = _parts(args)
    keys: list[tuple[str, str]] = []
    for part in parts:
        try:
            keys.append((part, rule_key(part)))
        except RuleError as exc:
            raise rule_usage(part, exc) from exc
    dest = await find_destination(deps, ctx, where)
    who = addressee(where)
    reply = Reply()
    removed: list[str] = []
    missing = False
    for part, key in keys:
        gone = await deps.chats.remove_term(dest.id, key) if dest else None
        if gone is None:
            missing = True
            reply.add(T.UNWATCH_MISSING.format(term=term_text(part), own=who.own))
        else:
            removed.append(gone)
            reply.add("🗑️ ", T.UNWATCHED.format(term=term_text(gone), own=who.own))
    if missing and dest:
        terms = await deps.chats.terms(dest.id)
        if terms:
            reply.add(T.WATCHLIST_TERMS.format(terms=quoted(terms[:50])))
    if removed:
        await deps.index.refresh()
        reply.changed = True
        reply.note = note(T.NOTE_UNWATCHED, term=term_text(removed[0])) if len(removed) == 1 else \
            note(T.NOTE_UNWATCHED_MANY, terms=quoted(removed))
    return reply


async def show_watchlist(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Everything the chat follows: watchlists, own rules, exclusions, pause and mute, feed count."""
    dest = await find_destination(deps, ctx, where)
    # In a forum's General (thread 0), the forum's topics may follow things of their own: say so.
    threads = await deps.chats.followed_threads(ctx.platform, where.chat_id) if where.thread_id == 0 else []
    if dest is None:
        return _with_threads(Reply().add(*phrase(T.WATCHLIST_EMPTY)), threads)
    subs = await deps.chats.subscriptions(dest.id)
    terms = await deps.chats.terms(dest.id)
    excluded = await deps.chats.exclusions(dest.id)
    builtin = [s for s in subs if s in deps.index.builtins]
    if not builtin and not terms and not excluded:
        return _with_threads(Reply().add(*phrase(T.WATCHLIST_EMPTY)), threads)
    reply = Reply().add(bold(T.WATCHLIST_HEADER))
    reply.add(T.WATCHLIST_TOPICS.format(labels=labels_of(deps, builtin)))
    if terms:
        reply.add(T.WATCHLIST_TERMS.format(terms=quoted(terms)))
    if excluded:
        reply.add("🚫 ", T.WATCHLIST_EXCLUDED.format(terms=quoted(excluded)))
    if not dest.enabled:
        reply.add(*phrase(T.WATCHLIST_PAUSED))
    if dest.muted_until and dest.muted_until > deps.clock():
        reply.add(T.WATCHLIST_MUTED.format(until=format_datetime(dest.muted_until, deps.settings.tz)))
    n_feeds = await deps.chats.feed_count(dest.id)
    if n_feeds:
        reply.add(T.WATCHLIST_FEEDS.format(count=counted(n_feeds, SOURCES)))
    policy = policy_lines(deps, dest.id, await deps.chats.attention(dest.id))
    if policy:
        reply.add(bold(T.POLICY_HEADER))
        for text in policy:
            reply.add(text)
    return _with_threads(reply, threads)


def _with_threads(reply: Reply, threads: list[int]) -> Reply:
    """A forum's General: the topics that follow things of their own."""
    if threads:
        reply.add(*phrase(T.WATCHLIST_THREADS, threads=counted(len(threads), N.THREADS)))
    return reply


def _why(matches: list[Match]) -> str:
    return "، ".join(dict.fromkeys(f"«{isolate(m.surface)}»" for m in matches))


def _story(reply: Reply, story: StoryRecord) -> None:
    title = cut_at_word(story.title, 160)
    reply.add("• ", Span(isolate(title), href=story.link or None), f" — {isolate(story.feed_name)}")


def _hits(reply: Reply, subject: str, period: str, hits: list[PreviewHit]) -> Reply:
    """The header ("… خلال الأيام الثلاثة الأخيرة: 7 أخبار، وهذه أحدث 5 منها") and the newest hits."""
    if not hits:
        return reply.add(T.PREVIEW_NONE.format(term=subject, period=period))
    count = counted(len(hits), NEWS)
    if len(hits) > PREVIEW_SHOW:
        count = T.PREVIEW_SHOWING.format(count=count, shown=PREVIEW_SHOW)
    reply.add(bold(T.PREVIEW_HEADER.format(term=subject, period=period, count=count)))
    for hit in hits[:PREVIEW_SHOW]:
        _story(reply, hit.story)
        reply.add("   ", T.PREVIEW_WHY.format(why=_why(hit.matches)))
    return reply


async def preview(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Which stored stories of the last days a rule would have alerted, and its nearest misses."""
    days = PREVIEW_DAYS
    m = re.search(r"(?:^|\s)--days\s+(\d{1,2})\s*$", args)
    if m:
        days = max(1, min(14, int(m.group(1))))
        args = args[:m.start()].strip()
    if not args.strip():
        raise UsageError(TERM_ERRORS["empty"])
    period = last_days(days)
    builtin = deps.index.builtins.get(args.strip().lower())
    if builtin is not None:  # "/preview ceasefire": the built-in list, not the word
        listed = await preview_watchlist(deps.stories, builtin, days=days, now=deps.clock())
        return _hits(Reply(), T.PREVIEW_LIST.format(label=builtin.label), period, listed)
    dest = await find_destination(deps, ctx, where)
    try:
        refused = await _unknown_sources(deps, dest, [parse_rule(args)])
    except RuleError as exc:
        raise rule_usage(args, exc) from exc
    if refused is not None:
        return refused
    exclusions = await deps.chats.exclusions(dest.id) if dest else []
    own_feeds = [f.id for f in await deps.chats.feeds(dest.id)] if dest else []
    try:
        result = await preview_rule(deps.stories, deps.index.rule_set(), args, days=days, now=deps.clock(),
                                    exclusions=exclusions, own_feeds=own_feeds)
    except RuleError as exc:
        raise rule_usage(args, exc) from exc
    reply = _hits(Reply(), f"«{term_text(args)}»", period, result.hits)
    if result.near:
        reply.add(bold(T.PREVIEW_NEAR.format(count=counted(len(result.near), NEWS))))
        for near in result.near[:PREVIEW_NEAR]:
            _story(reply, near.story)
            reply.add("   ", T.PREVIEW_WHY.format(why=_why(near.matches)))
            if near.vetoes:
                reply.add("   ", T.PREVIEW_VETO.format(why=_why(near.vetoes)))
            said = {(_why([c.match]), _why(list(c.context))): None for c in near.contexts}
            for words, context in said:
                reply.add("   ", T.PREVIEW_CONTEXT.format(words=words, context=context))
    if deps.alert_work is not None and dest is not None:  # what this chat said of the alerts the term fired
        since = deps.clock() - timedelta(days=IRRELEVANT_DAYS)
        wanted = normalize(args)
        pressed = sum(n for term, n in await deps.alert_work.top_irrelevant_terms(since, 100, dest.id)
                      if normalize(term) == wanted)
        if pressed:
            reply.add("🔕 ", T.PREVIEW_IRRELEVANT.format(times=counted(pressed, TIMES), period=last_days(IRRELEVANT_DAYS)))
    return reply
