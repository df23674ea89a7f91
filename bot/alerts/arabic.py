"""Arabic words the alerts are made of: dates, times and fixed labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.alerts.plural import span

__all__ = ["format_datetime", "format_relative", "TZ_LABELS", "FSI", "LRI", "RLI", "PDI", "RLM", "isolate",
           "isolate_ltr", "isolate_mark", "is_mostly_arabic"]

FSI = "\u2068"  # first strong isolate: the text picks its own direction
LRI = "\u2066"  # left-to-right isolate: URLs and codes
RLI = "\u2067"  # right-to-left isolate: Arabic text, even when its first word is Latin
PDI = "\u2069"
RLM = "\u200f"

MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
          "أكتوبر", "نوفمبر", "ديسمبر")
WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")

TZ_LABELS = {
    "Asia/Riyadh": "الرياض", "Asia/Dubai": "دبي", "Asia/Qatar": "الدوحة", "Asia/Kuwait": "الكويت",
    "Asia/Bahrain": "المنامة", "Asia/Muscat": "مسقط", "Asia/Aden": "عدن", "Asia/Baghdad": "بغداد",
    "Asia/Amman": "عمّان", "Asia/Damascus": "دمشق", "Asia/Beirut": "بيروت", "Asia/Jerusalem": "القدس",
    "Asia/Gaza": "غزة", "Asia/Hebron": "الخليل", "Asia/Tehran": "طهران", "Africa/Cairo": "القاهرة",
    "Africa/Khartoum": "الخرطوم", "Africa/Tripoli": "طرابلس", "Africa/Tunis": "تونس",
    "Africa/Algiers": "الجزائر", "Africa/Casablanca": "الدار البيضاء", "Africa/Nouakchott": "نواكشوط",
    "Europe/Moscow": "موسكو", "Europe/Kyiv": "كييف", "Europe/Kiev": "كييف", "Europe/Istanbul": "إسطنبول",
    "Europe/London": "لندن", "Europe/Paris": "باريس", "Europe/Berlin": "برلين", "UTC": "غرينتش",
    "Etc/UTC": "غرينتش", "America/New_York": "نيويورك", "America/Washington": "واشنطن",
}


def _letters(text: str) -> tuple[int, int]:
    """(Arabic-script letters, other letters) in ``text``."""
    arabic = other = 0
    for ch in text:
        if not ch.isalpha():
            continue
        o = ord(ch)
        if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF or 0xFB50 <= o <= 0xFEFF:
            arabic += 1
        else:
            other += 1
    return arabic, other


def is_mostly_arabic(text: str) -> bool:
    """More Arabic-script letters than Latin (or other) ones: the text reads right to left."""
    arabic, other = _letters(text)
    return arabic > other


def isolate_mark(text: str, lang: str | None = None) -> str:
    """The isolate that opens ``text``: RLI for Arabic, FSI (the text's first strong letter) otherwise.

    FSI alone lays out "NATO تعلن ..." left to right because its first strong letter is Latin;
    an Arabic line that starts with a Latin word must still read right to left. ``lang`` (the
    feed's language) tips a mixed text with any Arabic in it to RLI.
    """
    arabic, other = _letters(text)
    if arabic and (arabic >= other or lang == "ar"):  # a tie ("NATO تعلن") reads as the Arabic around it
        return RLI
    return FSI


def isolate(text: str, lang: str | None = None) -> str:
    """Wrap feed text so its own direction holds and punctuation around it stays put."""
    return f"{isolate_mark(text, lang)}{text}{PDI}" if text else text


def isolate_ltr(text: str) -> str:
    """Wrap a URL or code, always left-to-right."""
    return f"{LRI}{text}{PDI}" if text else text


def _tz_label(tz: ZoneInfo, moment: datetime) -> str:
    name = TZ_LABELS.get(tz.key)
    if name:
        return f"بتوقيت {name}"
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"بتوقيت غرينتش{sign}{hours}" + (f":{mins:02d}" if mins else "")


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    """'الأحد 29 نوفمبر 2026، 13:05 بتوقيت الرياض'."""
    local = moment.astimezone(tz)
    return (
        f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}، "
        f"{local:%H:%M} {_tz_label(tz, local)}"
    )


def format_relative(seconds: float) -> str:
    """How long, in words after "منذ" / "كل": 'لحظات', '12 ثانية', 'دقيقتين', '6 ساعات' (CLDR plurals).

    Seconds are kept (a delivery that took 12 s is not "moments"); from a minute on, as ``elapsed``.
    """
    return span(seconds)
