"""The small readers and writers behind issue 14's replies: durations, reasons, links, counts, terms."""

from __future__ import annotations

import pytest

from bot.alerts.plural import counted, elapsed, last_days, span
from bot.commands.durations import parse_mute_seconds
from bot.commands.feeds import feed_address
from bot.commands.reasons import fetch_reason, reason_key
from bot.commands.reply import term_text, trim_symbols
from bot.commands.texts import FETCH_REASONS, N
from bot.domain.stories import visible_url


@pytest.mark.parametrize(("text", "seconds"), [
    ("2h", 7200), ("30m", 1800), ("1d", 86400), ("ساعتين", 7200), ("2س", 7200), ("30د", 1800), ("٢ س", 7200),
    ("3 أيام", 3 * 86400), ("أسبوع", 7 * 86400), ("يومين", 2 * 86400), ("لمدة ساعة", 3600), ("نصف ساعة", 1800),
    ("1.5h", 5400), ("45", 45 * 60), ("90 دقيقة", 5400),
])
def test_mute_durations_as_people_write_them(text: str, seconds: int) -> None:
    assert parse_mute_seconds(text) == seconds


@pytest.mark.parametrize("text", ["forever", "للأبد", "", "-5h", "2 قرون", "h2", "x" * 100])
def test_not_a_duration(text: str) -> None:
    assert parse_mute_seconds(text) is None


@pytest.mark.parametrize(("message", "key"), [
    ("cannot connect: [Errno -2] Name or service not known", "dns"),
    ("cannot connect: [Errno 111] Connection refused", "connect"),
    ("HTTP 404", "not_found"), ("HTTP 403", "forbidden"), ("HTTP 503", "server"), ("HTTP 418", "http"),
    ("HTTP 410", "gone"), ("timed out after 30s", "timeout"), ("address not allowed (private)", "blocked"),
    ("more than 5 redirects", "redirects"), ("response larger than 5 bytes", "too_large"),
    ("not a feed: no items", "not_feed"), ("internal error: KeyError", "internal"),
    ("disabled after 5 failures in a row: timed out after 30s", "timeout"), (None, "network"), ("?", "network"),
])
def test_every_failure_has_an_arabic_reason(message: str | None, key: str) -> None:
    assert reason_key(message)[0] == key
    reason = fetch_reason(message)
    assert reason in {v.format(status=s) for v in FETCH_REASONS.values() for s in ("", 403, 418, 503)}
    assert not [w for w in reason.split() if w.isascii() and w.isalpha() and w not in ("RSS", "Atom")]


def test_visible_links_lose_click_trackers_only() -> None:
    assert visible_url("https://x.example/a?utm_source=rss&id=3&fbclid=1#top") == "https://x.example/a?id=3#top"
    assert visible_url("https://x.example/a?gclid=1&utm_medium=x") == "https://x.example/a"
    assert visible_url("https://x.example/a?ref=home&page=2") == "https://x.example/a?ref=home&page=2"
    assert visible_url("https://x.example/a") == "https://x.example/a"


def test_bare_feed_addresses_are_https() -> None:
    assert feed_address("bbc.com/arabic") == "https://bbc.com/arabic"
    assert feed_address(" <www.example.org> ") == "https://www.example.org"
    assert feed_address("http://x.example/rss") == "http://x.example/rss"
    assert feed_address("javascript:alert(1)") == "javascript:alert(1)"  # refused later, not rewritten
    assert feed_address("") == ""


@pytest.mark.parametrize(("n", "sent", "failed"), [
    (0, "لم يُرسَل أي تنبيه بعد", ""), (1, "أُرسل تنبيه واحد", "تعذّر إرسال تنبيه واحد"),
    (2, "أُرسل تنبيهان", "تعذّر إرسال تنبيهين"), (3, "أُرسلت 3 تنبيهات", "تعذّر إرسال 3 تنبيهات"),
    (11, "أُرسل 11 تنبيهاً", "تعذّر إرسال 11 تنبيهاً"), (100, "أُرسل 100 تنبيه", "تعذّر إرسال 100 تنبيه"),
])
def test_counted_sentences_follow_cldr(n: int, sent: str, failed: str) -> None:
    assert counted(n, N.SENT) == sent and counted(n, N.FAILED) == failed


def test_failing_sources_agree_with_their_number() -> None:
    assert [counted(n, N.FAILING) for n in (1, 2, 5, 12)] == [
        "مصدر واحد متعثّر", "مصدران متعثّران", "5 مصادر متعثّرة", "12 مصدراً متعثّراً"]


def test_elapsed_and_periods_in_words() -> None:
    assert [elapsed(s) for s in (0, 59, 120, 300, 3600, 7200, 3 * 86400)] == [
        "لحظات", "لحظات", "دقيقتين", "5 دقائق", "ساعة", "ساعتين", "3 أيام"]
    assert elapsed(7200, nominative=True) == "ساعتان"
    assert [last_days(d) for d in (1, 2, 3, 7, 14)] == [
        "اليوم الأخير", "اليومين الأخيرين", "الأيام الثلاثة الأخيرة", "الأيام السبعة الأخيرة", "آخر 14 يوماً"]


def test_terms_shown_without_their_own_quotes_or_emoji() -> None:
    assert term_text("«الناتو»").strip("\u2067\u2068\u2069") == "الناتو"
    assert term_text('"وقف إطلاق النار"').strip("\u2067\u2068\u2069") == "وقف إطلاق النار"
    assert term_text("«الـ«ناتو»").strip("\u2067\u2068\u2069") == "«الـ«ناتو»"  # not one pair: left alone
    assert trim_symbols("🔴 عاجل 🔴") == "عاجل" and trim_symbols("👍🏽 شكراً") == "شكراً"
    assert trim_symbols("🇺🇦") == "🇺🇦"  # nothing else: kept (and refused as a term)


@pytest.mark.parametrize(("seconds", "nominative", "expected"), [
    (10, True, "10 ثوانٍ"), (10, False, "10 ثوانٍ"), (2, True, "ثانيتان"), (2, False, "ثانيتين"),
    (45, False, "45 ثانية"), (0, False, "لحظات"), (90, True, "دقيقة واحدة"), (7200, True, "ساعتان"),
])
def test_a_span_under_a_minute_keeps_its_seconds(seconds: int, nominative: bool, expected: str) -> None:
    """A feed polled every 10 s is 'كل 10 ثوانٍ' in /status, never 'كل لحظات'."""
    assert span(seconds, nominative=nominative) == expected
