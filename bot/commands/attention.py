"""When alerts interrupt (issue 16): /timezone, /quiet, /digest, /cap, /notify, /urgent.

Every argument is checked before anything is stored, and every refusal is an
Arabic sentence (``UsageError``); the rules these settings feed are the
domain's (``bot.domain.policy``), not this module's.
"""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts.arabic import isolate, isolate_ltr
from bot.alerts.plural import ALERTS_GEN, counted
from bot.commands.context import Context, Deps, UsageError, Where, ensure_destination, labels_of, unknown_ids
from bot.commands.reply import Reply, note
from bot.commands.subscriptions import resolve_ids
from bot.commands.texts import N, T
from bot.domain.policy import DigestSchedule, NotifyMode, QuietHours
from bot.domain.watchlists import custom_watchlist_id
from bot.storage.records import CAP_OFF, AttentionRecord

__all__ = ["set_timezone", "set_quiet", "set_digest", "set_cap", "set_notify", "set_urgent", "policy_lines",
           "parse_clock", "parse_quiet", "parse_digest_times", "ZONE_EXAMPLES", "MAX_CAP", "MAX_DIGESTS"]

ZONE_EXAMPLES = ("Asia/Riyadh", "Africa/Cairo", "Asia/Dubai", "Asia/Beirut", "Europe/London", "America/New_York")
MAX_CAP = 1000
MAX_DIGESTS = 12
_OFF = ("off", "إيقاف", "الغاء", "إلغاء")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ZONE_CHARS = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


def _is_off(args: str) -> bool:
    return args.strip().lower() in _OFF


def parse_clock(text: str) -> time | None:
    """'7:30', '07:30', '٠٧:٣٠' -> time(7, 30); None for anything else."""
    hh, sep, mm = text.strip().translate(_DIGITS).partition(":")
    if not sep or not (hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()) \
            or len(mm) != 2 or not 1 <= len(hh) <= 2:
        return None
    h, m = int(hh), int(mm)
    return time(h, m) if h < 24 and m < 60 else None


def _hm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_quiet(args: str) -> QuietHours:
    """'23:00-07:00 [all]' (a dash of any kind, spaces allowed); UsageError otherwise."""
    parts = args.split()
    hold_urgent = bool(parts) and parts[-1].lower() in ("all", "الكل")
    spec = "".join(parts[:-1] if hold_urgent else parts)
    for dash in "–—−":
        spec = spec.replace(dash, "-")
    start_s, sep, end_s = spec.partition("-")
    start, end = parse_clock(start_s), parse_clock(end_s)
    if not sep or start is None or end is None:
        raise _usage(T.QUIET_BAD)
    if start == end:
        raise _usage(T.QUIET_SAME)
    return QuietHours(start, end, hold_urgent)


def parse_digest_times(args: str) -> tuple[tuple[time, ...], list[str]]:
    """'08:00,18:00 nato blacksea' -> the times and the words after them; UsageError on a bad time."""
    tokens = [t for t in re.split(r"[,\s،]+", args.strip()) if t]
    times: list[time] = []
    rest: list[str] = []
    for tok in tokens:
        if not rest and ":" in tok.translate(_DIGITS):
            t = parse_clock(tok)
            if t is None:
                raise _usage(T.DIGEST_BAD)
            times.append(t)
        else:
            rest.append(tok)
    if not times:
        raise _usage(T.DIGEST_BAD)
    if len(set(times)) > MAX_DIGESTS:
        raise _usage(T.DIGEST_TOO_MANY.format(max=counted(MAX_DIGESTS, N.TIMES)))
    return tuple(sorted(set(times))), rest


def _usage(message: str) -> UsageError:
    return UsageError(message)


def _zone_list() -> str:
    return "، ".join(isolate_ltr(z) for z in ZONE_EXAMPLES)


async def set_timezone(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Set the chat's time zone (Area/City) for quiet hours, digests and alert times."""
    name = args.strip()
    if not name:
        dest = await ensure_destination(deps, ctx, where)
        zone = await deps.chats.zone_of(dest.id)
        return Reply().add(T.TZ_SHOW.format(zone=isolate_ltr(zone.key), examples=_zone_list()))
    bad = T.TZ_BAD.format(zone=isolate(name[:64]), examples=_zone_list())
    if len(name) > 64 or not _ZONE_CHARS.match(name) or ("/" not in name and name.upper() != "UTC"):
        raise _usage(bad)
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _usage(bad) from None
    dest = await ensure_destination(deps, ctx, where)
    await deps.chats.set_timezone(dest.id, zone.key)
    text = T.TZ_SET.format(zone=isolate_ltr(zone.key), now=f"{deps.clock().astimezone(zone):%H:%M}")
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


async def set_quiet(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Quiet hours HH:MM-HH:MM (all: urgent too) or off: normal alerts wait for one digest."""
    if _is_off(args):
        dest = await ensure_destination(deps, ctx, where)
        await deps.chats.set_quiet(dest.id, None)
        return Reply(changed=True, note=note(T.NOTE_SETTING, what=T.QUIET_OFF)).add(T.QUIET_OFF)
    quiet = parse_quiet(args)
    dest = await ensure_destination(deps, ctx, where)
    await deps.chats.set_quiet(dest.id, quiet)
    text = (T.QUIET_SET_ALL if quiet.hold_urgent else T.QUIET_SET).format(start=_hm(quiet.start), end=_hm(quiet.end))
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


async def set_digest(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Digest times HH:MM[,HH:MM…] (optionally for some watchlists only) or off."""
    if _is_off(args):
        dest = await ensure_destination(deps, ctx, where)
        await deps.chats.set_digest(dest.id, None)
        return Reply(changed=True, note=note(T.NOTE_SETTING, what=T.DIGEST_OFF)).add(T.DIGEST_OFF)
    times, rest = parse_digest_times(args)
    ids: list[str] = []
    if rest:
        ids, unknown = resolve_ids(deps, " ".join(rest))
        if unknown:
            raise unknown_ids(deps, unknown)
    dest = await ensure_destination(deps, ctx, where)
    lists = frozenset(custom_watchlist_id(dest.id) if i == "mine" else i for i in ids) or None
    await deps.chats.set_digest(dest.id, DigestSchedule(times, lists))
    shown = T.DIGEST_LISTS.format(labels=labels_of(deps, ids)) if ids else ""
    text = T.DIGEST_SET.format(times="، ".join(_hm(t) for t in times), lists=shown)
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


async def set_cap(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """At most N normal alerts an hour (the rest go into the next digest), or off."""
    if _is_off(args):
        dest = await ensure_destination(deps, ctx, where)
        await deps.chats.set_cap(dest.id, None)
        return Reply(changed=True, note=note(T.NOTE_SETTING, what=T.CAP_OFF)).add(T.CAP_OFF)
    raw = args.strip().translate(_DIGITS)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 5 or not 1 <= int(raw) <= MAX_CAP:
        raise _usage(T.CAP_BAD.format(max=MAX_CAP))
    dest = await ensure_destination(deps, ctx, where)
    await deps.chats.set_cap(dest.id, int(raw))
    text = T.CAP_SET.format(count=counted(int(raw), ALERTS_GEN))
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


async def set_notify(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Notifications for all alerts, or for urgent ones only (Slack: urgent here)."""
    words = args.lower().split()
    slack = ctx.platform == "slack"
    bad = T.NOTIFY_BAD_SLACK if slack else T.NOTIFY_BAD
    if words == ["all"]:
        mode, here, text = NotifyMode.ALL, False, T.NOTIFY_ALL
    elif words == ["urgent"]:
        mode, here, text = NotifyMode.URGENT, False, T.NOTIFY_URGENT
    elif words == ["urgent", "here"]:
        if not slack:
            raise _usage(T.NOTIFY_HERE_SLACK)
        mode, here, text = NotifyMode.URGENT, True, T.NOTIFY_URGENT_HERE
    else:
        raise _usage(bad)
    dest = await ensure_destination(deps, ctx, where)
    await deps.chats.set_notify(dest.id, mode, here)
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


async def set_urgent(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Mark watchlists urgent for this chat (off ID: unmark); without arguments, list them."""
    words = args.split()
    off = bool(words) and words[0].lower() in _OFF
    if off:
        words = words[1:]
        if not words:
            raise _usage(T.URGENT_BAD)
    ids: list[str] = []
    if words:
        ids, unknown = resolve_ids(deps, " ".join(words))
        if unknown:
            raise unknown_ids(deps, unknown)
    dest = await ensure_destination(deps, ctx, where)
    current = set((await deps.chats.attention(dest.id)).urgent_watchlists)
    if not ids:
        return Reply().add(T.URGENT_LIST.format(labels=_labels(deps, dest.id, sorted(current))))
    chosen = {custom_watchlist_id(dest.id) if i == "mine" else i for i in ids}
    await deps.chats.set_urgent_lists(dest.id, current - chosen if off else current | chosen)
    text = (T.URGENT_OFF if off else T.URGENT_ON).format(labels=labels_of(deps, ids))
    return Reply(changed=True, note=note(T.NOTE_SETTING, what=text)).add(text)


def _labels(deps: Deps, dest_id: int, ids: list[str]) -> str:
    own = custom_watchlist_id(dest_id)
    return labels_of(deps, ["mine" if i == own else i for i in ids])


def policy_lines(deps: Deps, dest_id: int, rec: AttentionRecord) -> list[str]:
    """The destination's attention settings for /watchlist (nothing when all are off)."""
    out: list[str] = []
    if rec.timezone:
        out.append(T.POLICY_ZONE.format(zone=isolate_ltr(rec.timezone)))
    if rec.quiet is not None:
        out.append(T.POLICY_QUIET.format(start=_hm(rec.quiet.start), end=_hm(rec.quiet.end),
                                         all=T.POLICY_QUIET_ALL if rec.quiet.hold_urgent else ""))
    if rec.digest is not None:
        lists = rec.digest.watchlists
        shown = T.DIGEST_LISTS.format(labels=_labels(deps, dest_id, sorted(lists))) if lists else ""
        out.append(T.POLICY_DIGEST.format(times="، ".join(_hm(t) for t in rec.digest.times), lists=shown))
    cap = deps.settings.default_cap if rec.cap is None else (None if rec.cap == CAP_OFF else rec.cap)
    if cap is not None:
        out.append(T.POLICY_CAP.format(count=counted(cap, ALERTS_GEN)))
    if rec.notify is NotifyMode.URGENT:
        out.append(T.POLICY_NOTIFY_URGENT)
    if rec.slack_here:
        out.append(T.POLICY_HERE)
    if rec.urgent_watchlists:
        out.append(T.POLICY_URGENT.format(labels=_labels(deps, dest_id, list(rec.urgent_watchlists))))
    return out
