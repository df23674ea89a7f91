"""What a command answers, platform-neutral: lines of spans, buttons, and a channel note.

A command the user may type next is a ``CommandSpan`` (name and arguments), never a
ready-made "/watch" string: Telegram writes it "/watch العبارة", Slack
"/newsbot watch العبارة", each in its own renderer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from string import Formatter

from bot.alerts.arabic import RLM, isolate, isolate_ltr
from bot.alerts.model import Span

__all__ = ["Reply", "Line", "Button", "Document", "Span", "CommandSpan", "ActorSpan", "ChatSpan", "command", "phrase",
           "line", "bold", "note", "term_text", "trim_symbols"]

Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # opaque to adapters: "toggle:<watchlist id>"


@dataclass(frozen=True, slots=True)
class Document:
    """A file a reply carries (/export): Telegram sends it with sendDocument, Slack uploads it."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CommandSpan(Span):
    """A command to type; ``text`` is the slash form, for readers of plain text only."""

    name: str = ""
    args: str = ""  # Arabic placeholders or an example ("العبارة", "2h"); "" for none
    isolated: bool = False  # a usage line (kept left-to-right as a whole) rather than a word in a sentence

    def written(self, prefix: str) -> str:
        """The invocation after ``prefix`` ("/" on Telegram, "/newsbot " on Slack)."""
        text = f"{prefix}{self.name} {self.args}" if self.args else f"{prefix}{self.name}"
        return isolate_ltr(text) if self.isolated else text


@dataclass(frozen=True, slots=True)
class ActorSpan(Span):
    """Who made a change, in a channel note: each platform names the person its own way (Slack: <@U…>)."""


@dataclass(frozen=True, slots=True)
class ChatSpan(Span):
    """A chat the user named with "@" and the platform resolved: shown as a tappable name, not defused."""


def command(name: str, args: str = "", *, isolated: bool = False) -> CommandSpan:
    """A ``CommandSpan`` whose plain text is the slash form."""
    probe = CommandSpan("", name=name, args=args, isolated=isolated)
    return CommandSpan(probe.written("/"), name=name, args=args, isolated=isolated)


@dataclass(slots=True)
class Reply:
    lines: list[Line] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    changed: bool = False  # settings changed: Slack also posts a visible note in the channel
    note: Line | None = None  # that visible note, in the third person (``note()``), with an ``ActorSpan``
    toast: str | None = None  # the short answer to a button press (Telegram's callback answer)
    edit: bool = False  # a button's answer that replaces the message the button is on
    error: bool = False
    document: Document | None = None

    def add(self, *spans: Span | str) -> "Reply":
        self.lines.append(line(*spans))
        return self

    def plain_text(self) -> str:
        return "\n".join("".join(s.text for s in ln) for ln in self.lines)


def line(*spans: Span | str) -> Line:
    """A right-to-left line: strings become plain spans, an RLM starts the paragraph."""
    parts = [s if isinstance(s, Span) else Span(s) for s in spans]
    if parts and not parts[0].text.startswith(RLM):
        parts.insert(0, Span(RLM))
    return tuple(p for p in parts if p.text)


def note(template: str, **values: Span | str | int) -> Line:
    """A channel note from a third-person template whose ``{user}`` is whoever made the change."""
    return line(*phrase(template, user=ActorSpan("عضو"), **values))


def bold(text: str) -> Span:
    return Span(text, bold=True)


def phrase(template: str, **values: Span | str | int) -> tuple[Span, ...]:
    """One of our own sentences (``texts.T``) as spans, ``str.format``-style.

    A "/name" the sentence itself mentions becomes a ``CommandSpan``, so each
    platform writes it its own way; the values (user text among them) are put
    in as they are and never read for commands.
    """
    out: list[Span] = []
    for literal, name, spec, _conversion in Formatter().parse(template):
        out.extend(_mentions(literal))
        if name is not None:
            value = values[name]
            out.append(value if isinstance(value, Span) else Span(format(value, spec or "")))
    return tuple(s for s in out if s.text)


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _mentions(text: str) -> list[Span]:
    """Plain text split around "/name" mentions (a slash at a word start, lower-case Latin name)."""
    out: list[Span] = []
    start = i = 0
    while (i := text.find("/", i)) >= 0:
        j = i + 1
        while j < len(text) and text[j].isascii() and (text[j].islower() or text[j].isdigit() or text[j] == "_"):
            j += 1
        name = text[i + 1:j]
        before = text[i - 1] if i else " "
        after = text[j] if j < len(text) else " "
        if name[:1].isalpha() and not _word(before) and before not in "/:" and not _word(after):
            out.append(Span(text[start:i]))
            out.append(command(name))
            start = j
        i = j
    out.append(Span(text[start:]))
    return out


_PAIRS = {"«": "»", '"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u201e": "\u201d", "'": "'"}


def term_text(text: str) -> str:
    """A user's term as put inside our own «…»: isolated, one pair of its own quotes dropped.

    "/watch «الناتو»" is answered «الناتو», never «الـ«ناتو»» (nested guillemets).
    """
    t = text.strip()
    if len(t) > 2 and _PAIRS.get(t[0]) == t[-1] and not any(q in t[1:-1] for q in "«»\"\u201c\u201d"):
        t = t[1:-1].strip()
    return isolate(t)


def _symbol(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch in "\ufe0f\ufe0e\u200d\u20e3" or 0x1F3FB <= ord(ch) <= 0x1F3FF


def trim_symbols(text: str) -> str:
    """A term without the emoji and symbols around its words ("🔴 عاجل 🔴" -> "عاجل"); kept when nothing else is left."""
    lines = []
    for ln in text.split("\n"):
        words = [_trim_word(w) for w in ln.split()]
        lines.append(" ".join(w for w in words if w))
    out = "\n".join(ln for ln in lines if ln)
    return out if out.strip() else text


def _trim_word(word: str) -> str:
    start, end = 0, len(word)
    while start < end and _symbol(word[start]):
        start += 1
    while end > start and _symbol(word[end - 1]):
        end -= 1
    return word[start:end]
