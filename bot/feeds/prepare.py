"""Make a decoded XML feed safe and well-defined before any parser sees it, in one linear pass.

* Document type declarations are *removed*, not refused: the internal subset
  (``<!ENTITY ...>``) goes with them, so no parser can expand an entity bomb,
  and a benign ``<!ENTITY nbsp "&#160;">`` costs nothing (``&nbsp;`` is an
  HTML entity and is handled below like every other one). A stray
  ``<!ENTITY`` outside a DOCTYPE is turned into text.
* Entity references are normalised: the five XML ones and valid character
  references stay; every named HTML entity (``&laquo;``, ``&eacute;``)
  becomes a numeric reference; an unknown name or a bare ``&`` becomes
  ``&amp;`` — so neither parser drops text around an entity it does not know.
* CDATA sections, comments and processing instructions are copied verbatim
  and are invisible to everything above (a code sample mentioning
  ``<!DOCTYPE`` or ``<item>`` inside CDATA is text, nothing more).
* While at it, facts the parser choice needs are collected (see
  :class:`Facts`): only markup outside CDATA and comments is counted.

Every search is a ``str.find`` or a regular expression without nested
repetition over bounded spans, so the pass is linear in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.entities import html5

from bot.errors import NewsbotError

__all__ = ["Facts", "HostileDeclarations", "prepare_xml"]

_SPECIAL = re.compile(r"<!\[CDATA\[|<!--|<\?|<![Dd][Oo][Cc][Tt][Yy][Pp][Ee]|<!")
# Every "&" except the five XML references, which are by far the most frequent and need no change.
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)(?:(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});)?")
_TAG = re.compile(r"<([A-Za-z_][\w.-]{0,40}:)?(item|entry|title|summary|description|content|encoded|link|feed|rss|RDF)"
                  r"(?=[\s/>])([^<>]{0,4000})>")
_TYPE_ATTR = re.compile(r"\btype\s*=\s*[\"']([^\"'<>]{0,60})[\"']")
_DECL = re.compile(r"<!ENTITY\s+(%\s*)?([A-Za-z_][\w.-]{0,60})\s+(?:(SYSTEM|PUBLIC)\b|\"([^\"]{0,2000})\"|'([^']{0,2000})')")
_DECL_START = re.compile(r"<!ENTITY\b")
_VALUE_REF = re.compile(r"&([A-Za-z_][\w.-]{0,60});")
_NOT_PERMALINK = re.compile(r"isPermaLink\s*=\s*[\"']\s*false", re.IGNORECASE)
_XML_NAMED = frozenset({"amp", "lt", "gt", "quot", "apos"})
_CP1252_C1 = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")


class HostileDeclarations(NewsbotError, ValueError):
    """Entity declarations shaped like an attack: nested, parameter or external entities."""


@dataclass(slots=True)
class Facts:
    """What the markup outside CDATA and comments says about a document."""

    root: str = ""  # local name of the first feed-like element: rss, feed, RDF
    items: int = 0  # <item> / <entry> start tags
    links_in_entries: int = 0
    summaries: int = 0  # <description> / <summary> after the first item
    contents: int = 0  # <content> / <content:encoded>
    title_types: set[str] = field(default_factory=set)  # type attributes of entries' <title>s
    text_types: set[str] = field(default_factory=set)  # ... of entries' <summary>s and <content>s
    prefixed_title: bool = False  # media:title, itunes:title ...; parse narrows it to direct children of entries
    xml_base: bool = False
    not_permalink: bool = False  # some <guid isPermaLink="false">
    xhtml: bool = False
    doctype_removed: bool = False
    entities_rewritten: int = 0
    declared: dict[str, str] = field(default_factory=dict)  # benign internal entities, value as XML text


def _entity(m: re.Match[str], facts: Facts) -> str:
    ref = m.group(1)
    if ref is None:
        facts.entities_rewritten += 1
        return "&amp;"
    if ref[0] == "#":
        raw = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
        code = ord(_CP1252_C1[raw - 0x80]) if 0x80 <= raw < 0xA0 else raw
        if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
            return m.group(0) if code == raw else f"&#{code};"
        facts.entities_rewritten += 1
        return "&#65533;"
    if ref in _XML_NAMED:
        return m.group(0)
    if ref in facts.declared:
        facts.entities_rewritten += 1
        return facts.declared[ref]
    value = html5.get(ref + ";")
    facts.entities_rewritten += 1
    if value is None:
        return "&amp;" + ref + ";"
    return "".join(f"&#{ord(ch)};" for ch in value)


def _declarations(subset: str, facts: Facts) -> None:
    """Keep simple text entities (``<!ENTITY nbsp "&#160;">``) to expand once; refuse attack shapes.

    A value may hold text, character references and HTML entity names; one
    that refers to another declared entity (the billion-laughs shape), a
    parameter entity or an external (SYSTEM/PUBLIC) one is refused.
    """
    found = 0
    for m in _DECL.finditer(subset):
        found += 1
        if m.group(1) or m.group(3):
            raise HostileDeclarations("refused: the document declares parameter or external XML entities")
        value = m.group(4) if m.group(4) is not None else (m.group(5) or "")
        for ref in _VALUE_REF.findall(value):
            if ref in facts.declared or ref == m.group(2) or html5.get(ref + ";") is None and ref not in _XML_NAMED:
                raise HostileDeclarations("refused: the document declares nested XML entities (entity-expansion bomb)")
        scratch = Facts()
        facts.declared.setdefault(m.group(2), _ENTITY.sub(lambda r: _entity(r, scratch), value.replace("<", "&lt;")))
    if found != len(_DECL_START.findall(subset)):
        raise HostileDeclarations("refused: the document declares XML entities this reader cannot check")


def _doctype_end(text: str, start: int) -> int:
    """Index just past the DOCTYPE declaration starting at ``start`` (quotes, subset and comments respected)."""
    i = start + 9
    n = len(text)
    depth = 0
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = text.find(ch, i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch == "<" and text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            i = n if j < 0 else j + 3
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == ">" and depth == 0:
            return i + 1
        i += 1
    return n


def _markup(segment: str, facts: Facts, out: list[str]) -> None:
    """Normalise entities in markup outside CDATA/comments and record what it contains."""
    if "&" in segment:
        segment = _ENTITY.sub(lambda m: _entity(m, facts), segment)
    if "<" in segment:
        for m in _TAG.finditer(segment):
            prefix, name, attrs = m.group(1), m.group(2), m.group(3)
            if name in ("rss", "feed", "RDF"):
                facts.root = facts.root or name
                continue
            if name in ("item", "entry"):
                facts.items += 1
            elif name == "link":
                facts.links_in_entries += facts.items > 0
            elif name == "title":
                if prefix:
                    facts.prefixed_title = True
                elif facts.items:
                    facts.title_types.add(_type(attrs))
            elif name in ("summary", "description"):
                if facts.items:
                    facts.summaries += 1
                    facts.text_types.add(_type(attrs))
            elif facts.items:
                facts.contents += 1
                facts.text_types.add(_type(attrs))
        if "isPermaLink" in segment and _NOT_PERMALINK.search(segment):
            facts.not_permalink = True
        if "xml:base" in segment:
            facts.xml_base = True
        if "xhtml" in segment and _TYPE_ATTR.search(segment) and ("'xhtml'" in segment or '"xhtml"' in segment):
            facts.xhtml = True
    out.append(segment)


def _type(attrs: str) -> str:
    m = _TYPE_ATTR.search(attrs)
    return m.group(1).strip().lower() if m else ""


def prepare_xml(text: str) -> tuple[str, Facts]:
    """(safe text, facts) — DOCTYPE removed, entities normalised, CDATA and comments untouched."""
    facts = Facts()
    out: list[str] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _SPECIAL.search(text, pos)
        if m is None:
            _markup(text[pos:], facts, out)
            break
        start, token = m.start(), m.group(0)
        _markup(text[pos:start], facts, out)
        if token == "<![CDATA[":
            end = text.find("]]>", start + 9)
            end = n if end < 0 else end + 3
            out.append(text[start:end])
        elif token == "<!--":
            end = text.find("-->", start + 4)
            end = n if end < 0 else end + 3
            out.append(text[start:end])
        elif token == "<?":
            end = text.find("?>", start + 2)
            end = n if end < 0 else end + 2
            out.append(text[start:end])
        elif token == "<!":
            out.append("&lt;!")  # <!ENTITY or <!ELEMENT outside a DOCTYPE: text, never a declaration
            end = start + 2
        else:
            end = _doctype_end(text, start)
            if "<!ENTITY" in text[start:end]:
                _declarations(text[start:end], facts)
            facts.doctype_removed = True
        pos = end
    return "".join(out), facts
