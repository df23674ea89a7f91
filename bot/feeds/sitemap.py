"""Google News sitemaps (``<urlset>`` with ``<news:news>`` entries) read as a feed.

Many Arabic outlets publish a news sitemap and no usable RSS. Each
``<url>`` with a ``<news:news>`` child is one story: ``<loc>`` is its link
and identity, ``<news:title>`` its (plain-text) title,
``<news:publication_date>`` (W3C datetime, or a bare date) its time, and
``<news:keywords>`` its summary, so the matcher sees them. A plain sitemap
(no ``news:news`` entry and no news namespace) or a sitemap index is not a
news source: it lists pages without titles.

The document reaching here is already prepared (:mod:`bot.feeds.prepare`:
no DOCTYPE, entities normalised), and lxml reads it without resolving
entities or touching the network; a broken document is read in recover mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree  # type: ignore[import-untyped]

from bot.domain.markup import fold_text
from bot.errors import NewsbotError

__all__ = ["SitemapItem", "NotANewsSitemap", "looks_like_sitemap", "read_news_sitemap"]

_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]{0,40}:)?(urlset|sitemapindex)\b")
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_RECOVER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


class NotANewsSitemap(NewsbotError, ValueError):
    """A sitemap, but not one with news entries."""


@dataclass(frozen=True, slots=True)
class SitemapItem:
    title: str
    link: str
    summary: str
    published: datetime | None


def looks_like_sitemap(head: str) -> bool:
    """The document's first element is a ``<urlset>`` or ``<sitemapindex>`` (its first few KB suffice)."""
    m = _ROOT.search(head)
    return m is not None and not re.search(r"<(?:[\w.-]{1,40}:)?(?:rss|feed|RDF)\b", head[: m.start()])


def _date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _child(el: Any, local: str) -> Any:
    for c in el:
        if isinstance(c.tag, str) and etree.QName(c).localname == local:
            return c
    return None


def _text(el: Any) -> str:
    return fold_text("".join(el.itertext())) if el is not None else ""


def read_news_sitemap(data: bytes, base_url: str = "") -> tuple[str, list[SitemapItem]]:
    """(publication name, news entries) of a sitemap (UTF-8 bytes); raise NotANewsSitemap when it has none."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        root = etree.fromstring(data, _RECOVER)
    if root is None:
        raise NotANewsSitemap("an unreadable sitemap")
    if etree.QName(root).localname == "sitemapindex":
        raise NotANewsSitemap("a sitemap index: add one of the news sitemaps it lists")
    items: list[SitemapItem] = []
    publication = ""
    news_seen = _NEWS_NS in (root.nsmap or {}).values()  # a news sitemap may be empty (nothing in two days)
    for url in root:
        if not isinstance(url.tag, str) or etree.QName(url).localname != "url":
            continue
        news = _child(url, "news")
        if news is None or (etree.QName(news).namespace not in (_NEWS_NS, None) and news.prefix != "news"):
            continue
        news_seen = True
        loc = _text(_child(url, "loc"))
        if not loc:
            continue
        link = urljoin(base_url, loc) if base_url else loc
        keywords = _text(_child(news, "keywords"))
        if not publication:
            pub = _child(news, "publication")
            publication = _text(_child(pub, "name")) if pub is not None else ""
        items.append(SitemapItem(_text(_child(news, "title")), link, keywords,
                                 _date(_text(_child(news, "publication_date")))))
    if not news_seen:
        raise NotANewsSitemap("a sitemap without news:news entries (pages without titles)")
    return publication, items
