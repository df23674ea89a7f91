"""What a command answers, platform-neutral: lines of spans, buttons, and a channel note."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.alerts.arabic import RLM
from bot.alerts.model import Span

__all__ = ["Reply", "Button", "Span", "line", "bold"]

Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # opaque to adapters: "toggle:<watchlist id>"


@dataclass(slots=True)
class Reply:
    lines: list[Line] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    changed: bool = False  # settings changed: Slack also posts a visible note in the channel
    note: str | None = None  # that visible note (plain text)
    error: bool = False

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


def bold(text: str) -> Span:
    return Span(text, bold=True)
