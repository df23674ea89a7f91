"""Where a reader's eye finds words: lines laid out by a real Unicode bidi algorithm (python-bidi).

``visual(line)`` is the line as displayed, left to right on the screen. In an Arabic line the
reader starts at the right, so a Latin word that *leads* an Arabic sentence must sit to the right
of the Arabic words after it.
"""

from __future__ import annotations

import re

from bidi import get_display

__all__ = ["visual", "leads", "LATIN_FIRST", "check_latin_first"]

# (the Latin word, the Arabic word that follows it in reading order)
LATIN_FIRST = (("NATO", "تعلن"), ("CNN", "الحلف"))

_SLACK_LINK = re.compile(r"<[^<>|]*\|([^<>]*)>")


def visual(line: str) -> str:
    """The line as shown (a paragraph's direction from its first strong character, as apps do)."""
    return str(get_display(line))


def leads(line: str, first: str, then: str) -> bool:
    """In reading order, ``first`` comes before the Arabic word ``then`` (it is to its right on screen)."""
    shown = visual(line)
    return shown.index(first) > shown.index(then[::-1])


def check_latin_first(text: str, *, slack: bool = False) -> int:
    """Every line of ``text`` holding a Latin-first Arabic phrase reads right to left; returns how many."""
    checked = 0
    for line in text.split("\n"):
        if slack:
            line = _SLACK_LINK.sub(r"\1", line).replace("*", "")
        for first, then in LATIN_FIRST:
            if f"{first} {then}" in line or f"{first}: {then}" in line:
                assert leads(line, first, then), (line, visual(line))
                checked += 1
    return checked
