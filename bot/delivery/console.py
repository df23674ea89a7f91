"""The console 'platform': alerts printed on stdout (the embedded default, and --console)."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from bot.delivery.budget import SendBudget
from bot.delivery.ports import Address, Message, Outcome

__all__ = ["ConsoleSender", "CONSOLE_CHAT"]

CONSOLE_CHAT = "stdout"
_RULE = "─" * 40


class ConsoleSender:
    platform = "console"
    global_rate = 1000.0

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self.budget = SendBudget(self.global_rate)
        self._lock = threading.Lock()
        self._count = 0

    def pacing(self, chat_kind: str) -> float:
        return 0.0

    def render(self, message: Message) -> str:
        """Alerts, notices and digests alike: their plain text."""
        return message.plain_text()

    async def send(self, to: Address, message: Message) -> Outcome:
        stream = self._stream or sys.stdout
        text = self.render(message)
        with self._lock:
            self._count += 1
            try:
                stream.write(f"{_RULE}\n{text}\n")
                stream.flush()
            except (OSError, ValueError) as exc:  # closed pipe: nothing more can be printed
                return Outcome.failed(f"console: {exc}")
        return Outcome.sent(str(self._count))

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome:
        stream = self._stream or sys.stdout
        with self._lock:
            try:
                stream.write(f"{_RULE}\n(تحديث للتنبيه {message_ref})\n{self.render(message)}\n")
                stream.flush()
            except (OSError, ValueError) as exc:
                return Outcome.failed(f"console: {exc}")
        return Outcome.sent(message_ref)
