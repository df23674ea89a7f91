"""Who may change a chat's settings, and which chat "@channel" names — asked of Telegram.

The command core decides *when* a check is needed; only Telegram knows the
answer. Answers are cached briefly: a group's members may send many commands
in a row, and getChatMember is rate-limited like everything else. A refusal
is remembered for less time than an approval, so a newly promoted admin waits
seconds, not a minute.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import structlog
from telegram import Bot, ChatMember
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.adapters.telegram.sender import chat_ref
from bot.commands.service import ChatTarget, TargetError

__all__ = ["Permissions", "ADMIN_STATUSES"]

log = structlog.get_logger(__name__)

ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
ADMIN_TTL = 60.0
REFUSED_TTL = 10.0
MAX_CACHED = 10_000
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_CHAT_ID = re.compile(r"-100\d{5,15}")  # a private channel has no @name: its numeric id
_NUMERIC = re.compile(r"-?\d+")


class Permissions:
    def __init__(self, bot: Bot, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: str, user_id: str) -> bool:
        """True when the user is the chat's creator or an administrator (cached briefly).

        Network trouble raises, so the core answers "try again" rather than "you are not an admin".
        """
        if not _NUMERIC.fullmatch(user_id):
            return False
        key = (chat_id, user_id)
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            member = await self.bot.get_chat_member(chat_ref(chat_id), int(user_id))
            allowed = member.status in ADMIN_STATUSES
        except (BadRequest, Forbidden) as exc:  # user or chat unknown, bot not in the chat
            log.info("telegram_admin_check_refused", chat=chat_id, error=type(exc).__name__)
            allowed = False
        if len(self._cache) > MAX_CACHED:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        self._cache[key] = (now + (ADMIN_TTL if allowed else REFUSED_TTL), allowed)
        return allowed

    def forget(self, chat_id: str) -> None:
        """Drop cached answers for a chat (the bot's or someone's membership changed)."""
        for key in [k for k in self._cache if k[0] == chat_id]:
            del self._cache[key]

    async def resolve(self, ref: str) -> ChatTarget:
        """'@name' (or '-100…') -> a channel (or group) where the bot is an administrator allowed to post."""
        name = ref.strip()
        if not _USERNAME.fullmatch(name) and not _CHAT_ID.fullmatch(name):
            raise TargetError("not_found")
        try:
            chat = await self.bot.get_chat(int(name) if name.startswith("-") else name)
        except (BadRequest, Forbidden):
            raise TargetError("not_found") from None
        if chat.type not in (ChatType.CHANNEL, ChatType.GROUP, ChatType.SUPERGROUP):
            raise TargetError("not_channel")
        try:
            me = await self.bot.get_chat_member(chat.id, self.bot.id)
        except (BadRequest, Forbidden):
            raise TargetError("bot_not_admin") from None
        if me.status != ChatMember.ADMINISTRATOR:
            raise TargetError("bot_not_admin")
        if chat.type == ChatType.CHANNEL and not getattr(me, "can_post_messages", False):
            raise TargetError("bot_not_admin")
        return ChatTarget(str(chat.id), str(chat.type), chat.title)
