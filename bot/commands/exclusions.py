"""A chat's exclusions: /exclude TERM vetoes any alert of this chat whose story contains it; /include undoes it."""

from __future__ import annotations

from bot.commands.context import Context, Deps, Where, ensure_destination, find_destination, term_usage
from bot.commands.reply import Reply, note, phrase, term_text
from bot.commands.terms import quoted
from bot.commands.texts import T
from bot.domain.watchlists import TermError, term_key

__all__ = ["exclude", "include"]


def _key(args: str) -> str:
    try:
        return term_key(args)
    except TermError as exc:
        raise term_usage(exc) from exc


async def exclude(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Veto every alert of this chat (all its lists and rules) whose story contains the term."""
    key = _key(args)
    dest = await ensure_destination(deps, ctx, where)
    limit = deps.settings.max_terms_per_chat
    result = await deps.chats.add_exclusion(dest.id, args, key, ctx.user_id, deps.clock(), limit=limit)
    if result == "limit":
        return Reply(error=True).add(*phrase(T.EXCLUDE_LIMIT, limit=limit))
    if result == "exists":
        return Reply().add(T.EXCLUDE_EXISTS.format(term=term_text(args)))
    await deps.index.refresh()
    text = T.EXCLUDE_ADDED.format(term=term_text(args))
    return Reply(changed=True, note=note(T.NOTE_EXCLUDED, term=term_text(args))).add("🚫 ", text)


async def include(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Remove an exclusion; when it is not there, show the ones that are."""
    key = _key(args)
    dest = await find_destination(deps, ctx, where)
    removed = await deps.chats.remove_exclusion(dest.id, key) if dest else None
    if removed is None:
        reply = Reply().add(T.INCLUDE_MISSING.format(term=term_text(args)))
        if dest:
            excluded = await deps.chats.exclusions(dest.id)
            if excluded:
                reply.add(T.WATCHLIST_EXCLUDED.format(terms=quoted(excluded[:50])))
        return reply
    await deps.index.refresh()
    text = T.INCLUDED.format(term=term_text(removed))
    return Reply(changed=True, note=note(T.NOTE_INCLUDED, term=term_text(removed))).add("↩️ ", text)
