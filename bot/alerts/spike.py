"""A spike alert, formatted once: "⚡ ارتفاع مفاجئ: 14 خبراً عن وقف إطلاق النار من 6 مصادر خلال 30 دقيقة".

The wording counts with CLDR plural rules (``bot.alerts.plural``), names what
is usual, links the top three headlines, and carries a chart of the last 24
hours (``bot.alerts.chart``; no words in the image, all of them here, in the
caption). Renderers escape every span for their platform, as for any alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.alerts.arabic import RLM, isolate
from bot.alerts.chart import Line as ChartLine
from bot.alerts.chart import lines_chart, spike_chart
from bot.alerts.model import Span, Topic
from bot.alerts.plural import MINUTES, NEWS, SOURCES, counted
from bot.domain.alerting import ChartPayload, SpikePayload
from bot.domain.sanitize import plain_text as _clean
from bot.domain.stories import cut_at_word

__all__ = ["SpikeView", "format_spike", "format_chart", "spike_headline", "usual_phrase", "CAPTION_LIMIT"]

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption (visible characters)
TITLE_LIMIT = 160

Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class SpikeView:
    """The caption, line by line, and the chart it goes with (PNG bytes)."""

    lines: tuple[Line, ...]
    chart: bytes
    filename: str
    topic: Topic | None = None  # None: a chart asked for by a command (/trends)

    def plain_text(self) -> str:
        return "\n".join("".join(s.text for s in ln) for ln in self.lines)


def usual_phrase(usual: float | None) -> str:
    """'(المعتاد: 2)'; without history: no usual rate yet."""
    if usual is None:
        return "(لا سجل سابق للمقارنة بعد)"
    n = round(usual)
    return f"(المعتاد: {n})" if n >= 1 else "(المعتاد: أقل من خبر واحد)"


def spike_headline(stories: int, label: str, outlets: int, minutes: int, usual: float | None) -> str:
    """The first line, without its emphasis: what, how much, and compared with what."""
    return (f"⚡ ارتفاع مفاجئ: {counted(stories, NEWS)} عن {label} من {counted(outlets, SOURCES)} "
            f"خلال {counted(minutes, MINUTES)} {usual_phrase(usual)}")


def format_spike(payload: SpikePayload, topic: Topic, tz: ZoneInfo) -> SpikeView:
    """The one wording of a spike alert, and its chart rendered (a few tens of milliseconds)."""
    rule = _clean(payload.label)  # a chat rule: its text, isolated (Latin or mixed inside Arabic)
    label = isolate(rule) if rule else (_clean(topic.label) or _clean(payload.watchlist))
    lines: list[Line] = [(Span(RLM + spike_headline(payload.stories, label, payload.outlets, payload.minutes,
                                                    payload.usual), bold=True),)]
    for i, h in enumerate(payload.headlines[:3], start=1):
        title = cut_at_word(_clean(h.title), TITLE_LIMIT) or _clean(h.link)
        link = _clean(h.link).strip()
        source = _clean(h.source)
        line: list[Span] = [Span(f"{RLM}{i}. ")]
        line.append(Span(isolate(title), href=link) if link else Span(isolate(title)))
        if source:
            line.append(Span(f" — {isolate(source)}"))
        lines.append(tuple(line))
    lines.append((Span(RLM + "📈 عدد الأخبار كل 15 دقيقة خلال آخر 24 ساعة، والارتفاع بالأحمر"),))
    if topic.tag:
        lines.append((Span(f"{RLM}#{_clean(topic.tag)}"),))
    chart = spike_chart(payload.series, payload.highlight, payload.series_start, tz, timedelta(minutes=15))
    name = "rule" if rule else payload.watchlist
    return SpikeView(tuple(lines), chart, f"spike-{name}.png", topic)


def _legend(text: str) -> str:
    """'rule1 = NATO + أوكرانيا': the label (a list's or a rule's text) isolated, so a Latin rule keeps its order."""
    name, sep, label = text.partition(" = ")
    return f"{name}{sep}{isolate(label)}" if sep and label else text


def format_chart(payload: ChartPayload, tz: ZoneInfo) -> SpikeView:
    """A line chart (one line per list, Latin ids in its legend) with its Arabic caption."""
    lines = tuple((Span(RLM + _legend(_clean(text)) if i else RLM + _clean(text)),)
                  for i, text in enumerate(payload.caption) if _clean(text))
    chart = lines_chart([ChartLine(wl, counts) for wl, counts in payload.lines], payload.start, tz,
                        timedelta(minutes=max(1, payload.step_minutes)))
    return SpikeView(lines, chart, "trends.png")
