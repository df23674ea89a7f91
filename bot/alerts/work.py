"""The Arabic of work on an alert: its buttons, and the lines saying who took it and who it is assigned to."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.alerts.arabic import RLM, isolate
from bot.alerts.model import AlertButton, AlertView, Line, Mention, Span
from bot.domain.alerting import NoticePayload
from bot.domain.alertwork import AlertWork
from bot.domain.sanitize import plain_text as _clean
from bot.domain.states import AlertAction

__all__ = ["LABELS", "work_lines", "with_work", "follow_up_notice"]

LABELS = {
    AlertAction.ACK: "✅ تابعتُه",
    AlertAction.IRRELEVANT: "🔕 ليس ذا صلة",
    AlertAction.ASSIGN: "👤 أسنده",
    AlertAction.FOLLOW: "🔔 تابع القصة",
}


def assignee_span(work: AlertWork) -> Span:
    name = _clean(work.assignee_name or "")
    if work.assignee_id:
        return Mention(isolate(name) if name else work.assignee_id, user=work.assignee_id)
    return Mention(name)  # a Telegram "@username" an admin typed


def work_lines(work: AlertWork | None, tz: ZoneInfo) -> tuple[Line, ...]:
    """'✅ تابعه: سارة · 20:31', '👤 مسند إلى: @ali (أسنده: سارة)'."""
    if work is None:
        return ()
    out: list[Line] = []
    if work.acked_by_id and work.acked_at is not None:
        who = isolate(_clean(work.acked_by or work.acked_by_id))
        out.append((Span(f"{RLM}✅ تابعه: {who} · {work.acked_at.astimezone(tz):%H:%M}"),))
    if work.assignee_id or work.assignee_name:
        by = f" (أسنده: {isolate(_clean(work.assigned_by))})" if work.assigned_by else ""
        out.append((Span(f"{RLM}👤 مسند إلى: "), assignee_span(work), Span(by)))
    if work.followed_by_id:
        out.append((Span(f"{RLM}🔔 القصة متابَعة (تابعها: {isolate(_clean(work.followed_by or work.followed_by_id))})"),))
    return tuple(out)


def follow_up_notice(title: str, outlet: str, link: str) -> NoticePayload:
    """A later copy of a followed story, posted as a reply to its alert: the outlet that carried it, and where."""
    name = _clean(outlet) or "مصدر آخر"
    lines = (f"{RLM}🗞️ أوردتها أيضاً: {isolate(name)}", _clean(link))
    return NoticePayload(f"{RLM}🔔 تحديث للقصة التي تتابعونها: {_clean(title)}"[:300], lines)


def with_work(view: AlertView, work: AlertWork | None, tz: ZoneInfo, tokens: dict[AlertAction, str]) -> AlertView:
    """The alert with its work lines and buttons (the buttons stay: a late press is answered, not lost)."""
    buttons = tuple(AlertButton(a.value, LABELS[a], t) for a, t in tokens.items())
    return replace(view, work=work_lines(work, tz), actions=buttons)
