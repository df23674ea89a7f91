"""Subscriptions: built-in watchlists on and off, pausing, and muting."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.alerts.arabic import format_datetime, isolate_ltr
from bot.commands.context import CommandBase, Context, Where
from bot.commands.reply import Button, Reply, Span, bold
from bot.commands.texts import T
from bot.domain.text import normalize
from bot.domain.watchlists import custom_watchlist_id, is_custom_watchlist_id
from bot.settings import parse_duration_seconds

__all__ = ["SubscriptionCommands", "DEFAULT_TOPICS", "MINE", "MAX_MUTE"]

DEFAULT_TOPICS = ("ceasefire", "black-sea", "nato")
MINE = ("mine", "قائمتي")
MAX_MUTE = 30 * 86400


class SubscriptionCommands(CommandBase):
    _labels: dict[str, str]

    def _resolve_ids(self, args: str) -> tuple[list[str], list[str]]:
        """Watchlist ids from ids or Arabic labels (comma or space separated)."""
        known, unknown = [], []
        raw = [p for p in re.split(r"[,\s،]+", args) if p]
        i = 0
        while i < len(raw):
            tok = raw[i]
            low = tok.lower()
            if low in self.index.builtins:
                known.append(low)
            elif low in MINE:
                known.append("mine")
            else:
                # Arabic labels have spaces ("حلف الناتو"): try the longest run that is a label.
                for j in range(min(len(raw), i + 5), i, -1):
                    wid = self._labels.get(normalize(" ".join(raw[i:j])))
                    if wid:
                        known.append(wid)
                        i = j - 1
                        break
                else:
                    unknown.append(tok)
            i += 1
        return list(dict.fromkeys(known)), unknown

    async def _cmd_subscribe(self, ctx: Context, where: Where, args: str) -> Reply:
        ids, unknown = self._resolve_ids(args) if args else (list(DEFAULT_TOPICS), [])
        ids = [i for i in ids if i == "mine" or i in self.index.builtins]
        if unknown:
            return self._unknown_ids("subscribe", unknown)
        dest = await self._ensure(ctx, where)
        was_enabled = dest.enabled
        real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
        new = await self.chats.subscribe(dest.id, real, self.clock())
        shown = ["mine" if is_custom_watchlist_id(n) else n for n in new]
        reply = Reply(changed=bool(new) or not was_enabled)
        if new:
            reply.add("✅ ", T.SUBSCRIBED.format(labels=self._labels_of(shown)))
        else:
            reply.add(T.ALREADY.format(labels=self._labels_of(ids)))
        if not was_enabled:
            reply.add("▶️ ", T.RESUMED)
        reply.note = T.SUBSCRIBED.format(labels=self._labels_of(shown or ids))
        return reply

    async def _cmd_unsubscribe(self, ctx: Context, where: Where, args: str) -> Reply:
        ids, unknown = self._resolve_ids(args) if args else ([], [])
        if unknown:
            return self._unknown_ids("unsubscribe", unknown)
        dest = await self._find(ctx, where)
        if dest is None:  # nothing was ever set here: nothing to stop, nothing to store
            return Reply().add(T.ALREADY_PAUSED if not args else T.NOT_SUBSCRIBED.format(labels=self._labels_of(ids)))
        if not args:
            if not dest.enabled:
                return Reply().add(T.ALREADY_PAUSED)
            await self.chats.set_enabled(dest.id, False)
            return Reply(changed=True, note=T.PAUSED).add("⏸️ ", T.PAUSED)
        real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
        removed = await self.chats.unsubscribe(dest.id, real)
        shown = ["mine" if is_custom_watchlist_id(r) else r for r in removed]
        if not removed:
            return Reply().add(T.NOT_SUBSCRIBED.format(labels=self._labels_of(ids)))
        text = T.UNSUBSCRIBED.format(labels=self._labels_of(shown))
        return Reply(changed=True, note=text).add(text)

    async def _cmd_topics(self, ctx: Context, where: Where, args: str) -> Reply:
        dest = await self._find(ctx, where)
        return await self._topics_reply(dest.id if dest else None)

    async def _topics_reply(self, dest_id: int | None) -> Reply:
        subs = set(await self.chats.subscriptions(dest_id)) if dest_id is not None else set()
        reply = Reply().add(bold(T.TOPICS_HEADER))
        row: list[Button] = []
        for wl in self.index.builtins.values():
            mark = T.TOPIC_ON if wl.id in subs else T.TOPIC_OFF
            reply.add(f"{mark} {wl.label} ", Span(isolate_ltr(f"({wl.id})")))
            row.append(Button(f"{mark} {wl.label}", f"toggle:{wl.id}"))
            if len(row) == 2:
                reply.buttons.append(row)
                row = []
        if row:
            reply.buttons.append(row)
        return reply

    async def _cmd_mute(self, ctx: Context, where: Where, args: str) -> Reply:
        try:
            seconds = parse_duration_seconds(args) if re.fullmatch(r"\s*\d+(\.\d+)?\s*[smhdw]\s*", args or "") else -1
        except ValueError:
            seconds = -1
        if not 60 <= seconds <= MAX_MUTE:
            return self._usage("mute", T.MUTE_BAD)
        dest = await self._ensure(ctx, where)
        until = self.clock() + timedelta(seconds=seconds)
        await self.chats.set_muted(dest.id, until)
        text = T.MUTED.format(until=format_datetime(until, self.settings.tz))
        return Reply(changed=True, note=text).add(text)

    async def _cmd_unmute(self, ctx: Context, where: Where, args: str) -> Reply:
        dest = await self._find(ctx, where)
        if dest is None or dest.muted_until is None or dest.muted_until <= self.clock():
            if dest is not None and dest.muted_until is not None:
                await self.chats.set_muted(dest.id, None)
            return Reply().add(T.NOT_MUTED)
        await self.chats.set_muted(dest.id, None)
        return Reply(changed=True, note=T.UNMUTED).add(T.UNMUTED)
