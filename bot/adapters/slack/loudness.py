"""Slack payloads for what issue 16 added: the urgent tier line, the opt-in ``<!here>``, digests.

``message_payload`` here wraps ``render.message_payload``: an alert gets its
"🔴 عاجل" line (plain text, never parsed) and, only when the channel opted in
and the alert is urgent, our own ``<!here>``; feed text can never produce a
mention because it only ever reaches Slack through ``render``'s escaping.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack import render
from bot.alerts.digest import DigestMessage
from bot.alerts.model import AlertView
from bot.delivery.ports import Message

__all__ = ["HERE", "message_payload", "digest_message"]

HERE = "<!here>"
Json = dict[str, Any]


def _joined(line: Any) -> str:
    return "".join(s.text for s in line)


def digest_message(digest: DigestMessage) -> tuple[str, list[Json]]:
    """(fallback text, blocks) for a digest: its lines packed into sections (split earlier to fit 50)."""
    lines = [render.render_spans(ln) for ln in digest.lines]
    head = _joined(digest.lines[0]) if digest.lines else ""
    return render.inert(head.strip()[: render.TEXT_MAX // 2]) or " ", render._sections(lines, render.MAX_BLOCKS)  # noqa: SLF001


def message_payload(message: Message) -> tuple[str, list[Json]]:
    if isinstance(message, DigestMessage):
        return digest_message(message)
    fallback, blocks = render.message_payload(message)
    if not isinstance(message, AlertView):
        return fallback, blocks
    if message.tier:
        tier = _joined(message.tier)
        blocks.insert(0, {"type": "section", "text": {"type": "plain_text", "text": tier, "emoji": False}})
        fallback = render.inert(tier.strip()[:200]) + " " + fallback
    if message.here and message.tier:
        blocks.insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": HERE}})
        fallback = f"{HERE} {fallback}"
    return fallback, blocks
