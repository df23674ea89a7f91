"""Counted nouns in Arabic: "خبر واحد، خبران، 3 أخبار، 11 خبراً، 100 خبر".

Arabic has six plural categories; which one a number takes is CLDR's rule
(``babel``: 3-10 and 103-110 are "few", 11-99 and 111-199 are "many", 100 and
101 are "other"), so the rule is not re-derived here, only the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from babel import Locale

__all__ = ["Noun", "counted", "NEWS", "SOURCES", "MINUTES", "ALERTS", "ALERTS_GEN", "ALERTS_NOM", "SECONDS_AFTER",
           "PHRASES", "spread_phrase"]

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
# "خلال 12 دقيقة": after a preposition, genitive.
# "أعدتُ 3 تنبيهات": the object, accusative.
ALERTS = Noun("لا تنبيهات", "تنبيهاً واحداً", "تنبيهين", "{n} تنبيهات", "{n} تنبيهاً", "{n} تنبيه")
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
