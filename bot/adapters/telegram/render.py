"""Neutral messages -> Telegram HTML: escape everything, map bold and links, fit 4096.

The wording is formatted once elsewhere (``bot.alerts.model``, the command
core); Telegram only needs three things on top, all done here and nowhere else:

* every piece of text escaped (``& < >``, and ``"`` inside ``href``), so feed
  text such as ``<a href=…>`` or ``</b>`` shows as text, never as markup;
* ``@username`` in text defused with a zero-width joiner after the ``@``:
  Telegram turns bare ``@name`` into a mention entity even in HTML mode, which
  would let a feed ping or advertise any account in every subscribed chat;
* at most 4096 *visible* UTF-16 units. Lines are cut before they are escaped,
  so a cut never lands inside a tag or an entity; alerts lose summary words
  first, then title words.

This module does not import python-telegram-bot: it is pure and quick to test.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import structlog

from bot.alerts.arabic import PDI
from bot.alerts.digest import DigestMessage
from bot.alerts.model import AlertView, Mention, Span
from bot.alerts.spike import CAPTION_LIMIT, SpikeView
from bot.commands.reply import ChatSpan, CommandSpan, Reply
from bot.delivery.ports import Message, Notice

__all__ = ["LIMIT", "Rendered", "render", "render_alert", "render_notice", "render_reply", "render_spike", "neutralize",
           "safe_href", "escape", "utf16_len", "truncate_line", "fit_lines"]

log = structlog.get_logger(__name__)

LIMIT = 4096  # visible UTF-16 code units per message
CALLBACK_DATA_MAX = 64  # bytes, a Bot API limit
ELLIPSIS = "…"
ZWJ = "\u200d"
MIN_KEEP = 16  # a summary shorter than this after cutting is dropped instead
_MENTION = re.compile(r"@(?=[A-Za-z0-9_])")
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_HREF_SAFE = ":/?#[]@!$&'()*+,;=%~-._"

Line = tuple[Span, ...]
Buttons = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Telegram message: HTML, its visible text (the plain fallback), buttons, preview."""

    html: str
    plain: str
    buttons: Buttons = ()  # rows of (label, callback_data)
    preview_url: str | None = None  # None: no link preview
    silent: bool = False  # disable_notification (a normal alert to a chat that chose /notify urgent)

    @property
    def empty(self) -> bool:
        return not self.plain.strip()


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for limits and offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def escape(text: str, *, attribute: bool = False) -> str:
    """Escape for Telegram HTML (it knows only &lt; &gt; &amp; &quot; and numeric entities)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


def neutralize(text: str) -> str:
    """Keep ``@name`` from becoming a mention: an invisible joiner after the ``@``."""
    return _MENTION.sub("@" + ZWJ, text) if "@" in text else text


def safe_href(url: str | None) -> str | None:
    """An http(s) URL fit for ``<a href>`` (spaces and non-ASCII percent-encoded), else None."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    return quote(url, safe=_HREF_SAFE)


# ------------------------------------------------------------------ lines
def _prepare(line: Iterable[Span]) -> Line:
    """Defuse mentions in text, write commands "/watch العبارة", drop links Telegram would refuse (kept as text)."""
    out = []
    for span in line:
        if not span.text:
            continue
        if isinstance(span, Mention):  # a member named by an admin or picked by id: a real mention
            out.append(Span(span.text, href=f"tg://user?id={span.user}") if span.user.isdigit()
                       else Span(span.text if _USERNAME.fullmatch(span.text) else neutralize(span.text)))
            continue
        href = safe_href(span.href) if span.href else None
        raw = span.written("/") if isinstance(span, CommandSpan) else span.text
        text = raw if href or isinstance(span, ChatSpan) else neutralize(raw)  # a named chat stays tappable
        out.append(Span(text, bold=span.bold, href=href))
    return tuple(out)


def _visible(line: Line) -> int:
    return sum(utf16_len(s.text) for s in line)


def _total(lines: Sequence[Line]) -> int:
    return sum(_visible(ln) for ln in lines) + max(0, len(lines) - 1)


def _cut(text: str, budget: int) -> str:
    """The longest prefix within ``budget`` units, at a word boundary when one is near."""
    used = 0
    end = 0
    for i, ch in enumerate(text):
        n = 2 if ord(ch) > 0xFFFF else 1
        if used + n > budget:
            break
        used += n
        end = i + 1
    cut = text[:end]
    if end < len(text):
        space = cut.rfind(" ")
        if space >= len(cut) // 2:
            cut = cut[:space]
    return cut.rstrip(" ،,.;:-–—")


def truncate_line(line: Line, units: int) -> Line:
    """The line within ``units`` visible units, marked with an ellipsis; a closing isolate stays."""
    if _visible(line) <= units:
        return line
    tail: Line = ()
    body = line
    if body and set(body[-1].text) <= {PDI}:
        tail, body = body[-1:], body[:-1]
    budget = units - utf16_len(ELLIPSIS) - _visible(tail)
    if budget < 0:
        return ()
    out: list[Span] = []
    for span in body:
        n = utf16_len(span.text)
        if n <= budget:
            out.append(span)
            budget -= n
            continue
        piece = _cut(span.text, budget)
        if piece:
            out.append(dataclasses.replace(span, text=piece))
        break
    return (*out, Span(ELLIPSIS), *tail)


def fit_lines(lines: Sequence[Line], limit: int = LIMIT) -> list[Line]:
    """Lines within ``limit`` visible units (newlines included), cut at the end if needed."""
    out: list[Line] = []
    used = 0
    for ln in lines:
        sep = 1 if out else 0
        need = _visible(ln) + sep
        if used + need <= limit:
            out.append(ln)
            used += need
            continue
        cut = truncate_line(ln, limit - used - sep)
        if cut:
            out.append(cut)
        break
    return out


def _html(lines: Sequence[Line]) -> str:
    rows = []
    for ln in lines:
        parts = []
        for span in ln:
            piece = escape(span.text)
            if span.href:
                piece = f'<a href="{escape(span.href, attribute=True)}">{piece}</a>'
            if span.bold:
                piece = f"<b>{piece}</b>"
            parts.append(piece)
        rows.append("".join(parts))
    return "\n".join(rows)


def _plain(lines: Sequence[Line]) -> str:
    return "\n".join("".join(s.text for s in ln) for ln in lines)


def _finish(lines: Sequence[Line], buttons: Buttons = (), preview_url: str | None = None) -> Rendered:
    lines = [ln for ln in lines if ln]
    return Rendered(_html(lines), _plain(lines), buttons, preview_url)


# --------------------------------------------------------------- messages
def render_alert(view: AlertView, limit: int = LIMIT) -> Rendered:
    """An alert: summary words go first when too long, then title words, then trailing lines."""
    raw = view.lines()
    lines = [_prepare(ln) for ln in raw]
    over = _total(lines) - limit
    for target in (view.summary, view.title):
        if over <= 0:
            break
        idx = next((i for i, ln in enumerate(raw) if ln is target and lines[i]), None)
        if idx is None:
            continue
        size = _visible(lines[idx])
        keep = size - over
        if target is view.summary and keep < MIN_KEEP:
            lines[idx] = ()
            over -= size + 1
        else:
            lines[idx] = truncate_line(lines[idx], max(keep, MIN_KEEP))
            over = _total([ln for ln in lines if ln]) - limit
    fitted = fit_lines([ln for ln in lines if ln], limit)
    by_action = {b.action: (b.label, b.token) for b in view.actions if len(b.token.encode()) <= CALLBACK_DATA_MAX}
    rows = tuple(row for row in (tuple(by_action[a] for a in ("a", "s") if a in by_action),
                                 tuple(by_action[a] for a in ("f", "n") if a in by_action)) if row)
    return dataclasses.replace(_finish(fitted, rows, preview_url=safe_href(view.url)), silent=view.silent)


def render_digest(digest: DigestMessage, limit: int = LIMIT) -> Rendered:
    """A digest message (already split to the limit by its composer): lines, links, no preview."""
    return _finish(fit_lines([ln for ln in (_prepare(x) for x in digest.lines) if ln], limit))


def render_notice(notice: Notice, limit: int = LIMIT) -> Rendered:
    """An ops notice: a bold title, then its lines."""
    lines = [_prepare((Span(notice.title, bold=True),)), *(_prepare((Span(t),)) for t in notice.lines)]
    return _finish(fit_lines([ln for ln in lines if ln], limit))


def render_reply(reply: Reply, limit: int = LIMIT) -> Rendered:
    """A command's answer; buttons become (label, callback_data) rows."""
    lines = [_prepare(ln) for ln in reply.lines]
    rows = []
    for row in reply.buttons:
        kept = []
        for button in row:
            if not button.label or not 1 <= len(button.action.encode()) <= CALLBACK_DATA_MAX:
                log.warning("telegram_button_dropped", action=button.action[:80])
                continue
            kept.append((button.label, button.action))
        if kept:
            rows.append(tuple(kept))
    return _finish(fit_lines([ln for ln in lines if ln], limit), tuple(rows))


def render_spike(view: SpikeView, limit: int = CAPTION_LIMIT) -> Rendered:
    """A spike alert's caption, within a photo caption's 1,024 characters."""
    return _finish(fit_lines([ln for ln in (_prepare(x) for x in view.lines) if ln], limit))


def render(message: Message | Reply) -> Rendered:
    if isinstance(message, AlertView):
        return render_alert(message)
    if isinstance(message, SpikeView):
        return render_spike(message)
    if isinstance(message, Notice):
        return render_notice(message)
    if isinstance(message, DigestMessage):
        return render_digest(message)
    return render_reply(message)
