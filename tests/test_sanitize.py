"""The text cleaner: what goes, what stays (ZWNJ, emoji ZWJ sequences, Arabic joining), and that it is stable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.sanitize import INVISIBLE, plain_text
from bot.feeds.ssrf import AddressGuard, BlockedAddress


@pytest.mark.parametrize("raw,clean", [
    ("abc\u202egnp.exe", "abcgnp.exe"),
    ("a\u200bb\x00c\ufeff\u2060d", "abcd"),
    ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061cنص", "نص"),
    ("line\u2028two", "line two"),
    ("tab\tand\nnewline\r\x7f\x85", "tab\tand\nnewline"),
    ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ is Persian spelling
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # a family emoji is one ZWJ sequence
    ("ل\u200dا", "ل\u200dا"),  # ZWJ between Arabic letters changes the drawn form
    ("a\u200db", "ab"), ("\u200dx", "x"), ("x\u200d", "x"),
    ("hi\U000e0041\U000e0042", "hi"),  # tag characters smuggle hidden text
    ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"),
    ("", ""), ("plain ascii", "plain ascii"),
])
def test_cleaning_table(raw: str, clean: str) -> None:
    assert plain_text(raw) == clean


@given(st.text())
def test_nothing_invisible_survives_and_cleaning_is_stable(text: str) -> None:
    out = plain_text(text)
    assert not any(ord(c) in INVISIBLE for c in out)
    assert plain_text(out) == out
    assert text.count("\u200c") == out.count("\u200c")


@pytest.mark.parametrize("url", ["http://Bücher.de/feed", "http://пример.рф/rss", "http://مثال.مصر/rss",
                                 "http://日本語.jp/", "http://ПРИМЕР.РФ/", "https://news.example.com./x"])
def test_ordinary_international_names_are_admitted(url: str) -> None:
    admitted = AddressGuard().admit(url)
    assert admitted.host.isascii() and admitted.url.raw_host == admitted.host


@pytest.mark.parametrize("url", ["http://ex\u0430mple.com/", "http://xn--exmple-4nf.com/", "http://pаypal.com/",
                                 "http://ℯxample.com/", "http://ﬁle.example/", "http://a\u00adb.example/",
                                 "http://example\u3002com/", "http://１２７.０.０.１/"])
def test_surprising_hosts_are_lookalikes(url: str) -> None:
    with pytest.raises(BlockedAddress) as err:
        AddressGuard().admit(url)
    assert err.value.reason == "lookalike"
