"""Who goes first when a platform's send budget is short: a pure ordering of what the bot sends.

One budget per platform serves everything (alerts, command replies, edits, notices). When sends
queue for it, a person waiting for an answer comes first, then urgent alerts, then the rest
(normal alerts, edits of sent alerts, ops notices, digests).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["SendPriority", "send_priority"]


class SendPriority(IntEnum):
    """Lower goes first."""

    REPLY = 0
    URGENT = 1
    ROUTINE = 2


def send_priority(*, reply: bool = False, urgent: bool = False, edit: bool = False) -> SendPriority:
    """The priority of one send: a reply, an urgent first send, or anything else."""
    if reply:
        return SendPriority.REPLY
    if urgent and not edit:
        return SendPriority.URGENT
    return SendPriority.ROUTINE
