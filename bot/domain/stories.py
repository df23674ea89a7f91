"""Stories as the bot understands them: clean text and a canonical identity."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from bot.domain.markup import html_to_text

__all__ = ["StoryDraft", "clean_text", "canonical_url", "visible_url", "story_key", "cut_at_word"]


# Query parameters that only track where a click came from.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|igshid|ocid|cmpid|"
    r"at_[a-z_]+|_ga|_gl|ref|ref_src|ref_url|src|rss|from|feed|feedtype|xtor|ito|ns_[a-z_]+|sr_share)$",
    re.IGNORECASE,
)
# The ones a reader is shown without: click trackers only, never a parameter a site may need.
_CLICK_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_gl|ocid|cmpid|"
    r"xtor|sr_share|at_medium|at_campaign)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class StoryDraft:
    """A story as read from a feed, cleaned, not yet stored."""

    url_key: str
    link: str
    title: str
    summary: str
    published_at: datetime | None
    guid: str | None = None
    breaking: bool = False  # the feed filed it under a "breaking news" category


def clean_text(value: str | None) -> str:
    """Feed markup to plain text (linear in the input; see :mod:`bot.domain.markup`)."""
    return html_to_text(value)


def canonical_url(url: str) -> str:
    """A story's identity from its link: encoding, case and parameter order folded.

    w3lib does the RFC work (percent-encoding of Arabic paths, sorted query,
    no fragment); on top, tracking parameters and default ports are dropped and
    the scheme is folded to https, so the http and https copies are one story.
    """
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return url
    try:
        parts = urlsplit(canonicalize_url(url))
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = f"{host}:{port}" if port not in (None, 80, 443) else host
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit(("https", netloc, parts.path or "/", urlencode(query), ""))


def visible_url(url: str) -> str:
    """The link as shown to readers: click-tracking parameters (utm_*, fbclid, gclid…) removed, the rest kept."""
    base, sep, rest = url.partition("?")
    if not sep:
        return url
    query, hash_sep, fragment = rest.partition("#")
    kept = [p for p in query.split("&") if p and not _CLICK_TRACKING.match(p.partition("=")[0])]
    return base + ("?" + "&".join(kept) if kept else "") + hash_sep + fragment


def story_key(link: str | None, guid: str | None, feed_key: str) -> str | None:
    """Canonical URL when there is a usable link, else the feed's guid (scoped to the feed)."""
    if link and link.strip().lower().startswith(("http://", "https://")):
        key = canonical_url(link)
        if len(key) <= 1500:
            return key
        return "urlhash:" + hashlib.sha256(key.encode()).hexdigest()
    if guid and guid.strip():
        digest = hashlib.sha256(f"{feed_key}\x00{guid.strip()}".encode()).hexdigest()
        return f"guid:{digest}"
    return None


def cut_at_word(text: str, limit: int, ellipsis: str = "…") -> str:
    """Shorten to at most ``limit`` characters, cutting at a word boundary and marking the cut."""
    if len(text) <= limit:
        return text
    room = max(1, limit - len(ellipsis))
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    return cut.rstrip(" ،,.;:-–—") + ellipsis
