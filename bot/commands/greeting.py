"""First contact: /start, the hint for a plain message in a private chat, the welcome on being added
to a group (or "I'm back" with the settings kept), and what each button press asks for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands.about import show_help
from bot.commands.actions import Action
from bot.commands.context import Context, Deps, UsageError, Where, find_destination
from bot.commands.reply import Button, Reply, bold, phrase
from bot.commands.subscriptions import following_words, show_topics, subscribe, toggle_topic
from bot.commands.terms import watch
from bot.commands.texts import T
from bot.domain.sanitize import plain_text
from bot.domain.text import tokens
from bot.domain.watchlists import TermError, term_key

__all__ = ["start", "plain_hint", "welcome", "button_reply", "CALLBACK_MAX"]

CALLBACK_MAX = 64  # bytes: the smallest button payload a platform allows (Telegram)
HINT_WORDS = 4  # a message this short may be a word to watch
MAX_TOPICS = 2

Manage = Callable[[Context, str], Awaitable[bool]]


async def start(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """A short welcome and buttons for a first step (/help lists every command)."""
    reply = Reply().add(T.INTRO).add(*phrase(T.HOW)).add(bold(T.START_FIRST_STEP))
    reply.buttons = [[Button(T.START_TOPICS, "start:topics")],
                     [Button(T.START_WATCH, "start:watch"), Button(T.START_HELP, "start:help")]]
    return reply


def plain_hint(deps: Deps, ctx: Context, text: str) -> Reply:
    """One line and buttons: subscribe to a built-in list the text names, watch a short text, or /help."""
    text = " ".join(plain_text(text).split())[:500]
    words = tokens(text)[:60]
    found: list[str] = []
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            wid = deps.topic_names.get(" ".join(words[i:i + size]))
            if wid and wid not in found:
                found.append(wid)
    reply = Reply().add(T.PLAIN_HINT)
    row = [Button(T.PLAIN_TOPIC.format(label=deps.index.builtins[w].label), f"sub:{w}")
           for w in found[:MAX_TOPICS] if w in deps.index.builtins]
    if not row and 0 < len(words) <= HINT_WORDS and len(f"watch:{text}".encode()) <= CALLBACK_MAX:
        try:
            term_key(text)
            row.append(Button(T.PLAIN_WATCH.format(term=text), f"watch:{text}"))
        except TermError:
            pass
    reply.buttons = [row, [Button(T.START_HELP, "start:help")]] if row else [[Button(T.START_HELP, "start:help")]]
    return reply


async def welcome(deps: Deps, ctx: Context, where: Where) -> Reply:
    """Added to a group: what it follows when it had settings ("I'm back"), else a short welcome."""
    dest = await find_destination(deps, ctx, where)
    summary = await following_words(deps, dest.id) if dest is not None else ""
    if not summary:
        return Reply().add(*phrase(T.WELCOME_GROUP))
    reply = Reply().add("👋 ", T.BACK.format(summary=summary))
    if dest is not None and not dest.enabled:
        reply.add(*phrase(T.BACK_PAUSED))
    return reply


async def button_reply(deps: Deps, ctx: Context, where: Where, press: Action, may_manage: Manage,
                       refusal: str) -> Reply:
    """What a press does; a press that changes settings is checked like the command it stands for."""
    if press.kind == "start":
        if press.arg == "topics":
            return await show_topics(deps, ctx, where, "")
        if press.arg == "help":
            return await show_help(deps, ctx, where, "")
        if press.arg == "watch":
            return Reply().add(*phrase(T.WATCH_HOW))
        return Reply(error=True).add(T.UNKNOWN)
    if press.kind not in ("toggle", "sub", "watch"):
        return Reply(error=True).add(T.UNKNOWN)
    if press.kind != "watch" and press.arg not in deps.index.builtins:
        return Reply(error=True).add(T.UNKNOWN)
    if not await may_manage(ctx, where.chat_id):
        return Reply(error=True).add(refusal)
    if press.kind == "toggle":
        reply = await toggle_topic(deps, ctx, where, press.arg)
        reply.edit = True
        return reply
    try:
        if press.kind == "sub":
            return await subscribe(deps, ctx, where, press.arg)
        return await watch(deps, ctx, where, press.arg)
    except UsageError as exc:
        return Reply(error=True).add(exc.message)
