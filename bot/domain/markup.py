"""Feed markup to plain text in one forward pass (linear in the input, whatever the markup).

A regular expression such as ``<script>.*?</script>`` rescans to the end of
the text from every unclosed ``<script`` (quadratic: a 256 KB description took
a minute). Here every search starts where the previous one stopped, and an
unclosed ``<script``, ``<style`` or ``<!--`` simply drops the rest of the text,
as a browser would. Text inside ``<script>``/``<style>`` is never kept.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

__all__ = ["html_to_text", "fold_text", "looks_like_html"]

_NAME_END = frozenset(" \t\r\n\f/>")
_BLOCK = frozenset({"br", "p", "/p", "div", "/div", "li", "/li", "tr", "/tr", "td", "/td",
                    "h1", "h2", "h3", "h4", "h5", "h6", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6",
                    "blockquote", "/blockquote", "hr", "ul", "/ul", "ol", "/ol", "section", "/section"})
_RAW = ("script", "style")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# feedparser's test for "this plain text is in fact HTML" (RSS does not say which it is).
_CLOSE_OR_ENTITY = re.compile(r"</\w{1,40}>|&#?\w{1,40};")
_TAG_NAME = re.compile(r"</?(\w{1,40})")
_ENTITY_NAME = re.compile(r"&(\w{1,40});")
_HTML_ELEMENTS = frozenset(
    "a abbr acronym address area article aside audio b bdi bdo big blink blockquote br button canvas caption "
    "center cite code col colgroup command datagrid datalist dd del details dfn dialog dir div dl dt em "
    "event-source fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hr i img input ins "
    "keygen kbd label legend li m map menu meter multicol nav nextid noscript ol optgroup option output p "
    "pre progress q s samp section select small sound source spacer span strike strong sub summary sup "
    "table tbody td textarea tfoot th thead time tr tt u ul var video".split())


def fold_text(value: str | None) -> str:
    """Plain text tidied for storage: control characters removed, runs of space folded."""
    if not value:
        return ""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return " ".join(value.split())  # str.split() folds every Unicode space run, in C


def looks_like_html(value: str) -> bool:
    """True when text declared (or presumed) plain is really HTML — feedparser's own heuristic."""
    if not _CLOSE_OR_ENTITY.search(value):
        return False
    if any(t.lower() not in _HTML_ELEMENTS for t in _TAG_NAME.findall(value)):
        return False
    return all(html5.get(e + ";") is not None for e in _ENTITY_NAME.findall(value))


def _raw_close(value: str, name: str, start: int) -> int:
    """Index of ``</name`` (any case) at or after ``start``, or -1; each "</" is looked at once."""
    i = value.find("</", start)
    while i >= 0:
        if value[i + 2:i + 2 + len(name)].lower() == name:
            return i
        i = value.find("</", i + 2)
    return -1


def html_to_text(value: str | None) -> str:
    """Tags stripped, script/style/comments dropped, entities unescaped once, spaces folded.

    Unescaping after stripping keeps an HTML ``&lt;b&gt;`` as the literal text ``<b>``.
    """
    if not value:
        return ""
    if "<" not in value:
        return fold_text(html.unescape(value)) if "&" in value else fold_text(value)
    out: list[str] = []
    n = len(value)
    pos = 0
    next_gt = -2  # cached position of the next ">" at or after the current "<" (-1: none left)
    while pos < n:
        lt = value.find("<", pos)
        if lt < 0:
            out.append(value[pos:])
            break
        out.append(value[pos:lt])
        if value.startswith("<!--", lt):
            end = value.find("-->", lt + 4)
            if end < 0:
                break  # an unclosed comment hides the rest, as in a browser
            out.append(" ")
            pos = end + 3
            continue
        nxt = value[lt + 1:lt + 2]
        if not nxt or not (nxt.isascii() and (nxt.isalpha() or nxt in "/!?")):
            out.append("<")  # a literal "<" (e.g. "a < b")
            pos = lt + 1
            continue
        if next_gt != -1 and next_gt < lt:
            next_gt = value.find(">", lt)
        if next_gt < 0:
            out.append(value[lt:])  # no tag can close any more: the rest is text
            break
        name_end = lt + 2
        while name_end < next_gt and value[name_end] not in _NAME_END:
            name_end += 1
            if name_end - lt > 12:
                break
        name = value[lt + 1:name_end].lower()
        if name in _RAW:
            close = _raw_close(value, name, next_gt)
            if close < 0:
                break  # unclosed <script>/<style>: nothing after it is text
            end = value.find(">", close)
            if end < 0:
                break
            out.append(" ")
            pos = end + 1
            next_gt = -2
            continue
        inner_lt = value.find("<", lt + 1, next_gt)
        if inner_lt >= 0:
            out.append(value[lt:inner_lt])  # "<" then another "<" before any ">": not a tag
            pos = inner_lt
            continue
        out.append(" " if name in _BLOCK else "")
        pos = next_gt + 1
        next_gt = -2
    text = "".join(out)
    if "&" in text:
        text = html.unescape(text)
    return fold_text(text)
