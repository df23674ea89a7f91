"""A digest's Arabic wording, as ``Line``s of ``Span``s, split only where a size limit forces it.

The plan (which stories, in which groups, in what order) is the domain's
(``bot.domain.digest``); this module words it in the alert vocabulary of
``bot.alerts.model`` so the platform renderers that already render and escape
alert lines render digests too. It lives here, not in the domain, because
the domain must not import ``bot.alerts`` and the wording needs its isolates,
spans and plural rules.

Sizes are the caller's: ``max_chars`` as counted by ``measure`` (default:
UTF-16 units of the visible text, Telegram's count; Slack's renderer can pass
one that counts its link markup) and ``max_items`` stories per message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.arabic import MONTHS, RLM, isolate
from bot.alerts.model import Line, Span
from bot.alerts.plural import NEWS, counted
from bot.domain.digest import DigestItem, DigestPlan, PlannedItem, plan_digest
from bot.domain.stories import cut_at_word

__all__ = ["DigestMessage", "compose_digest", "compose_plan", "digest_header", "utf16_units", "TELEGRAM_LIMIT",
           "CAP_NOTICE"]

TELEGRAM_LIMIT = 4096
TITLE = "ملخص الأخبار"
# The one notice when a cap folds alerts into the next digest.
CAP_NOTICE = "تجاوزت التنبيهات الحد: سيصلك الباقي في الملخص التالي"


def utf16_units(line: Line) -> int:
    return sum(len(s.text.encode("utf-16-le")) // 2 for s in line)


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One message of a digest and the stories it carries (to mark their held rows sent)."""

    lines: tuple[Line, ...]
    story_ids: tuple[int, ...]

    def plain_text(self) -> str:
        return "\n".join("".join(s.text for s in ln) for ln in self.lines)


def _since(since: datetime, tz: ZoneInfo, now: datetime | None) -> str:
    """The period's start: "23:00" when it is less than a day ago (or ``now`` is not given), else with its date."""
    local = since.astimezone(tz)
    if now is None or now - since < timedelta(hours=24):
        return f"{local:%H:%M}"
    return f"{local.day} {MONTHS[local.month - 1]} {local:%H:%M}"


def digest_header(count: int, since: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """'ملخص الأخبار: 14 خبراً منذ 23:00' (the period's start in the chat's zone)."""
    return f"{TITLE}: {counted(count, NEWS)} منذ {_since(since, tz, now)}"


def _item_line(p: PlannedItem, tz: ZoneInfo, title: str | None = None) -> Line:
    it = p.item
    text = isolate(title if title is not None else it.title)
    mark = "🔴 " if it.urgent_since else ""
    head = Span(f"{RLM}• {mark}")
    name: Span = Span(text, href=it.link) if it.link else Span(text)
    meta = f" — {isolate(it.outlet)} · {it.at.astimezone(tz):%H:%M}" if it.outlet else \
        f" — {it.at.astimezone(tz):%H:%M}"
    if p.also:
        meta += " · أيضاً في: " + "، ".join(isolate(a) for a in p.also)
    if it.urgent_since:
        meta += " · أُرسل تنبيهاً عاجلاً"
    return tuple(s for s in (head, name, Span(meta)) if s.text)


def _group_line(label: str, continued: bool) -> Line:
    return (Span(RLM + "▪️ "), Span(isolate(label) + (" (تابع)" if continued else ""), bold=True))


def _fit(p: PlannedItem, tz: ZoneInfo, room: int, measure: Callable[[Line], int]) -> Line:
    """The item's line, its title shortened when even a message of its own cannot hold it."""
    line = _item_line(p, tz)
    over = measure(line) - room
    if over <= 0:
        return line
    keep = max(1, len(p.item.title) - over - 2)
    while True:
        line = _item_line(p, tz, cut_at_word(p.item.title, keep))
        if measure(line) <= room or keep == 1:
            return line
        keep = max(1, keep - max(1, measure(line) - room))


def compose_plan(plan: DigestPlan, tz: ZoneInfo, *, now: datetime | None = None,
                 max_chars: int = TELEGRAM_LIMIT, max_items: int | None = None,
                 measure: Callable[[Line], int] = utf16_units) -> list[DigestMessage]:
    """The plan as one message, or several when ``max_chars`` / ``max_items`` would be exceeded.

    Every message starts with a header (the first with the count and period, the others
    "(تتمة)"); a group carried over to the next message repeats its label with "(تابع)".
    Lines count one more unit each for the newline that joins them.
    """
    header: Line = (Span(RLM), Span(TITLE, bold=True),
                    Span(digest_header(plan.count, plan.since, tz, now)[len(TITLE):]))
    cont: Line = (Span(RLM), Span(TITLE, bold=True), Span(" (تتمة)"))
    out: list[DigestMessage] = []
    lines: list[Line] = [header]
    ids: list[int] = []
    size = measure(header)
    for group in plan.groups:
        label = group.list.label
        room = max_chars - max(measure(header), measure(cont)) - measure(_group_line(label, True)) - 2
        started = in_this = False
        for p in group.items:
            item = _fit(p, tz, room, measure)
            need = [item] if in_this else [_group_line(label, started), item]
            extra = sum(measure(ln) + 1 for ln in need)
            if ids and ((max_items is not None and len(ids) >= max_items) or size + extra > max_chars):
                out.append(DigestMessage(tuple(lines), tuple(ids)))
                lines, ids, size = [cont], [], measure(cont)
                need = [_group_line(label, started), item]
                extra = sum(measure(ln) + 1 for ln in need)
            lines.extend(need)
            ids.append(p.item.story_id)
            size += extra
            started = in_this = True
    if ids:
        out.append(DigestMessage(tuple(lines), tuple(ids)))
    return out


def compose_digest(items: Iterable[DigestItem], since: datetime, tz: ZoneInfo, *,
                   now: datetime | None = None, max_chars: int = TELEGRAM_LIMIT, max_items: int | None = None,
                   measure: Callable[[Line], int] = utf16_units) -> list[DigestMessage]:
    """The digest of held items (empty list: nothing to send)."""
    plan = plan_digest(items, since)
    if plan is None:
        return []
    return compose_plan(plan, tz, now=now, max_chars=max_chars, max_items=max_items, measure=measure)

