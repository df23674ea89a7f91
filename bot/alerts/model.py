"""One neutral alert, formatted once; each platform only renders and escapes it.

``AlertView`` holds the finished Arabic wording as lines of ``Span``s (text,
bold or link). Feed text inside is wrapped in Unicode isolates so Latin names
and URLs keep their direction inside right-to-left lines. Renderers escape
every span for their platform; nothing here knows about HTML or Slack.

Feed text is cleaned on the way in (``bot.domain.sanitize``); it is cleaned
again here, piece by piece, so no bidi override, zero-width character or
control from a feed, a source name or a link reaches any platform whatever
path it came by. Only the direction marks added here (RLM, RLI/FSI/LRI, PDI) remain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.alerts.arabic import RLM, format_datetime, isolate, isolate_ltr, isolate_mark
from bot.alerts.plural import OTHER_OUTLETS, counted, spread_phrase
from bot.domain.addresses import address_spans, inside_address
from bot.domain.matcher import Match
from bot.domain.sanitize import plain_text as _clean
from bot.domain.stories import cut_at_word, visible_url
from bot.domain.text import normalize

__all__ = ["Match", "Topic", "Outlet", "Alert", "Span", "Mention", "AlertButton", "AlertView", "format_alert",
           "SUMMARY_LIMIT", "TITLE_LIMIT", "URGENT_MARK"]

SUMMARY_LIMIT = 300
TITLE_LIMIT = 300  # a feed's 530-character "title" is cut (with an ellipsis) well inside any message limit
URGENT_MARK = "عاجل"
MAX_ALSO = 8


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    tag: str


@dataclass(frozen=True, slots=True)
class Outlet:
    """Another outlet that carried the story, and its own article."""

    name: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    story_id: int
    title: str
    summary: str
    link: str
    source: str
    published_at: datetime | None
    topics: tuple[Topic, ...]
    matches: tuple[Match, ...]
    also: tuple[Outlet, ...] = ()
    lang: str | None = None  # the feed's language: "ar" lays a Latin-led Arabic title right to left
    urgent: bool = False  # the urgent tier: a leading "🔴 عاجل" line
    spread: tuple[int, int] | None = None  # (outlets, minutes) when urgent because it spread
    silent: bool = False  # send without a notification sound (the chat chose /notify urgent)
    here: bool = False  # an urgent Slack alert may notify the channel (it opted in)


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Mention(Span):
    """A real mention of a member, written by each platform its own way (never built from feed text).

    ``user`` is the platform's user id (Slack "U…", a Telegram numeric id) when known; otherwise
    ``text`` is a Telegram "@username" a chat admin typed.
    """

    user: str = ""


@dataclass(frozen=True, slots=True)
class AlertButton:
    """A button on an alert: its Arabic label, and the signed token the platform hands back."""

    action: str  # AlertAction value
    label: str
    token: str


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    """The alert's wording, line by line, ready to render."""

    header: Line
    title: Line
    summary: Line
    meta: Line
    why: Line
    link: Line
    also: Line | None
    hashtags: Line
    url: str
    topics: tuple[Topic, ...] = field(default=())
    work: tuple[Line, ...] = ()  # who took it, who it is assigned to (bot.alerts.work)
    actions: tuple[AlertButton, ...] = ()
    tier: Line = ()  # "🔴 عاجل" (and how far it spread) for an urgent alert
    silent: bool = False
    here: bool = False

    def lines(self, *, with_summary: bool = True) -> list[Line]:
        out = [self.tier, self.header, self.title]
        if with_summary and self.summary:
            out.append(self.summary)
        out.extend([self.meta, self.why])
        if self.also:
            out.append(self.also)
        out.extend([self.link, self.hashtags, *self.work])
        return [ln for ln in out if ln]

    def plain_text(self, *, with_summary: bool = True) -> str:
        return "\n".join("".join(s.text for s in ln) for ln in self.lines(with_summary=with_summary))


def _marked(text: str, spans: Iterable[tuple[int, int]], lang: str | None = None) -> Line:
    """Text cut into plain and bold pieces (matched words bold), isolated as a whole."""
    merged: list[list[int]] = []
    addresses = address_spans(text)  # never bold inside a URL, an e-mail address or a handle
    for s, e in sorted(spans):
        s, e = max(0, s), min(len(text), e)
        if s >= e or inside_address(addresses, s, e):
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces: list[Span] = [Span(RLM + isolate_mark(text, lang))]
    pos = 0
    for s, e in merged:  # offsets are into the text as matched: clean each piece, not the whole
        if pos < s:
            pieces.append(Span(_clean(text[pos:s])))
        pieces.append(Span(_clean(text[s:e]), bold=True))
        pos = e
    if pos < len(text):
        pieces.append(Span(_clean(text[pos:])))
    pieces.append(Span("\u2069"))
    return tuple(p for p in pieces if p.text)


def _link(url: str | None) -> str | None:
    """A link as readers see it: cleaned, click trackers removed; None when there is none."""
    cleaned = visible_url(_clean(url or "").strip())
    return cleaned if cleaned.lower().startswith(("http://", "https://")) else None


def format_alert(alert: Alert, tz: ZoneInfo, *, summary_limit: int = SUMMARY_LIMIT,
                 title_limit: int = TITLE_LIMIT) -> AlertView:
    """The one Arabic wording of an alert."""
    labels = " · ".join(_clean(t.label) for t in alert.topics) or "تنبيه"
    header: Line = (Span(RLM + "🔔 "), Span(labels, bold=True))

    title_text = cut_at_word(alert.title, title_limit)
    title_marks = [(m.start, m.end) for m in alert.matches if m.field == "title" and m.end <= len(title_text)]
    title = _marked(title_text, title_marks, alert.lang)

    summary_text = cut_at_word(alert.summary, summary_limit) if alert.summary else ""
    if summary_text and normalize(summary_text) == normalize(alert.title):
        summary_text = ""  # a feed that repeats its title as the summary: said once
    summary_marks = [(m.start, m.end) for m in alert.matches if m.field == "summary" and m.end <= len(summary_text)]
    summary = _marked(summary_text, summary_marks, alert.lang) if summary_text else ()

    when = format_datetime(alert.published_at, tz) if alert.published_at else "وقت النشر غير معروف"
    meta: Line = (Span(f"{RLM}📰 {isolate(_clean(alert.source), alert.lang)} · {when}"),)

    why_parts: list[str] = []
    for topic in alert.topics:
        surfaces: list[str] = []
        for m in alert.matches:
            surface = _clean(m.surface)
            if m.watchlist == topic.id and surface and surface not in surfaces:
                surfaces.append(surface)
        if surfaces:
            words = "، ".join(f"«{isolate(s)}»" for s in surfaces[:5])
            why_parts.append(f"{_clean(topic.label)}: {words}")
    why: Line = (Span(f"{RLM}🔎 سبب التنبيه: " + "؛ ".join(why_parts)),) if why_parts else ()

    also: Line | None = None
    if alert.also:
        outlets: dict[str, str | None] = {}
        for o in alert.also:
            name = _clean(o.name)
            if name and not outlets.get(name):
                outlets[name] = _link(o.link)
        pieces: list[Span] = [Span(f"{RLM}🗞️ وأوردته أيضاً: ")]
        for i, (name, href) in enumerate(list(outlets.items())[:MAX_ALSO]):
            if i:
                pieces.append(Span("، "))
            pieces.append(Span(isolate(name), href=href))
        if len(outlets) > MAX_ALSO:
            pieces.append(Span(f" و{counted(len(outlets) - MAX_ALSO, OTHER_OUTLETS)}"))
        also = tuple(pieces)

    url = visible_url(_clean(alert.link).strip())
    link: Line = (Span(RLM + "🔗 "), Span(isolate_ltr(url), href=url)) if url else ()
    hashtags: Line = (Span(RLM + " ".join(f"#{_clean(t.tag)}" for t in alert.topics)),) if alert.topics else ()
    tier: Line = ()
    if alert.urgent:
        tier = (Span(RLM + "🔴 "), Span(URGENT_MARK, bold=True))
        if alert.spread is not None:
            tier = (*tier, Span(" · " + spread_phrase(*alert.spread)))
    return AlertView(header, title, summary, meta, why, link, also, hashtags, url, alert.topics, tier=tier,
                     silent=alert.silent, here=alert.here)
