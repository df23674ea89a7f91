"""Public Telegram channels as sources: the web preview ``https://t.me/s/NAME`` read as a feed.

The preview page lists a public channel's latest posts (about twenty), each a
``tgme_widget_message`` block with ``data-post="NAME/123"``, its text in a
``js-message_text`` element and its time in a ``<time datetime=...>`` inside
the ``tgme_widget_message_date`` link. Each post becomes an entry: the link
and identity ``https://t.me/NAME/123``, the text as summary (whole, for
matching), its first line (cut at a word) as title. Posts without text
(a photo alone) are skipped; a quoted reply's text is not the post's.

The page is read with the standard library's HTML tokenizer, one forward
pass; it is fetched like any feed (SSRF guard, size and time limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

from bot.domain.markup import fold_text

__all__ = ["ChannelPost", "ChannelPage", "channel_name", "preview_url", "looks_like_channel_preview",
           "read_channel_preview"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?([A-Za-z0-9_]{1,40})/?$",
                  re.IGNORECASE)
_MARKER = "tgme_widget_message"
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "source", "wbr", "area", "col", "embed", "param"})
_BLOCK = frozenset({"br", "p", "div", "li", "blockquote"})
_TITLE_MAX = 140


@dataclass(slots=True)
class ChannelPost:
    post: str  # "NAME/123"
    text: str = ""
    published: datetime | None = None

    @property
    def link(self) -> str:
        return f"https://t.me/{self.post}"

    @property
    def title(self) -> str:
        first = next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")
        first = fold_text(first)
        if len(first) <= _TITLE_MAX:
            return first
        cut = first.rfind(" ", 0, _TITLE_MAX)
        return first[: cut if cut > _TITLE_MAX // 2 else _TITLE_MAX] + "…"


@dataclass(slots=True)
class ChannelPage:
    title: str = ""
    posts: list[ChannelPost] = field(default_factory=list)


def channel_name(ref: str) -> str | None:
    """The channel's name from ``@name``, ``t.me/name`` or ``https://t.me/s/name``; None when it is not one."""
    ref = ref.strip()
    if ref.startswith("@"):
        name = ref[1:]
    else:
        m = _URL.match(ref)
        if m is None:
            return None
        name = m.group(1)
    return name if _NAME.fullmatch(name) and name.lower() not in ("s", "joinchat", "addstickers", "share") else None


def preview_url(name: str, base: str = "https://t.me/s/") -> str:
    return base.rstrip("/") + "/" + name


def looks_like_channel_preview(text: str) -> bool:
    """An HTML page of a channel's posts (the preview's own markup, in its first 200 KB)."""
    head = text[:200_000]
    return _MARKER + "_wrap" in head or ("tgme_channel_info" in head and _MARKER in head)


def _classes(attrs: list[tuple[str, str | None]]) -> list[str]:
    for k, v in attrs:
        if k == "class" and v:
            return v.split()
    return []


class _PreviewReader(HTMLParser):
    """Collects posts: a stack of open elements records which one holds the post text being read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ChannelPage()
        self._stack: list[str] = []  # open tags; the depths below say which one holds what is being read
        self._post: ChannelPost | None = None
        self._text: list[str] | None = None
        self._text_depth = 0
        self._reply_depth = 0
        self._title: list[str] | None = None
        self._title_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = _classes(attrs)
        a = dict(attrs)
        if tag == "meta" and a.get("property") == "og:title" and not self.page.title:
            self.page.title = fold_text(a.get("content") or "")
        if tag in _VOID:
            if tag == "br" and self._text is not None and not self._reply_depth:
                self._text.append("\n")
            return
        depth = len(self._stack) + 1
        if _MARKER in classes and a.get("data-post"):
            self._post = ChannelPost(str(a["data-post"]).strip("/"))
            self.page.posts.append(self._post)
            self._text, self._reply_depth = None, 0
        elif "tgme_widget_message_reply" in classes and self._post is not None and not self._reply_depth:
            self._reply_depth = depth
        elif "js-message_text" in classes and self._post is not None and not self._reply_depth \
                and self._text is None and not self._post.text:
            self._text, self._text_depth = [], depth
        elif "tgme_channel_info_header_title" in classes and self._title is None:
            self._title, self._title_depth = [], depth
        elif tag == "time" and self._post is not None and self._post.published is None and not self._reply_depth:
            self._post.published = _date(a.get("datetime") or "")
        if tag in _BLOCK and self._text is not None and not self._reply_depth:
            self._text.append("\n")
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Close up to the nearest open element of this name (looking back a bounded way: linear).
        for back in range(1, min(len(self._stack), 32) + 1):
            if self._stack[-back] == tag:
                break
        else:
            return  # a stray end tag
        for _ in range(back):
            self._close(len(self._stack))
            self._stack.pop()

    def _close(self, depth: int) -> None:
        if self._text is not None and depth == self._text_depth:
            assert self._post is not None
            self._post.text = "\n".join(fold_text(ln) for ln in "".join(self._text).split("\n") if ln.strip())
            self._text = None
        if self._reply_depth and depth == self._reply_depth:
            self._reply_depth = 0
        if self._title is not None and depth == self._title_depth:
            self.page.title = fold_text("".join(self._title)) or self.page.title
            self._title = None

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._reply_depth:
            self._text.append(data)
        if self._title is not None:
            self._title.append(data)


def _date(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def read_channel_preview(text: str) -> ChannelPage:
    """The channel's title and its posts with text, oldest first as the page lists them."""
    reader = _PreviewReader()
    reader.feed(text)
    reader.close()
    reader.page.posts = [p for p in reader.page.posts if p.text]
    return reader.page
