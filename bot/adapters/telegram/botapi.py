"""sendMessage and editMessageText as one JSON POST each: the alert path without PTB's object layer.

A fan-out is thousands of sendMessage calls of which we need one number back (message_id).
Through PTB each call builds its request objects parameter by parameter and turns the answer
into a tree of Message objects (``de_json``): per py-spy about half of a send's CPU, as much as
the HTTP request itself. Here the parameters are one dict serialised by ``json.dumps`` and the
answer is read for ``ok`` and ``result.message_id``. A refusal is raised as PTB's own exception
by PTB's own rules (``BaseRequest._request_wrapper``), so ``sender.outcome_for`` maps every
call alike. Commands, uploads and update polling stay on PTB.
"""

from __future__ import annotations

import json
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.adapters.telegram.transport import AiohttpRequest

__all__ = ["BotApi", "refusal"]


def refusal(code: int, payload: bytes) -> TelegramError:
    """The exception PTB raises for a non-2xx answer (same classes, same messages)."""
    try:
        message = f"{HTTPStatus(code).phrase} ({code})"
    except ValueError:
        message = f"Unknown HTTPError ({code})"
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
        message += f". Parsing the server response {payload!r} failed"
    if isinstance(data, dict):
        message = str(data.get("description") or message)
        parameters = data.get("parameters")
        if isinstance(parameters, dict) and parameters:
            if parameters.get("migrate_to_chat_id"):
                return ChatMigrated(int(parameters["migrate_to_chat_id"]))
            if parameters.get("retry_after"):
                return RetryAfter(timedelta(seconds=int(parameters["retry_after"])))
            message += f". The server response contained unknown parameters: {parameters}"
    if code == HTTPStatus.FORBIDDEN:
        return Forbidden(message)
    if code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(message)
    if code == HTTPStatus.BAD_REQUEST:
        return BadRequest(message)
    if code == HTTPStatus.CONFLICT:
        return Conflict(message)
    return NetworkError(message)


class BotApi:
    """Bot API methods called with plain JSON on our aiohttp transport."""

    def __init__(self, request: AiohttpRequest, base_url: str) -> None:
        self._request = request
        self._base = base_url.rstrip("/")  # ends with the token: never put it in a message

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """The method's ``result``; raises PTB's TelegramError subclasses as PTB would."""
        body = json.dumps({k: v for k, v in params.items() if v is not None},
                          ensure_ascii=False, separators=(",", ":")).encode()
        code, payload = await self._request.post_json(f"{self._base}/{method}", body)
        if not 200 <= code <= 299:
            raise refusal(code, payload)
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise TelegramError("Invalid server response") from exc
        if not isinstance(data, dict) or not data.get("ok"):
            raise refusal(HTTPStatus.BAD_REQUEST if isinstance(data, dict) else 0, payload)
        return data.get("result")
