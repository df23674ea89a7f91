"""Turning feed bytes into entries: right first, fast second.

1. Decode (:mod:`bot.feeds.decode`): BOM, HTTP charset, XML prolog — the
   bytes overruling a declaration they prove wrong; stray bytes replaced
   where they are.
2. JSON Feed documents are read as JSON (:mod:`bot.feeds.jsonfeed`).
3. Prepare (:mod:`bot.feeds.prepare`): DOCTYPE and entity declarations
   removed, every entity reference normalised (named HTML entities, bare
   ``&``), CDATA and comments left alone, and facts about the markup taken.
4. Choose the parser (:func:`choose_parser`): fastfeedparser (~1 ms for 50
   items) only when the document is well-formed XML and has nothing the fast
   parser is known to misread; feedparser otherwise. The fast result is still
   checked (it must find every ``<item>``/``<entry>``) and falls back when not.
5. Titles and summaries leave here as plain text (``ParsedEntry``): HTML is
   cleaned by :func:`bot.domain.markup.html_to_text`, plain text is kept as
   written (``Why <b> beats <strong>`` stays so). Summaries are whole: they
   are cut only for display. Links are resolved against ``xml:base`` and the
   feed's own URL.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import fastfeedparser
import feedparser
from lxml import etree  # type: ignore[import-untyped]

from bot.domain.markup import fold_text, html_to_text, looks_like_html
from bot.domain.urgency import is_breaking_category
from bot.errors import NewsbotError
from bot.feeds.decode import decode_document
from bot.feeds.jsonfeed import NotJsonFeed, looks_like_json_feed, read_json_feed
from bot.feeds.prepare import Facts, HostileDeclarations, prepare_xml
from bot.feeds.sitemap import NotANewsSitemap, looks_like_sitemap, read_news_sitemap
from bot.feeds.telegram import looks_like_channel_preview, read_channel_preview

__all__ = ["ParsedFeed", "ParsedEntry", "NotAFeed", "EntityDeclarations", "parse_feed", "decode_document",
           "choose_parser"]

_PROLOG_TEXT = re.compile(r"^(\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]{1,40})([\"'])", re.IGNORECASE)
_TTL = re.compile(r"<ttl>\s*(\d{1,6})\s*</ttl>", re.IGNORECASE)
_HTML_START = re.compile(r"^\s*(?:<!--[^>]{0,500}-->\s*){0,5}(?:<!DOCTYPE\s+html|<html\b)", re.IGNORECASE)
_FEED_ROOT = re.compile(r"<(?:[A-Za-z0-9_-]{1,40}:)?(?:rss|feed|RDF|channel)\b")
_LINK_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]{0,40}:)?link\b([^<>]{0,1000})>")
_ATTR = re.compile(r"""\b(rel|href)\s*=\s*(?:"([^"<>]{0,2000})"|'([^'<>]{0,2000})')""")
_C0 = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_blank_text=False)


class NotAFeed(NewsbotError):
    """The document is not a feed (or nothing could be recovered from it)."""


class EntityDeclarations(NotAFeed):
    """The document declares entities shaped like an attack (nested, parameter, external): refused.

    Simple text entities are expanded once and every declaration is removed
    before a parser sees the document, so a benign DTD costs the feed nothing.
    """


class ParsedEntry:
    """One entry; ``title`` and ``summary`` are plain text, cleaned on first use.

    Cleaning is the costliest step of a fast-path parse, and the poller only
    looks at entries it has not seen before (two of fifty in a typical cycle),
    so the markup is kept as read, with its kind, until someone asks.
    """

    __slots__ = ("link", "guid", "published", "_title", "_summary", "_kinds", "breaking")

    def __init__(self, title: str, link: str, guid: str | None, summary: str, published: datetime | None,
                 *, title_kind: str = "text", summary_kind: str = "text", breaking: bool = False) -> None:
        self.link = link  # absolute where the feed allowed it
        self.guid = guid
        self.published = published
        self.breaking = breaking  # an RSS/Atom category meaning "breaking news" (bot.domain.urgency)
        self._title = title
        self._summary = summary
        self._kinds: tuple[str, str] | None = (title_kind, summary_kind)

    def _clean(self) -> None:
        if self._kinds is not None:
            title_kind, summary_kind = self._kinds
            self._title = _text(self._title, title_kind)
            self._summary = _text(self._summary, summary_kind)
            self._kinds = None

    @property
    def title(self) -> str:
        self._clean()
        return self._title

    @property
    def summary(self) -> str:
        """Whole, never cut: matching sees every word; display cuts it (bot/alerts/model.py)."""
        self._clean()
        return self._summary

    def with_link(self, link: str) -> ParsedEntry:
        other = ParsedEntry(self._title, link, self.guid, self._summary, self.published, breaking=self.breaking)
        other._kinds = self._kinds
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedEntry):
            return NotImplemented
        return (self.title, self.link, self.guid, self.summary, self.published) == \
            (other.title, other.link, other.guid, other.summary, other.published)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"ParsedEntry(title={self.title!r}, link={self.link!r}, guid={self.guid!r}, "
                f"summary={self.summary[:60]!r}, published={self.published!r})")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str
    entries: list[ParsedEntry]
    ttl_seconds: int | None
    parser: str  # "fast", "feedparser", "json", "sitemap" or "telegram"
    recovered: bool = False  # the fast parser was tried and its result refused
    reason: str = ""  # why feedparser was used ("" for the fast path)
    hub: str = ""  # a WebSub hub the document advertises (<link rel="hub">, JSON Feed "hubs")
    self_url: str = ""  # the document's own URL as it names it (<link rel="self">), the WebSub topic


def choose_parser(facts: Facts, well_formed: bool) -> str | None:
    """None when fastfeedparser reads this document right; else the reason it may not be used.

    Each rule is a misreading of the fast parser seen in practice: recovered
    markup, ``xml:base``, XHTML text constructs, a ``media:title`` taking the
    place of ``<title>``, Atom text constructs of mixed types (it does not say
    which is which), entries with content but no summary (it synthesises
    a 512-character digest for those), and link-less entries beside
    ``isPermaLink="false"`` guids (it takes such a guid for the link).
    """
    if not well_formed:
        return "not well-formed XML"
    if facts.root not in ("rss", "feed", "RDF"):
        return "no rss/feed/RDF root"
    if facts.xml_base:
        return "xml:base"
    if facts.xhtml:
        return "xhtml content"
    if facts.prefixed_title:
        return "namespaced title in an entry (media:title ...)"
    if facts.root == "feed":
        if len(facts.title_types - {"", "text"}) + (bool(facts.title_types & {"", "text"})) > 1:
            return "mixed Atom title types"
        if len(facts.text_types - {"", "text"}) + (bool(facts.text_types & {"", "text"})) > 1:
            return "mixed Atom summary/content types"
        if facts.title_types - {"", "text", "html"} or facts.text_types - {"", "text", "html"}:
            return "unusual Atom text type"
    if facts.not_permalink and facts.links_in_entries < facts.items:
        return "entries without <link> beside isPermaLink=false guids"
    if facts.contents and facts.summaries < facts.items:
        return "entries with content but no summary"
    return None


def _utf8_document(text: str) -> bytes:
    """UTF-8 bytes, prolog saying so, without the C0 controls XML forbids (one stray one fails a parse)."""
    text = _PROLOG_TEXT.sub(lambda m: m.group(1) + "utf-8" + m.group(3), text, count=1)
    data = text.encode("utf-8")
    kept = data.translate(None, _C0)
    return kept if len(kept) != len(data) else data


def _to_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if hasattr(value, "tm_year"):
        try:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
        except (OverflowError, ValueError, OSError):
            return None
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _text(value: str, kind: str) -> str:
    """Plain text of a text construct: ``kind`` is "text", "html" or "guess" (RSS: feedparser's rule)."""
    if kind == "guess":
        kind = "html" if looks_like_html(value) else "text"
    return fold_text(value) if kind == "text" else html_to_text(value)


def _atom_kind(types: set[str]) -> str:
    return "html" if "html" in types else "text"


def _from_fast(doc: Any, facts: Facts) -> tuple[str, str, list[ParsedEntry]]:
    feed = doc.get("feed", {}) or {}
    atom = facts.root == "feed"
    title_kind = _atom_kind(facts.title_types) if atom else "guess"
    text_kind = _atom_kind(facts.text_types) if atom else "html"
    entries = []
    for e in doc.get("entries", []) or []:
        summary = _s(e.get("description"))
        if not summary:
            content = e.get("content")
            if isinstance(content, list) and content and isinstance(content[0], dict):
                summary = _s(content[0].get("value"))
        guid = _s(e.get("id")) or None
        link = _s(e.get("link"))
        if not link and atom and guid and guid.lower().startswith(("http://", "https://")):
            link = guid  # an Atom id that is a URL is the entry's link (as feedparser reads it)
        entries.append(ParsedEntry(_s(e.get("title")), link, guid, summary,
                                   _to_datetime(e.get("published") or e.get("updated")),
                                   title_kind=title_kind, summary_kind=text_kind, breaking=_breaking(e)))
    return _text(_s(feed.get("title")), "guess"), _s(feed.get("link")), entries


def _breaking(entry: Any) -> bool:
    """An entry's categories (``tags``: RSS <category>, Atom term/label) include one meaning "breaking"."""
    tags = entry.get("tags") if hasattr(entry, "get") else None
    if not isinstance(tags, list):
        return False
    for tag in tags[:50]:
        if isinstance(tag, dict) and any(is_breaking_category(_s(tag.get(k))[:100]) for k in ("term", "label")
                                         if tag.get(k)):
            return True
    return False


def _kind(detail: Any) -> str:
    mime = _s(detail.get("type")) if isinstance(detail, dict) else ""
    return "text" if mime == "text/plain" else "html"


def _from_feedparser(doc: Any) -> tuple[str, str, list[ParsedEntry]]:
    feed = doc.get("feed", {}) or {}
    entries = []
    for e in doc.get("entries", []) or []:
        summary, detail = _s(e.get("summary")), e.get("summary_detail")
        if not summary and e.get("content"):
            summary, detail = _s(e["content"][0].get("value")), e["content"][0]
        entries.append(ParsedEntry(
            _s(e.get("title")), _s(e.get("link")), _s(e.get("id")) or None, summary,
            _to_datetime(e.get("published_parsed") or e.get("updated_parsed")),
            title_kind=_kind(e.get("title_detail")), summary_kind=_kind(detail), breaking=_breaking(e),
        ))
    return _text(_s(feed.get("title")), _kind(feed.get("title_detail"))), _s(feed.get("link")), entries


def _strict_root(data: bytes) -> Any:
    """The document's root element when it is well-formed XML, else None."""
    try:
        return etree.fromstring(data, _STRICT)
    except etree.XMLSyntaxError:
        return None


def _entry_has_prefixed_title(root: Any) -> bool:
    """A namespaced title (media:title ...) directly inside an item/entry: the fast parser takes it for <title>."""
    for el in root.iter("{*}title"):
        parent = el.getparent()
        if el.prefix and parent is not None and etree.QName(parent).localname in ("item", "entry"):
            return True
    return False


def _absolute(entries: list[ParsedEntry], base: str) -> list[ParsedEntry]:
    if not base:
        return entries
    out = []
    for e in entries:
        link = e.link.strip()
        if link and not link.lower().startswith(("http://", "https://")):
            e = e.with_link(urljoin(base, link))
        out.append(e)
    return out


def _websub_links(text: str) -> tuple[str, str]:
    """(hub, self) from the document's ``<link rel="hub"/"self" href=...>`` elements (its first 64 KB)."""
    hub = self_url = ""
    for m in _LINK_TAG.finditer(text, 0, 65536):
        attrs = {a.group(1): a.group(2) if a.group(2) is not None else (a.group(3) or "") for a in _ATTR.finditer(m.group(1))}
        rels, href = attrs.get("rel", "").lower().split(), attrs.get("href", "").strip()
        if href and "hub" in rels and not hub:
            hub = href
        elif href and "self" in rels and not self_url:
            self_url = href
    return hub, self_url


def parse_feed(body: bytes, content_type: str = "", url: str = "") -> ParsedFeed:
    """Entries of a feed document fetched from ``url``; raise NotAFeed with the reason when there are none."""
    if not body.strip():
        raise NotAFeed("empty response")
    text, _enc = decode_document(body, content_type)
    if looks_like_json_feed(text, content_type):
        try:
            jf = read_json_feed(text, url)
        except NotJsonFeed as exc:
            raise NotAFeed(str(exc)) from None
        entries = [ParsedEntry(i.title, i.link, i.guid, i.summary, i.published) for i in jf.items]
        return ParsedFeed(jf.title, jf.link, _absolute(entries, url), None, "json", hub=jf.hub, self_url=jf.feed_url)
    if _HTML_START.match(text[:2000]) and not _FEED_ROOT.search(text[:5000]):
        if looks_like_channel_preview(text):  # a public Telegram channel's web preview (t.me/s/NAME)
            page = read_channel_preview(text)
            return ParsedFeed(page.title, url, [ParsedEntry(p.title, p.link, p.link, p.text, p.published)
                                                for p in page.posts], None, "telegram")
        raise NotAFeed("an HTML page")
    try:
        text, facts = prepare_xml(text)
    except HostileDeclarations as exc:
        raise EntityDeclarations(str(exc)) from None
    data = _utf8_document(text)
    if not facts.root and looks_like_sitemap(text[:5000]):
        try:
            name, items = read_news_sitemap(data, url)
        except NotANewsSitemap as exc:
            raise NotAFeed(str(exc)) from None
        return ParsedFeed(name, url, [ParsedEntry(i.title, i.link, i.link, i.summary, i.published) for i in items],
                          None, "sitemap")
    ttl_m = _TTL.search(text)
    ttl = int(ttl_m.group(1)) * 60 if ttl_m else None

    hub, self_url = _websub_links(text)
    root = _strict_root(data)
    if root is not None and facts.prefixed_title:
        facts.prefixed_title = _entry_has_prefixed_title(root)
    reason = choose_parser(facts, root is not None)
    del root
    if reason is None:
        try:
            title, link, entries = _from_fast(fastfeedparser.parse(data), facts)
            if len(entries) >= facts.items:
                return ParsedFeed(title, link, _absolute(entries, url), ttl, "fast", hub=hub, self_url=self_url)
            reason = f"fast parser found {len(entries)} of {facts.items} entries"
        except Exception as exc:  # noqa: BLE001 - any failure of the fast path falls back to feedparser
            reason = f"fast parser failed: {type(exc).__name__}"

    headers = {"content-location": url} if url else None
    doc = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
    title, link, entries = _from_feedparser(doc)
    if not entries and not doc.get("version"):
        bozo = doc.get("bozo_exception")
        detail = f": {type(bozo).__name__}: {str(bozo)[:120]}" if bozo else ""
        raise NotAFeed(f"unreadable document{detail}")
    return ParsedFeed(title, link, _absolute(entries, url), ttl, "feedparser",
                      recovered=reason.startswith("fast parser"), reason=reason, hub=hub, self_url=self_url)
