"""An alert's work on Slack: who took it and who it is assigned to (mrkdwn, real mentions), and its buttons.

The acknowledge and "not relevant" buttons carry the signed token as their
value; the assign control is a user picker, so its token rides in the block id
(a users_select has no value of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.alerts.model import AlertView, Span
from bot.domain.states import AlertAction

__all__ = ["work_blocks", "ACTION_PREFIX", "ASSIGN_BLOCK_PREFIX"]

Json = dict[str, Any]
ACTION_PREFIX = "work:"
ASSIGN_BLOCK_PREFIX = "assign|"


def work_blocks(view: AlertView, spans: Callable[[Sequence[Span]], str]) -> list[Json]:
    blocks: list[Json] = []
    for line in view.work:
        text = spans(line)
        if text.strip():
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]})
    elements: list[Json] = []
    assign: Json | None = None
    for b in view.actions:
        if b.action == AlertAction.ASSIGN.value:
            assign = {"type": "actions", "block_id": (ASSIGN_BLOCK_PREFIX + b.token)[:255], "elements": [
                {"type": "users_select", "action_id": f"{ACTION_PREFIX}assign",
                 "placeholder": {"type": "plain_text", "text": b.label[:150], "emoji": True}}]}
        else:
            elements.append({"type": "button", "action_id": f"{ACTION_PREFIX}{b.action}", "value": b.token[:2000],
                             "text": {"type": "plain_text", "text": b.label[:75], "emoji": True}})
    if elements:
        blocks.append({"type": "actions", "block_id": "work", "elements": elements})
    if assign is not None:
        blocks.append(assign)
    return blocks
