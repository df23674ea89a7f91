"""Text -> Invocation: the one parser both platforms use.

Telegram sends "/watch@newsbot_bot الناتو"; Slack sends "/newsbot watch الناتو"
(the adapter passes "watch الناتو"). Control characters and NUL bytes are
dropped here so nothing downstream (or the database) ever sees them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.sanitize import plain_text

__all__ = ["Invocation", "parse_command", "clean_argument", "raw_argument", "MAX_INPUT"]

MAX_INPUT = 4096
_CMD = re.compile(r"^/?([A-Za-z][A-Za-z0-9_]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Invocation:
    name: str  # lower-case command name, "" when the text is not a command
    args: str  # the rest, cleaned
    addressed_to: str | None = None  # "@bot" suffix on Telegram
    raw: str = ""  # the rest with its layout kept (indentation, lines): for commands that read a document


def clean_argument(text: str) -> str:
    """Drop control characters (NUL included), bidi overrides and zero-width characters; fold spaces.

    Line breaks stay (one "\n" between non-blank lines): /watch reads each line as a rule of its own.
    """
    return "\n".join(ln for ln in (_clean_line(part) for part in text[:MAX_INPUT].split("\n")) if ln)


def raw_argument(text: str) -> str:
    """Like ``clean_argument`` but keeping each line's indentation (a pasted YAML document)."""
    lines = []
    for part in text[:MAX_INPUT].split("\n"):
        kept = "".join(" " if ch == "\t" else ch for ch in part
                       if ch == "\t" or (unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
                                         and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
        lines.append(plain_text(kept).rstrip())
    return "\n".join(lines).strip("\n")


def _clean_line(text: str) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cc":
            out.append(" " if ch in "\t\r" else "")
        elif ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            continue
        elif cat in ("Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return " ".join(plain_text("".join(out)).split())  # and zero-width characters (ZWNJ stays)


def parse_command(text: str, *, slash_optional: bool = False) -> Invocation:
    """'/cmd@bot args' or, with ``slash_optional``, 'cmd args' (Slack subcommands)."""
    text = (text or "").strip()
    if not text or (not slash_optional and not text.startswith("/")):
        return Invocation("", clean_argument(text))
    m = _CMD.match(text)
    if not m:
        first, _, rest = text.lstrip("/").partition(" ")
        return Invocation(clean_argument(first).lower() or "?", clean_argument(rest))
    rest = m.group(3) or ""
    return Invocation(m.group(1).lower(), clean_argument(rest), m.group(2), raw_argument(rest))
