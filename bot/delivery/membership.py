"""A chat leaving and coming back: one path for the dispatcher and the platform adapters.

Before, a refused send closed the chat's queue and told ops while a
membership update only flipped a flag; now both call ``ChatLifecycle.gone``.
"""

from __future__ import annotations

import structlog

from bot.delivery.ports import ChatDirectory, DeliveryEvents

__all__ = ["ChatLifecycle"]

log = structlog.get_logger(__name__)


class ChatLifecycle:
    def __init__(self, chats: ChatDirectory, events: DeliveryEvents | None = None) -> None:
        self.chats = chats
        self.events = events

    async def gone(self, platform: str, external_id: str, reason: str, *, name: str | None = None) -> bool:
        """Stop delivering to the chat, close its queue, keep its settings, tell ops once."""
        changed = await self.chats.chat_gone(platform, external_id, reason)
        if changed:
            log.warning("chat_deactivated", platform=platform, chat=external_id, reason=reason)
            if self.events is not None:
                await self.events.chat_gone(platform, name or external_id, reason)
        return changed

    async def back(self, platform: str, external_id: str) -> None:
        await self.chats.chat_back(platform, external_id)

    async def migrated(self, platform: str, old_external: str, new_external: str, kind: str) -> None:
        await self.chats.migrate_chat(platform, old_external, new_external, kind)
