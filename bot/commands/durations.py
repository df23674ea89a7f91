"""How long to mute, as people write it: "2h", "30m", "2س", "30د", "ساعتين", "3 أيام", "أسبوع".

Input is short (a command argument) and read with one anchored, non-nested pattern, so parsing is
linear; a number is Latin or Arabic-Indic digits.
"""

from __future__ import annotations

import re

__all__ = ["parse_mute_seconds"]

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MINUTE, _HOUR, _DAY, _WEEK = 60, 3600, 86400, 7 * 86400

# A unit after a number (any spelling of its singular, dual, plural or short form).
_UNITS: dict[str, int] = {
    "s": 1, "sec": 1, "m": _MINUTE, "min": _MINUTE, "mins": _MINUTE, "minute": _MINUTE, "minutes": _MINUTE,
    "h": _HOUR, "hr": _HOUR, "hrs": _HOUR, "hour": _HOUR, "hours": _HOUR,
    "d": _DAY, "day": _DAY, "days": _DAY, "w": _WEEK, "week": _WEEK, "weeks": _WEEK,
    "د": _MINUTE, "دق": _MINUTE, "دقيقة": _MINUTE, "دقيقه": _MINUTE, "دقائق": _MINUTE, "دقيقتين": 2 * _MINUTE,
    "س": _HOUR, "سا": _HOUR, "ساعة": _HOUR, "ساعه": _HOUR, "ساعات": _HOUR,
    "ي": _DAY, "يوم": _DAY, "أيام": _DAY, "ايام": _DAY, "يوما": _DAY, "يوماً": _DAY,
    "أسبوع": _WEEK, "اسبوع": _WEEK, "أسابيع": _WEEK, "اسابيع": _WEEK, "أسبوعا": _WEEK, "أسبوعاً": _WEEK,
}
# A word that is a whole duration by itself ("ساعتين": two hours).
_WORDS: dict[str, int] = {
    "دقيقة": _MINUTE, "دقيقتين": 2 * _MINUTE, "دقيقتان": 2 * _MINUTE, "نصف ساعة": 30 * _MINUTE,
    "ربع ساعة": 15 * _MINUTE, "ساعة": _HOUR, "ساعه": _HOUR, "ساعتين": 2 * _HOUR, "ساعتان": 2 * _HOUR,
    "يوم": _DAY, "يوما": _DAY, "يومين": 2 * _DAY, "يومان": 2 * _DAY, "أسبوع": _WEEK, "اسبوع": _WEEK,
    "أسبوعين": 2 * _WEEK, "اسبوعين": 2 * _WEEK, "أسبوعان": 2 * _WEEK,
}
_NUMBER_UNIT = re.compile(r"(\d{1,6}(?:[.,]\d{1,3})?)\s*([^\d\s]{1,8})")


def parse_mute_seconds(text: str) -> int | None:
    """Seconds for a mute written as above; None when it is no duration (a bare number is minutes)."""
    s = " ".join(text.translate(_DIGITS).split()).removeprefix("لمدة ").strip()
    if not s or len(s) > 40:
        return None
    word = s.lower()
    if word in _WORDS:
        return _WORDS[word]
    if word.isdigit():
        return int(word) * _MINUTE
    m = _NUMBER_UNIT.fullmatch(word)
    if not m:
        return None
    unit = _UNITS.get(m.group(2))
    if unit is None:
        return None
    return int(float(m.group(1).replace(",", ".")) * unit)
