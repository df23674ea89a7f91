"""Working an alert from the chat: its buttons (acknowledge, not relevant, assign, follow), /assign and /buttons.

A press arrives as a signed token plus the platform's own facts (chat, message).
The token must verify for this chat, and the row it names must be a sent
alert of this chat and this very message; anything else is refused. The
redrawn alert (who took it, who it is assigned to) goes out through the
outbox like every other edit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.alerts.arabic import format_datetime, isolate
from bot.alerts.model import Mention, Span
from bot.commands import audit
from bot.commands.context import Context, Deps, UsageError, Where, ensure_destination, find_destination
from bot.commands.reply import Reply, note, phrase
from bot.commands.texts import T
from bot.domain.alertwork import WorkTarget, verify
from bot.domain.states import AlertAction

if TYPE_CHECKING:
    from bot.commands.ports import AlertWorkStore

__all__ = ["press", "assign_from_picker", "set_buttons", "assign_command"]

_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")


def _store(deps: Deps) -> AlertWorkStore:
    if deps.alert_work is None or not deps.alert_secret:
        raise UsageError(T.OPS_UNAVAILABLE)
    return deps.alert_work


async def _checked(deps: Deps, ctx: Context, token: str, message_ref: str | None
                   ) -> tuple[AlertAction, WorkTarget] | Reply:
    """The action and its alert, when the token is ours for this chat and names this chat's message."""
    store = _store(deps)
    pressed = verify(deps.alert_secret, token, ctx.platform, ctx.chat_id)
    if pressed is None:
        return Reply(error=True).add(T.WORK_REFUSED)
    target = await store.target(pressed.outbox_id)
    if target is None:
        return Reply(error=True).add(T.WORK_GONE)
    if (target.platform, target.chat_id) != (ctx.platform, ctx.chat_id) or \
            (message_ref is not None and target.message_ref != message_ref):
        return Reply(error=True).add(T.WORK_REFUSED)
    return pressed.action, target


def _who(ctx: Context) -> str:
    return ctx.user_name or ctx.user_id


def _where(ctx: Context, target: WorkTarget) -> Where:
    return Where(target.chat_id, ctx.chat_kind, target.thread_id, ctx.chat_title, "")


async def press(deps: Deps, ctx: Context, token: str, message_ref: str | None) -> Reply:
    """A button on an alert; ``toast`` is what the presser is told (the alert itself is redrawn if it changed)."""
    checked = await _checked(deps, ctx, token, message_ref)
    if isinstance(checked, Reply):
        return checked
    action, target = checked
    store = _store(deps)
    now = deps.clock()
    if action is AlertAction.ACK:
        work, first = await store.acknowledge(target.outbox_id, ctx.user_id, _who(ctx), now)
        when = format_datetime(work.acked_at or now, deps.settings.tz).rsplit("، ", 1)[-1]
        if not first:
            text = T.ACK_MINE.format(time=when) if work.acked_by_id == ctx.user_id else \
                T.ACK_TAKEN.format(name=work.acked_by or work.acked_by_id, time=when)
            return Reply(toast=text).add(text)
        await store.request_edit(target.outbox_id, now)
        await audit.record(deps, ctx, _where(ctx, target), "ack", f"#{target.outbox_id}",
                           detail={"note": target.story_title or ""})
        return Reply(changed=True, toast=T.ACK_DONE).add(T.ACK_DONE)
    if action is AlertAction.IRRELEVANT:
        new = await store.not_relevant(target.outbox_id, target.destination_id, ctx.user_id, target.terms, now)
        terms = "، ".join(f"«{t}»" for t in target.terms[:3]) or T.NONE
        text = T.IRRELEVANT_DONE.format(terms=terms) if new else T.IRRELEVANT_AGAIN
        return Reply(toast=text).add(text)
    if action is AlertAction.FOLLOW:
        work = await store.follow(target.outbox_id, ctx.user_id, _who(ctx), now)
        on = work.followed_by_id is not None
        await store.request_edit(target.outbox_id, now)
        await audit.record(deps, ctx, _where(ctx, target), "follow" if on else "unfollow", f"#{target.outbox_id}",
                           detail={"note": target.story_title or ""})
        text = T.FOLLOW_ON if on else T.FOLLOW_OFF
        return Reply(changed=True, toast=text).add(text)
    return Reply(toast=T.ASSIGN_HOW).add(*phrase(T.ASSIGN_HOW))


async def _assign(deps: Deps, ctx: Context, target: WorkTarget, assignee_id: str | None,
                  assignee_name: str | None) -> Reply:
    store = _store(deps)
    await store.assign(target.outbox_id, assignee_id, assignee_name, _who(ctx))
    await store.request_edit(target.outbox_id, deps.clock())
    await audit.record(deps, ctx, _where(ctx, target), "assign", f"#{target.outbox_id} {assignee_name or assignee_id}",
                       detail={"note": target.story_title or "", "assignee": assignee_id or assignee_name})
    mention = Mention(assignee_name or assignee_id or "", user=assignee_id or "")
    by = f" (أسنده: {isolate(_who(ctx))})"
    reply = Reply(changed=True)
    reply.add(*phrase(T.ASSIGNED, who=mention, by=Span(by)))
    reply.toast = reply.plain_text()
    return reply


async def assign_from_picker(deps: Deps, ctx: Context, token: str, message_ref: str | None,
                             assignee_id: str) -> Reply:
    """Slack's user picker on an alert: assign it to the member chosen (the adapter checked membership)."""
    checked = await _checked(deps, ctx, token, message_ref)
    if isinstance(checked, Reply):
        return checked
    action, target = checked
    if action is not AlertAction.ASSIGN:
        return Reply(error=True).add(T.WORK_REFUSED)
    return await _assign(deps, ctx, target, assignee_id, None)


async def assign_command(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Assign the alert this command replies to (Telegram) to the member named with @."""
    _store(deps)
    if ctx.platform == "slack":
        return Reply().add(T.ASSIGN_SLACK)
    if ctx.reply_to_ref is None:
        raise UsageError(T.ASSIGN_NOT_REPLY)
    m = _USERNAME.fullmatch(args.strip())
    if m is None:
        raise UsageError(T.ASSIGN_BAD)
    target = await _store(deps).target_by_message(ctx.platform, where.chat_id, ctx.reply_to_ref)
    if target is None or target.thread_id != where.thread_id:
        raise UsageError(T.ASSIGN_NOT_REPLY)
    return await _assign(deps, ctx, target, None, "@" + m.group(1))


async def set_buttons(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Buttons on this destination's new alerts: on or off."""
    word = args.strip().lower()
    if word not in ("on", "off", "تشغيل", "إيقاف"):
        raise UsageError(T.BUTTONS_BAD)
    on = word in ("on", "تشغيل")
    store = _store(deps)
    dest = await (ensure_destination(deps, ctx, where) if on else find_destination(deps, ctx, where))
    if dest is None or await store.buttons(dest.id) == on:
        return Reply().add(T.BUTTONS_ALREADY_ON if on else T.BUTTONS_ALREADY_OFF)
    await store.set_buttons(dest.id, on)
    text = T.BUTTONS_ON if on else T.BUTTONS_OFF
    return Reply(changed=True, note=note(T.NOTE_BUTTONS_ON if on else T.NOTE_BUTTONS_OFF)).add(text)
