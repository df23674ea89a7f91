"""Who may change a Slack channel's settings, and which DM is a user's own.

``SLACK_SETTINGS_POLICY``: "members" (default) lets anyone in the channel
change it; "admins" only workspace admins and owners, who may always. The
answers come from the Web API (users.info, conversations.members), cached
briefly so a burst of commands costs one lookup, and bounded in time so a
slow Slack cannot eat the 3-second window a slash command has.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SlackAccess"]

log = structlog.get_logger(__name__)

LOOKUP_TIMEOUT = 1.5
ADMIN_TTL = 300.0
MEMBER_TTL = 60.0
MEMBERS_PAGE = 1000  # one page: beyond that the lookup is no longer cheap and Slack's word is taken


class SlackAccess:
    def __init__(self, client: AsyncWebClient, policy: str = "members") -> None:
        self.client = client
        self.policy = policy
        self._admins: dict[str, tuple[float, bool]] = {}
        self._members: dict[tuple[str, str], tuple[float, bool | None]] = {}
        self._dms: dict[str, str] = {}

    async def can_manage(self, user_id: str, channel_id: str) -> bool:
        """May ``user_id`` change the settings of ``channel_id`` under the configured policy?"""
        if self.policy == "members":
            member = await self.is_member(user_id, channel_id)
            # Slack only delivers a slash command or a click from a channel the user is in, so
            # "could not tell" (private channel the bot can't list, huge channel, slow API) means yes.
            if member is not False:
                return True
        return await self.is_workspace_admin(user_id)

    async def is_workspace_admin(self, user_id: str) -> bool:
        """Workspace admin or owner (users.info); on any failure, no — the safe answer."""
        now = time.monotonic()
        hit = self._admins.get(user_id)
        if hit and hit[0] > now:
            return hit[1]
        try:
            res = await asyncio.wait_for(self.client.users_info(user=user_id), LOOKUP_TIMEOUT)
            user: dict[str, Any] = res.get("user") or {}
        except Exception as exc:  # noqa: BLE001 - refusing is the safe answer; the user may retry
            log.warning("slack_users_info_failed", user=user_id, error=_describe(exc))
            return False
        ok = not user.get("deleted") and any(user.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
        self._admins[user_id] = (now + ADMIN_TTL, ok)
        return ok

    async def is_member(self, user_id: str, channel_id: str) -> bool | None:
        """True / False from one page of conversations.members; None when that cannot tell."""
        now = time.monotonic()
        key = (channel_id, user_id)
        hit = self._members.get(key)
        if hit and hit[0] > now:
            return hit[1]
        try:
            res = await asyncio.wait_for(
                self.client.conversations_members(channel=channel_id, limit=MEMBERS_PAGE), LOOKUP_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - e.g. a private channel the bot is not in
            log.info("slack_members_unknown", channel=channel_id, error=_describe(exc))
            return None
        members = res.get("members") or []
        more = bool((res.get("response_metadata") or {}).get("next_cursor"))
        answer: bool | None = True if user_id in members else (None if more else False)
        self._members[key] = (now + MEMBER_TTL, answer)
        if len(self._members) > 10000:
            self._members.clear()
        return answer

    async def personal_channel(self, user_id: str, fallback: str) -> str:
        """The user's DM with the bot (conversations.open), where personal alerts can always be posted.

        A slash command typed in a DM between two people carries that DM's id, which the bot can't
        post to; the user's own DM with the bot is what they mean by "me".
        """
        hit = self._dms.get(user_id)
        if hit:
            return hit
        try:
            res = await asyncio.wait_for(self.client.conversations_open(users=user_id), LOOKUP_TIMEOUT)
            channel = str((res.get("channel") or {}).get("id") or "")
        except Exception as exc:  # noqa: BLE001 - the DM the command came from is the next best thing
            log.info("slack_dm_open_failed", user=user_id, error=_describe(exc))
            return fallback
        if not channel:
            return fallback
        self._dms[user_id] = channel
        return channel


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return type(exc).__name__
