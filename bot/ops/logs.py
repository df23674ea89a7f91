"""Structured logs: JSON when stdout is not a terminal, with secrets scrubbed everywhere.

Libraries log through the standard ``logging`` module (httpx logs every Bot
API URL, which contains the bot token), so redaction runs as a processor on
every record, ours and theirs: any known secret value, and anything shaped
like a Telegram or Slack token, is replaced before formatting.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

__all__ = ["setup_logging", "Redactor"]

_TOKEN_SHAPES = re.compile(
    r"(?:\b\d{6,12}:[A-Za-z0-9_-]{30,}\b)"  # Telegram bot token
    r"|(?:\bxox[abposr]-[A-Za-z0-9-]{8,}\b)"  # Slack bot/user tokens
    r"|(?:\bxapp-[A-Za-z0-9-]{8,}\b)"  # Slack app-level token
)
_REDACTED = "[REDACTED]"


class Redactor:
    """Replaces secret values and token-shaped strings in any log field."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for s in self.secrets:
            if s in text:
                text = text.replace(s, _REDACTED)
        return _TOKEN_SHAPES.sub(_REDACTED, text)

    def _value(self, v: Any) -> Any:
        if isinstance(v, str):
            return self.scrub(v)
        if isinstance(v, (list, tuple)):
            return type(v)(self._value(x) for x in v)
        if isinstance(v, dict):
            return {k: self._value(x) for k, x in v.items()}
        if isinstance(v, BaseException):
            return self.scrub(repr(v))
        return v

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in list(event.items()):
            event[key] = self._value(value)
        return event


class _StdlibScrubber(logging.Filter):
    """Scrubs records from other libraries before they are formatted (args included)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            return True  # a structlog event: the redacting processor already ran
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record still gets logged, scrubbed
            message = str(record.msg)
        record.msg = self.redactor.scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), *, json: bool | None = None,
                  stream: Any = None) -> Redactor:
    """Configure structlog and stdlib logging once for the process; returns the redactor."""
    redactor = Redactor(secrets)
    stream = stream or sys.stderr
    if json is None:
        json = not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
    ]
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer(
        colors=False)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(_StdlibScrubber(redactor))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_newsbot", False):
            root.removeHandler(h)
    handler._newsbot = True  # type: ignore[attr-defined]  # noqa: SLF001 - our own marker
    root.addHandler(handler)
    root.setLevel(level)
    # Request lines of the HTTP clients carry tokens in URLs; they are noise at INFO anyway.
    # "slack_sdk.web" by name: slack_sdk tests its logger's own ``level`` (not the effective one) before
    # formatting a debug line of every request and answer, and an unset level (0) passes that test.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic", "slack_sdk", "slack_sdk.web",
                  "slack_bolt", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return redactor
