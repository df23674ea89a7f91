"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) read directly, as a feed format of its own.

A JSON document never goes to an XML parser (HTML inside ``content_html``
that mentions ``<item>`` is just text), and ``"items": []`` is a valid,
empty feed. Titles and ``content_text``/``summary`` are plain text;
``content_html`` is HTML. URLs are resolved against the feed's address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from bot.domain.markup import fold_text, html_to_text
from bot.errors import NewsbotError

__all__ = ["JsonItem", "JsonFeed", "looks_like_json_feed", "read_json_feed", "NotJsonFeed"]

_VERSIONS = ("https://jsonfeed.org/version/1", "http://jsonfeed.org/version/1")


class NotJsonFeed(NewsbotError, ValueError):
    """JSON, but not a JSON Feed (or not JSON at all)."""


@dataclass(frozen=True, slots=True)
class JsonItem:
    title: str
    link: str
    guid: str | None
    summary: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class JsonFeed:
    title: str
    link: str
    items: list[JsonItem]
    hub: str = ""  # the first WebSub hub in "hubs"
    feed_url: str = ""


def looks_like_json_feed(text: str, content_type: str = "") -> bool:
    """A JSON object (by its first character or its media type), not markup."""
    head = text.lstrip()[:1]
    return head == "{" or ("json" in content_type.lower() and head != "<")


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_json_feed(text: str, base_url: str = "") -> JsonFeed:
    """Items of a JSON Feed; raise NotJsonFeed when the document is not one."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotJsonFeed(f"invalid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise NotJsonFeed("JSON, but not an object")
    version = _str(doc.get("version"))
    items = doc.get("items")
    if not version.startswith(_VERSIONS) or not isinstance(items, list):
        raise NotJsonFeed("JSON, but not a JSON Feed (no jsonfeed.org version or no items list)")
    base = _str(doc.get("feed_url")) or base_url
    home = _str(doc.get("home_page_url"))
    out: list[JsonItem] = []
    for raw in items:
        if not isinstance(raw, dict):
            continue
        url = _str(raw.get("url")) or _str(raw.get("external_url"))
        link = urljoin(base, url) if url and base else url
        guid = raw.get("id")
        guid_s = str(guid).strip() if isinstance(guid, (str, int)) and not isinstance(guid, bool) else ""
        summary = fold_text(_str(raw.get("summary")))
        if not summary:
            summary = html_to_text(_str(raw.get("content_html"))) or fold_text(_str(raw.get("content_text")))
        out.append(JsonItem(fold_text(_str(raw.get("title"))), link, guid_s or None, summary,
                            _date(raw.get("date_published")) or _date(raw.get("date_modified"))))
    hubs = doc.get("hubs")
    hub = next((_str(h.get("url")) for h in hubs if isinstance(h, dict) and _str(h.get("type")).lower() == "websub"
                and _str(h.get("url"))), "") if isinstance(hubs, list) else ""
    return JsonFeed(fold_text(_str(doc.get("title"))), urljoin(base, home) if home and base else home, out,
                    hub=hub, feed_url=_str(doc.get("feed_url")))
