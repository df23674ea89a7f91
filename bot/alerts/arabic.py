"""Arabic words the alerts are made of: dates, times and fixed labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["format_datetime", "format_relative", "TZ_LABELS", "FSI", "LRI", "PDI", "RLM", "isolate", "isolate_ltr"]

FSI = "\u2068"  # first strong isolate: the text picks its own direction
LRI = "\u2066"  # left-to-right isolate: URLs and codes
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


def isolate(text: str) -> str:
    """Wrap feed text so its own direction holds and punctuation around it stays put."""
    return f"{FSI}{text}{PDI}" if text else text


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
    """A short Arabic duration: 'منذ 5 دقائق'-style words without the 'منذ'."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} ث"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} د"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} س"
    return f"{hours // 24} يوم"
