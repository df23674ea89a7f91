"""How a reply names the chat it acts on (see ``bot.alerts.address``): from the command's ``Where``."""

from __future__ import annotations

from bot.alerts.address import Addressee, addressee_for
from bot.commands.context import Where

__all__ = ["Addressee", "addressee"]


def addressee(where: Where) -> Addressee:
    """The words for the destination a command acts on."""
    return addressee_for(where.kind, where.thread_id, named=bool(where.label))
