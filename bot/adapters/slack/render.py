"""Neutral messages -> Slack text and Block Kit, with every piece of outside text made inert.

Slack's mrkdwn has three escapes (``&``, ``<``, ``>``) and no escape at all
for its formatting characters, so text we did not write (feed titles and
summaries, feed names, users' terms) goes through ``inert()``: the three
escapes, plus look-alike characters for ``* _ ~ ``` wherever they could open
or close formatting. Bold and links come only from our own spans. Where no
formatting is needed at all (header, context lines, notices) we use
``plain_text``, which Slack never parses. Every mrkdwn object is
``verbatim`` so Slack does not auto-link names or parse ``@here``-style
mentions inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from bot.adapters.slack.alert_blocks import work_blocks
from bot.alerts.arabic import RLM
from bot.alerts.model import AlertView, Mention, Span
from bot.alerts.spike import SpikeView
from bot.commands.reply import ActorSpan, Button, CommandSpan, Reply
from bot.delivery.ports import Message, Notice

__all__ = [
    "SECTION_MAX", "HEADER_MAX", "MAX_BLOCKS", "BUTTONS_PER_BLOCK", "escape", "inert", "link", "from_slack",
    "render_spans", "alert_message", "notice_message", "message_payload", "plain_payload", "reply_payload",
    "note_text",
]

Json = dict[str, Any]

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
SECTION_MAX = 3000  # section text
HEADER_MAX = 150  # header plain_text
CONTEXT_MAX = 2000  # a context element (Slack allows more; long meta lines help nobody)
BUTTON_TEXT_MAX = 75
MAX_BLOCKS = 50
BUTTONS_PER_BLOCK = 25
TEXT_MAX = 3000  # the top-level fallback text of a message with blocks
PLAIN_MAX = 3900  # a text-only message (Slack advises at most 4000 characters)
URL_MAX = 2000
TITLE_MAX = 600
ZWSP = "\u200b"
ELLIPSIS = "…"

_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
# A formatting character can only open or close formatting next to a non-space character.
_FORMATTING = re.compile(r"[*_~`](?=\S)|(?<=\S)[*_~`]")
_ISOLATES = "\u2066\u2067\u2068\u2069\u200e\u200f"
_BARE_URL = re.compile(rf"^([\s{_ISOLATES}]*)(https?://[^\s{_ISOLATES}]+)([\s{_ISOLATES}]*)$")
_ANGLE = re.compile(r"<([^<>]*)>")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,30}$")


# ------------------------------------------------------------------ text


def escape(text: str) -> str:
    """Slack's three control characters (the only ones it documents an escape for)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inert(text: str) -> str:
    """Outside text for mrkdwn: escaped, and formatting characters replaced by look-alikes."""
    return escape(_FORMATTING.sub(lambda m: _LOOKALIKE[m.group()], text))


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for ``<url|label>`` (``|``, brackets and spaces percent-encoded), else None."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    target = escape(quote(url, safe="/:?#[]@!$&'()*+,;=%~-._"))
    return target if len(target) <= URL_MAX else None


def link(url: str | None, label: str) -> str:
    """``<url|label>`` with the label made inert; just the label when the URL is unusable."""
    target = safe_url(url)
    shown = inert(label if label.strip(_ISOLATES + " ") else url or "")
    return f"<{target}|{shown}>" if target else shown


def from_slack(text: str) -> str:
    """What the user typed, from Slack's wire form: ``<…>`` links and mentions unwrapped, entities decoded."""
    def unwrap(m: re.Match[str]) -> str:
        target, _, label = m.group(1).partition("|")
        if target[:1] in ("@", "#"):
            return target[0] + (label or target[1:])
        if target.startswith("!"):  # <!here>, <!subteam^S1|@team>
            return label if label.startswith("@") else "@" + (label or target[1:].split("^")[0])
        return target
    text = _ANGLE.sub(unwrap, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def _plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": False}


def _mrkdwn(text: str) -> Json:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _text(span: Span, command: str | None) -> str:
    """A span's text; with ``command``, a command span is written "/newsbot subscribe"."""
    if command and isinstance(span, CommandSpan):
        return span.written(f"{command} ")
    return span.text


def render_spans(spans: Sequence[Span], *, command: str | None = None) -> str:
    """One line of spans as mrkdwn; ``command`` is the slash command commands are typed after."""
    out: list[str] = []
    for i, span in enumerate(spans):
        text = _text(span, command)
        if isinstance(span, Mention):
            out.append(f"<@{span.user}>" if _USER_ID.fullmatch(span.user) else inert(text))
        elif span.href:
            out.append(link(span.href, text))
        elif span.bold and text.strip(_ISOLATES + " "):
            core = text.strip()
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            before = "".join(out)[-1:] or "\n"
            after = (spans[i + 1].text[:1] if i + 1 < len(spans) else "") or "\n"
            # Slack bolds only at word edges: a zero-width space makes one inside a word.
            pre = "" if (lead or before.isspace()) else ZWSP
            post = "" if (trail or after.isspace()) else ZWSP
            out.append(f"{lead}{pre}*{inert(core)}*{post}{trail}")
        else:
            m = _BARE_URL.match(text)
            if m and safe_url(m.group(2)):
                out.append(f"{m.group(1)}<{safe_url(m.group(2))}>{m.group(3)}")
            else:
                out.append(inert(text))
    return "".join(out)


def _joined(spans: Iterable[Span]) -> str:
    return "".join(s.text for s in spans)


def _trim_spans(spans: Sequence[Span], keep: int) -> list[Span]:
    """The first ``keep`` characters of a line of spans, marked as cut (closing isolate kept)."""
    out: list[Span] = []
    left = keep
    closing = spans[-1] if spans and spans[-1].text == "\u2069" else None
    body = spans[:-1] if closing else spans
    for s in body:
        if left <= 0:
            break
        if len(s.text) <= left:
            out.append(s)
            left -= len(s.text)
        else:
            out.append(Span(s.text[:left].rstrip(), bold=s.bold, href=s.href))
            left = 0
    out.append(Span(ELLIPSIS))
    if closing:
        out.append(closing)
    return out


# ------------------------------------------------------------------ alerts and notices


def _fit_line(spans: Sequence[Span], budget: int) -> str:
    """Render a line within ``budget`` characters, cutting its text (never its markup) until it fits."""
    rendered = render_spans(spans)
    keep = len(_joined(spans))
    while len(rendered) > budget and keep > 0:
        keep = int(keep * 0.8)
        rendered = render_spans(_trim_spans(spans, keep)) if keep else ""
    return rendered


def alert_message(view: AlertView) -> tuple[str, list[Json]]:
    """(fallback text, blocks) for an alert: header, linked title + summary, context lines."""
    labels = _joined(view.header)
    target = safe_url(view.url)
    if target and len(target) > SECTION_MAX // 3:
        target = None  # an absurd URL: the title goes out unlinked (the plain text still carries it)
    if target:
        title = _joined(view.title).removesuffix("\u2069")
        closing = "\u2069" if len(title) < len(_joined(view.title)) else ""
        title = _cut(title, TITLE_MAX)
        while True:  # cut the words, keep the isolate closed
            title_part = f"{RLM}<{target}|{inert(title + closing)}>"
            if len(title_part) <= SECTION_MAX // 2 or len(title) <= 1:
                break
            title = _cut(title, len(title) * 4 // 5)
    else:
        title_part = _fit_line(view.title, SECTION_MAX // 2)
    body = title_part
    if view.summary:
        summary = _fit_line(view.summary, SECTION_MAX - len(title_part) - 1)
        if summary:
            body = f"{title_part}\n{summary}"
    blocks: list[Json] = [
        {"type": "header", "text": _plain(labels, HEADER_MAX)},
        {"type": "section", "text": _mrkdwn(body or ELLIPSIS)},
    ]
    for line in (view.meta, view.why, view.also, view.hashtags):
        if line and _joined(line).strip(_ISOLATES + " "):
            linked = any(s.href and safe_url(s.href) for s in line)  # the other outlets' own articles
            element = _mrkdwn(_fit_line(line, CONTEXT_MAX)) if linked else _plain(_joined(line), CONTEXT_MAX)
            blocks.append({"type": "context", "elements": [element]})
    fallback = inert(_cut(f"{labels.strip()}: {_joined(view.title).strip()}", TEXT_MAX // 2))
    return fallback, blocks + work_blocks(view, render_spans)


def notice_message(notice: Notice) -> tuple[str, list[Json]]:
    """(fallback text, blocks) for an ops notice: a header and a plain section."""
    blocks: list[Json] = []
    if notice.title.strip():
        blocks.append({"type": "header", "text": _plain(notice.title, HEADER_MAX)})
    body = "\n".join(notice.lines).strip()
    if body:
        blocks.append({"type": "section", "text": _plain(body, SECTION_MAX)})
    return inert(_cut(notice.plain_text(), TEXT_MAX // 2)) or " ", blocks


def message_payload(message: Message) -> tuple[str, list[Json]]:
    if isinstance(message, Notice):
        return notice_message(message)
    if isinstance(message, SpikeView):  # sent as a file upload (media.py); this is its text alone
        return "\n".join(render_spans(ln) for ln in message.lines), []
    if isinstance(message, AlertView):
        return alert_message(message)
    return inert(_cut(message.plain_text(), TEXT_MAX // 2)) or " ", []  # digests: bot.adapters.slack.loudness


def plain_payload(message: Message) -> str:
    """The whole message as text only: the resend when Slack refuses the blocks."""
    return inert(_cut(message.plain_text(), PLAIN_MAX)) or " "


# ------------------------------------------------------------------ command replies


def _buttons(rows: Sequence[Sequence[Button]]) -> list[Json]:
    seen: set[str] = set()
    buttons: list[Json] = []
    for row in rows:
        for b in row:
            action = b.action[:255]
            if action in seen:  # action_id must be unique within a message
                continue
            seen.add(action)
            buttons.append({"type": "button", "action_id": action, "value": action[:2000],
                            "text": _plain(b.label, BUTTON_TEXT_MAX)})
    return [{"type": "actions", "block_id": f"toggles-{i // BUTTONS_PER_BLOCK}",
             "elements": buttons[i:i + BUTTONS_PER_BLOCK]} for i in range(0, len(buttons), BUTTONS_PER_BLOCK)]


def _sections(lines: list[str], room: int) -> list[Json]:
    """Lines packed into sections of at most SECTION_MAX characters, at most ``room`` sections."""
    chunks: list[str] = []
    current = ""
    for ln in lines:
        if len(ln) > SECTION_MAX:
            ln = re.sub(r"(&[a-z]*|<[^>]*)$", "", ln[: SECTION_MAX - 1]) + ELLIPSIS
        if current and len(current) + 1 + len(ln) > SECTION_MAX:
            chunks.append(current)
            current = ln
        else:
            current = f"{current}\n{ln}" if current else ln
    if current:
        chunks.append(current)
    if len(chunks) > room:
        chunks = chunks[: max(0, room - 1)] + [ELLIPSIS]
    return [{"type": "section", "text": _mrkdwn(c)} for c in chunks if c.strip()]


def reply_payload(reply: Reply, *, command: str = "/newsbot") -> Json:
    """A command reply as a message payload (text + blocks), for ack(), respond() or the API."""
    actions = _buttons(reply.buttons)[: MAX_BLOCKS - 1]
    lines = [render_spans(ln, command=command) for ln in reply.lines]
    blocks = _sections(lines, MAX_BLOCKS - len(actions)) + actions
    text = "\n".join("".join(_text(s, command) for s in ln) for ln in reply.lines)
    return {"text": inert(_cut(text, TEXT_MAX // 2)) or " ", "blocks": blocks}


def note_text(user_id: str, note: Sequence[Span], *, command: str = "/newsbot") -> str:
    """The visible channel note, a third-person sentence: the person is mentioned, everything else inert."""
    who = f"<@{user_id}>" if _USER_ID.match(user_id or "") else inert(user_id or "?")
    parts = [who if isinstance(span, ActorSpan) else render_spans((span,), command=command) for span in note]
    text = "".join(parts)
    return text if text.startswith(RLM) else RLM + text
