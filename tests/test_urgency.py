"""Breaking-news markers (leading only, in their common forms) and the spread rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.urgency import (
    Spread,
    SpreadRule,
    has_breaking_marker,
    is_breaking,
    is_breaking_category,
    spread_of,
    strip_breaking_marker,
)

# (headline, the title shown once the marker is stripped)
POSITIVES = [
    ("عاجل | الرئاسة تعلن وقف إطلاق النار في غزة", "الرئاسة تعلن وقف إطلاق النار في غزة"),
    ("عاجل: زلزال بقوة 6 درجات يضرب جنوب تركيا", "زلزال بقوة 6 درجات يضرب جنوب تركيا"),
    ("🔴 عاجل: مجلس الأمن يصوت على مشروع القرار", "مجلس الأمن يصوت على مشروع القرار"),
    ("🔴 عاجل | انفجار في مرفأ بيروت", "انفجار في مرفأ بيروت"),
    ("🚨🚨 عاجل - الجيش يعلن حالة الطوارئ", "الجيش يعلن حالة الطوارئ"),
    ("(عاجل) وزير الخارجية يصل إلى الرياض", "وزير الخارجية يصل إلى الرياض"),
    ("[عاجل] سقوط صواريخ على مدينة حيفا", "سقوط صواريخ على مدينة حيفا"),
    ("«عاجل» البنك المركزي يرفع سعر الفائدة", "البنك المركزي يرفع سعر الفائدة"),
    ("عاجل - مقتل 5 في غارة على رفح", "مقتل 5 في غارة على رفح"),
    ("عاجل/ الناتو يعقد اجتماعاً طارئاً", "الناتو يعقد اجتماعاً طارئاً"),
    ("عاجل| الأمم المتحدة تحذر من مجاعة", "الأمم المتحدة تحذر من مجاعة"),
    ("عاجـــل: الحكومة تستقيل", "الحكومة تستقيل"),
    ("عَاجِل: الحكومة تستقيل", "الحكومة تستقيل"),
    ("  \u200fعاجل :  اغتيال قيادي بارز", "اغتيال قيادي بارز"),
    ("عاجل — وقف الرحلات في مطار القاهرة", "وقف الرحلات في مطار القاهرة"),
    ("عاجل، البرلمان يقر الموازنة", "البرلمان يقر الموازنة"),
    ("عاجل الرئيس يصدر عفواً عاماً", "الرئيس يصدر عفواً عاماً"),
    ("⚡️ عاجل ⚡️ إطلاق نار قرب السفارة", "إطلاق نار قرب السفارة"),
    ("خبر عاجل: إغلاق مضيق هرمز", "إغلاق مضيق هرمز"),
    ("BREAKING: Ceasefire agreed in Gaza, mediators say", "Ceasefire agreed in Gaza, mediators say"),
    ("BREAKING Ukraine and Russia agree prisoner swap", "Ukraine and Russia agree prisoner swap"),
    ("BREAKING NEWS: Earthquake hits Istanbul", "Earthquake hits Istanbul"),
    ("Breaking: NATO invokes Article 4", "NATO invokes Article 4"),
    ("Breaking news: Explosion reported near Kyiv", "Explosion reported near Kyiv"),
    ("Breaking News - Israeli strike on Damascus", "Israeli strike on Damascus"),
    ("breaking | Oil prices jump 8%", "Oil prices jump 8%"),
    ("URGENT: UN Security Council to meet tonight", "UN Security Council to meet tonight"),
    ("Urgent: Evacuation ordered in northern Gaza", "Evacuation ordered in northern Gaza"),
    ("[BREAKING] Prime minister resigns", "Prime minister resigns"),
    ("(Breaking) Flights suspended at Beirut airport", "Flights suspended at Beirut airport"),
    ("🔴 BREAKING: Missile strike on Odesa port", "Missile strike on Odesa port"),
]

NEGATIVES = [
    "ليس عاجلاً: تحليل لمسار المفاوضات",
    "الحكومة: الإصلاح ليس عاجلاً",
    "عاجلاً أم آجلاً سيعود اللاجئون",
    "مطالب عاجلة بفتح المعابر",
    "اجتماع عاجل لمجلس الأمن بشأن غزة",
    "الأمم المتحدة تدعو إلى تحرك عاجل",
    "العاجل والمهم في الصحف اليوم",
    "عاجلة: تسمية غريبة لبرنامج",
    "Leaders call an urgent meeting on Gaza",
    "An urgent appeal for aid",
    "Urgent care clinics close in London",
    "Breaking the record: Kenyan runner wins",
    "Breaking Bad star visits Jordan",
    "Breaking news coverage is changing",
    "Breaking up with Russian gas, slowly",
    "Breakingviews: Oil majors bet big",
    "The breaking point for Lebanon's economy",
    "Why breaking news alerts fail",
    "",
    "🔴",
    "الناتو يعقد قمة في لاهاي",
]


@pytest.mark.parametrize(("title", "stripped"), POSITIVES)
def test_leading_markers_are_breaking(title: str, stripped: str) -> None:
    assert has_breaking_marker(title)
    assert is_breaking(title)
    assert strip_breaking_marker(title) == stripped


@pytest.mark.parametrize("title", NEGATIVES)
def test_words_that_are_not_markers(title: str) -> None:
    assert not has_breaking_marker(title)
    assert strip_breaking_marker(title) == title


def test_a_title_that_is_only_the_marker_is_kept() -> None:
    assert has_breaking_marker("عاجل")
    assert strip_breaking_marker("عاجل") == "عاجل"
    assert strip_breaking_marker("🔴 عاجل |") == "🔴 عاجل |"


@pytest.mark.parametrize("category", ["عاجل", "عاجـل", "أخبار عاجلة", "خبر عاجل", "Breaking", "BREAKING NEWS",
                                      "breaking-news", "Urgent", " urgent "])
def test_breaking_categories(category: str) -> None:
    assert is_breaking_category(category)
    assert is_breaking("الناتو يعقد قمة في لاهاي", ["سياسة", category])


@pytest.mark.parametrize("category", ["سياسة", "أخبار", "News", "World", "Breaking Bad", "urgent care", ""])
def test_other_categories(category: str) -> None:
    assert not is_breaking_category(category)
    assert not is_breaking("الناتو يعقد قمة في لاهاي", [category])


def test_marker_scan_is_linear_on_hostile_titles() -> None:
    # Long runs of what the scanner skips or reads must not blow up (no backtracking).
    for title in ("🔴" * 50_000 + "x", "(" * 50_000, "عاجل" + " " * 50_000 + "x", "ـ" * 50_000):
        has_breaking_marker(title)
        strip_breaking_marker(title)


T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_spread_reaches_three_outlets_within_the_window() -> None:
    sightings = [("Al Jazeera", _at(0)), ("BBC Arabic", _at(4)), ("Asharq", _at(11.5))]
    assert spread_of(T0, sightings) == Spread(3, 12)


def test_spread_counts_outlets_not_sightings() -> None:
    sightings = [("Al Jazeera", _at(0)), ("al jazeera ", _at(2)), ("BBC Arabic", _at(3)), ("BBC Arabic", _at(5))]
    assert spread_of(T0, sightings) is None


def test_spread_ignores_sightings_after_the_window() -> None:
    sightings = [("a", _at(0)), ("b", _at(10)), ("c", _at(31)), ("d", _at(45))]
    assert spread_of(T0, sightings) is None
    assert spread_of(T0, sightings, SpreadRule(outlets=2)) == Spread(2, 10)
    assert spread_of(T0, sightings, SpreadRule(outlets=4, window=timedelta(hours=1))) == Spread(4, 45)


def test_spread_reports_every_outlet_inside_the_window() -> None:
    sightings = [("a", _at(0)), ("b", _at(1)), ("c", _at(2)), ("d", _at(11.2)), ("e", _at(30))]
    assert spread_of(T0, sightings) == Spread(5, 30)


def test_spread_minutes_are_at_least_one() -> None:
    sightings = [("a", T0), ("b", T0 + timedelta(seconds=5)), ("c", T0 + timedelta(seconds=20))]
    assert spread_of(T0, sightings) == Spread(3, 1)


def test_spread_without_sightings() -> None:
    assert spread_of(T0, []) is None
    assert spread_of(T0, [("", _at(1)), ("  ", _at(2)), ("a", _at(3))], SpreadRule(outlets=2)) is None
