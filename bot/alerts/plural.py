"""Counted nouns in Arabic: "خبر واحد، خبران، 3 أخبار، 11 خبراً، 100 خبر".

Arabic has six plural categories; which one a number takes is CLDR's rule
(``babel``: 3-10 and 103-110 are "few", 11-99 and 111-199 are "many", 100 and
101 are "other"), so the rule is not re-derived here, only the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from babel import Locale

__all__ = ["Noun", "counted", "NEWS", "SOURCES", "OTHER_OUTLETS", "MINUTES", "HOURS", "DAYS", "ALERTS", "ALERTS_GEN",
           "ALERTS_NOM", "SECONDS_AFTER", "PHRASES", "spread_phrase", "elapsed", "last_days"]

_AR = Locale("ar")

Form = Literal["zero", "one", "two", "few", "many", "other"]


@dataclass(frozen=True, slots=True)
class Noun:
    """The six forms; ``{n}`` is replaced by the number (one and two usually carry none)."""

    zero: str
    one: str
    two: str
    few: str
    many: str
    other: str

    def form(self, n: int) -> str:
        category: str = _AR.plural_form(abs(n))
        return str(getattr(self, category if category in Noun.__slots__ else "other"))


def counted(n: int, noun: Noun) -> str:
    """The number and the noun in the form the number takes."""
    return noun.form(n).replace("{n}", str(n))


NEWS = Noun("لا أخبار", "خبر واحد", "خبران", "{n} أخبار", "{n} خبراً", "{n} خبر")
# "تتناقله 4 مصادر": the subject, nominative.
SOURCES = Noun("لا مصادر", "مصدر واحد", "مصدران", "{n} مصادر", "{n} مصدراً", "{n} مصدر")
# "و3 مصادر أخرى": what is left of a list of outlets.
OTHER_OUTLETS = Noun("لا غيرها", "مصدر آخر", "مصدران آخران", "{n} مصادر أخرى", "{n} مصدراً آخر", "{n} مصدر آخر")
# "خلال 12 دقيقة": after a preposition, genitive.
# "أعدتُ 3 تنبيهات": the object, accusative.
ALERTS = Noun("لا تنبيهات", "تنبيهاً واحداً", "تنبيهين", "{n} تنبيهات", "{n} تنبيهاً", "{n} تنبيه")
# "ضُغط 3 مرات": how many times.
TIMES = Noun("ولا مرة", "مرة واحدة", "مرتين", "{n} مرات", "{n} مرة", "{n} مرة")
# "تعذّر إرسال 3 تنبيهات": after a verbal noun, genitive.
ALERTS_GEN = Noun("أي تنبيه", "تنبيه واحد", "تنبيهين", "{n} تنبيهات", "{n} تنبيهاً", "{n} تنبيه")
MINUTES = Noun("أقل من دقيقة", "دقيقة واحدة", "دقيقتين", "{n} دقائق", "{n} دقيقة", "{n} دقيقة")

# "فاتك 3 تنبيهات": the subject, nominative.
ALERTS_NOM = Noun("لا تنبيهات", "تنبيه واحد", "تنبيهان", "{n} تنبيهات", "{n} تنبيهاً", "{n} تنبيه")
# "أعد المحاولة بعد 40 ثانية": after a preposition, genitive.
SECONDS_AFTER = Noun("لحظات", "ثانية واحدة", "ثانيتين", "{n} ثوانٍ", "{n} ثانية", "{n} ثانية")
# "فصلتُه إلى 3 عبارات": after a preposition, genitive.
PHRASES = Noun("لا عبارات", "عبارة واحدة", "عبارتين", "{n} عبارات", "{n} عبارة", "{n} عبارة")


def spread_phrase(outlets: int, minutes: int) -> str:
    """'تتناقله 4 مصادر خلال 12 دقيقة' (the wording of an alert urgent by spread)."""
    return f"تتناقله {counted(outlets, SOURCES)} خلال {counted(minutes, MINUTES)}"


# After "قبل" / "منذ" (genitive; 11-99 take the accusative singular, as every counted noun does).
HOURS = Noun("أقل من ساعة", "ساعة", "ساعتين", "{n} ساعات", "{n} ساعة", "{n} ساعة")
DAYS = Noun("أقل من يوم", "يوم", "يومين", "{n} أيام", "{n} يوماً", "{n} يوم")
_TENS = {3: "الثلاثة", 4: "الأربعة", 5: "الخمسة", 6: "الستة", 7: "السبعة", 8: "الثمانية", 9: "التسعة", 10: "العشرة"}


# The same as a subject or predicate ("وأطولها ساعتان"): nominative duals.
_NOMINATIVE = (Noun("أقل من دقيقة", "دقيقة واحدة", "دقيقتان", "{n} دقائق", "{n} دقيقة", "{n} دقيقة"),
               Noun("أقل من ساعة", "ساعة", "ساعتان", "{n} ساعات", "{n} ساعة", "{n} ساعة"),
               Noun("أقل من يوم", "يوم", "يومان", "{n} أيام", "{n} يوماً", "{n} يوم"))


def elapsed(seconds: float, *, nominative: bool = False) -> str:
    """How long, for "قبل …" / "منذ …" / "كل …": 'لحظات', 'دقيقتين', '5 دقائق', '3 ساعات', 'يومين'.

    ``nominative``: for a duration that is the subject or predicate ("أقصرها دقيقتان").
    """
    minutes, hours, days = _NOMINATIVE if nominative else (MINUTES, HOURS, DAYS)
    s = max(0, int(seconds))
    if s < 60:
        return "لحظات"
    if s < 3600:
        return counted(s // 60, minutes)
    if s < 48 * 3600:
        return counted(s // 3600, hours)
    return counted(s // 86400, days)


SECONDS_NOM = Noun("لحظات", "ثانية واحدة", "ثانيتان", "{n} ثوانٍ", "{n} ثانية", "{n} ثانية")


def span(seconds: float, *, nominative: bool = False) -> str:
    """Like ``elapsed``, but a span under a minute keeps its seconds ('كل 10 ثوانٍ', not 'كل لحظات')."""
    s = max(0, int(seconds))
    if 0 < s < 60:
        return counted(s, SECONDS_NOM if nominative else SECONDS_AFTER)
    return elapsed(s, nominative=nominative)


def last_days(days: int) -> str:
    """'اليوم الأخير', 'اليومين الأخيرين', 'الأيام الثلاثة الأخيرة', 'آخر 14 يوماً' (after "خلال")."""
    if days <= 1:
        return "اليوم الأخير"
    if days == 2:
        return "اليومين الأخيرين"
    if days in _TENS:
        return f"الأيام {_TENS[days]} الأخيرة"
    return f"آخر {counted(days, DAYS)}"
