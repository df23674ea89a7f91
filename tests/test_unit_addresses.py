"""URLs, e-mail addresses and @handles are not words of a story: never matched, never bold."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.alerts.model import Alert, Topic, format_alert
from bot.domain.addresses import address_spans, mask_addresses
from bot.domain.matcher import Match, Matcher
from bot.domain.watchlists import Term, Watchlist

NATO = Watchlist("nato", "حلف الناتو", (Term("nato"), Term("الناتو")), builtin=True)
GAZA = Watchlist("gaza", "غزة", (Term("gaza"), Term("غزة")), builtin=True)


def found(text: str) -> list[str]:
    return [text[s:e] for s, e in address_spans(text)]


def test_addresses_found_with_trailing_punctuation_left_out() -> None:
    text = ("المصدر: https://www.gaza-market.example/gold، وانظر https://nato-watch.example.org/. "
            "راسلونا press@nato.int أو تابعوا @nato_watch وموقع nato.int/news (أو www.nato.int).")
    assert found(text) == ["https://www.gaza-market.example/gold", "https://nato-watch.example.org/",
                           "press@nato.int", "@nato_watch", "nato.int/news", "www.nato.int"]


def test_ordinary_words_and_abbreviations_are_not_addresses() -> None:
    for text in ("قال الناتو.", "U.S. forces, e.g. 3.5 kg", "NATO.Ukraine", "الساعة 10.30", "#الناتو", "a.b.c"):
        assert found(text) == [], text


def test_mask_keeps_every_other_offset() -> None:
    text = "الناتو nato.int غزة"
    masked = mask_addresses(text)
    assert len(masked) == len(text) and masked.split() == ["الناتو", "غزة"]


def test_linear_on_hostile_runs() -> None:
    for text in ("ab." * 30000 + "1", "a-" * 40000, "x@a." * 20000, "@" * 60000, "www." * 20000):
        assert isinstance(address_spans(text), list)  # returns (the patterns cannot backtrack quadratically)


def test_links_in_summary_do_not_match() -> None:
    m = Matcher([NATO, GAZA])
    summary = "أسعار الذهب: https://www.gaza-market.example/gold و https://nato-watch.example.org/ و@nato و nato.int"
    assert m.match("ارتفاع أسعار الذهب في الأسواق", summary) == []
    hits = m.match("NATO summit", "see nato.int — الناتو يجتمع")
    assert [(h.field, h.surface) for h in hits] == [("title", "NATO"), ("summary", "الناتو")]


def test_never_bold_inside_an_address() -> None:
    text = "تفاصيل على nato.int اليوم"
    start = text.index("nato")
    alert = Alert(1, "قمة", text, "https://x.example/1", "وكالة", None, (Topic("nato", "حلف الناتو", "الناتو"),),
                  (Match("nato", "nato", "summary", start, start + 4, "nato"),))
    view = format_alert(alert, ZoneInfo("UTC"))
    assert not [s for s in view.summary if s.bold]
