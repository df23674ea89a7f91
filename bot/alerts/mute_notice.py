"""What a destination hears when its mute ends, and how many alerts it missed (they are not sent later)."""

from __future__ import annotations

from bot.alerts.address import addressee_for
from bot.alerts.plural import ALERTS_NOM, counted
from bot.domain.alerting import NoticePayload

__all__ = ["MUTE_ENDED", "MISSED", "MISSED_NONE", "MISSED_HOW", "missed_line", "mute_ended_notice"]

MUTE_ENDED = "🔔 انتهى الكتم، و{gets} التنبيهات من جديد."
MISSED = "{missed} أثناء الكتم {count}؛ التنبيهات المكتومة لا تُرسَل لاحقاً."
MISSED_NONE = "{none} أثناء الكتم."
MISSED_HOW = "لرؤية الأخبار التي كانت ستطابق عبارةً ما: /preview العبارة"


def missed_line(missed: int, kind: str, thread_id: int = 0, *, named: bool = False) -> str:
    """'فاتك أثناء الكتم 3 تنبيهات؛ …' or 'لم يفتك أي تنبيه أثناء الكتم.'"""
    who = addressee_for(kind, thread_id, named=named)
    if missed <= 0:
        return MISSED_NONE.format(none=who.missed_none)
    return MISSED.format(missed=who.missed, count=counted(missed, ALERTS_NOM))


def mute_ended_notice(missed: int, kind: str, thread_id: int = 0) -> NoticePayload:
    """The notice written to the outbox when a mute runs out."""
    who = addressee_for(kind, thread_id)
    return NoticePayload(MUTE_ENDED.format(gets=who.gets), (missed_line(missed, kind, thread_id),))
