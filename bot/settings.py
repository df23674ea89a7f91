"""Typed settings from the environment (and an optional ``.env``); secrets stay secret.

Every secret is a ``SecretStr`` so that printing, logging or repr of the
settings never shows it; ``secret_values()`` feeds the log redactor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "load_settings", "database_urls"]

MIN_POLL_INTERVAL = 10


class SettingsError(ValueError):
    """The environment is not usable; the message says which variable and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    database_url: str = Field("sqlite:///newsbot.db", alias="DATABASE_URL")
    config_dir: Path = Field(Path("config"), alias="NEWSBOT_CONFIG_DIR")
    poll_interval: int = Field(120, alias="NEWSBOT_POLL_INTERVAL")
    min_feed_interval: int = Field(60, alias="NEWSBOT_MIN_FEED_INTERVAL")
    max_feed_interval: int = Field(3600, alias="NEWSBOT_MAX_FEED_INTERVAL")
    timezone: str = Field("Asia/Riyadh", alias="NEWSBOT_TIMEZONE")
    max_age: str = Field("48h", alias="NEWSBOT_MAX_AGE")
    backfill: int = Field(0, alias="NEWSBOT_BACKFILL", ge=0, le=100)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    console: bool = Field(False, alias="NEWSBOT_CONSOLE")
    console_watchlists: str = Field("all", alias="NEWSBOT_CONSOLE_WATCHLISTS")
    user_agent: str = Field(
        "newsbot/0.1 (+https://github.com/newsbot/newsbot; feed alerts)", alias="NEWSBOT_USER_AGENT"
    )

    # Fetching
    fetch_concurrency: int = Field(200, alias="NEWSBOT_FETCH_CONCURRENCY", ge=1, le=5000)
    fetch_per_host: int = Field(4, alias="NEWSBOT_FETCH_PER_HOST", ge=1, le=100)
    fetch_timeout: float = Field(30.0, alias="NEWSBOT_FETCH_TIMEOUT", gt=0)
    connect_timeout: float = Field(10.0, alias="NEWSBOT_CONNECT_TIMEOUT", gt=0)
    read_timeout: float = Field(15.0, alias="NEWSBOT_READ_TIMEOUT", gt=0)
    max_feed_bytes: int = Field(5 * 1024 * 1024, alias="NEWSBOT_MAX_FEED_BYTES", ge=1024)
    max_redirects: int = Field(5, alias="NEWSBOT_MAX_REDIRECTS", ge=0, le=20)
    allow_private_config_feeds: bool = Field(True, alias="NEWSBOT_ALLOW_PRIVATE_CONFIG_FEEDS")
    failure_deactivate_after: int = Field(50, alias="NEWSBOT_FEED_DISABLE_AFTER", ge=1)
    max_backoff: float = Field(6 * 3600.0, alias="NEWSBOT_MAX_BACKOFF", ge=10)
    retry_max: float = Field(300.0, alias="NEWSBOT_RETRY_MAX", ge=0.1)  # longest wait between two send attempts
    cluster_window_hours: float = Field(24.0, alias="NEWSBOT_CLUSTER_WINDOW_HOURS", gt=0)
    edit_delay: float = Field(30.0, alias="NEWSBOT_EDIT_DELAY", ge=0)

    # Chat platforms
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Telegram's limits: ~30 messages/s overall, 1/s per chat, 20/minute per group. Keep the defaults
    # in production; tests against a local Bot API double lower them.
    telegram_global_rate: float = Field(25.0, alias="TELEGRAM_GLOBAL_RATE", gt=0)
    telegram_private_interval: float = Field(1.0, alias="TELEGRAM_PRIVATE_INTERVAL", ge=0)
    telegram_group_interval: float = Field(3.0, alias="TELEGRAM_GROUP_INTERVAL", ge=0)
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    slack_settings_policy: str = Field("members", alias="SLACK_SETTINGS_POLICY")

    # Ops
    port: int = Field(8080, alias="PORT", ge=0, le=65535)
    http_host: str = Field("0.0.0.0", alias="NEWSBOT_HTTP_HOST")
    ops_telegram_chat_id: str | None = Field(None, alias="OPS_TELEGRAM_CHAT_ID")
    ops_slack_channel: str | None = Field(None, alias="OPS_SLACK_CHANNEL")
    ops_feed_failures: int = Field(3, alias="OPS_FEED_FAILURES", ge=1)
    ops_backlog_threshold: int = Field(500, alias="OPS_BACKLOG_THRESHOLD", ge=1)
    ops_min_interval: float = Field(60.0, alias="OPS_MIN_INTERVAL", ge=0)
    replica_id: str | None = Field(None, alias="NEWSBOT_REPLICA_ID")
    lease_seconds: float = Field(30.0, alias="NEWSBOT_LEASE_SECONDS", gt=1)

    # Chat limits
    max_terms_per_chat: int = Field(200, alias="NEWSBOT_MAX_TERMS", ge=1)
    max_feeds_per_chat: int = Field(50, alias="NEWSBOT_MAX_FEEDS", ge=1)
    commands_per_minute: int = Field(20, alias="NEWSBOT_COMMANDS_PER_MINUTE", ge=1)

    @field_validator("poll_interval")
    @classmethod
    def _poll_interval(cls, v: int) -> int:
        if v < MIN_POLL_INTERVAL:
            raise ValueError(f"must be at least {MIN_POLL_INTERVAL} seconds (got {v})")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {v!r}") from None
        return v

    @field_validator("max_age")
    @classmethod
    def _max_age(cls, v: str) -> str:
        parse_duration_seconds(v)
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return v

    @field_validator("slack_settings_policy")
    @classmethod
    def _policy(cls, v: str) -> str:
        if v not in {"members", "admins"}:
            raise ValueError("must be 'members' or 'admins'")
        return v

    @field_validator(
        "telegram_bot_token", "slack_bot_token", "slack_signing_secret", "slack_app_token",
        "telegram_webhook_secret", mode="before",
    )
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @model_validator(mode="after")
    def _intervals(self) -> "Settings":
        if self.min_feed_interval < MIN_POLL_INTERVAL:
            self.min_feed_interval = MIN_POLL_INTERVAL
        if self.max_feed_interval < self.min_feed_interval:
            raise ValueError("NEWSBOT_MAX_FEED_INTERVAL must not be below NEWSBOT_MIN_FEED_INTERVAL")
        return self

    # ------------------------------------------------------------------ views
    @property
    def max_age_seconds(self) -> float:
        return parse_duration_seconds(self.max_age)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    def secret_values(self) -> list[str]:
        """Every secret's value, so the log redactor can scrub it wherever it appears."""
        out = []
        for s in (self.telegram_bot_token, self.slack_bot_token, self.slack_signing_secret,
                  self.slack_app_token, self.telegram_webhook_secret):
            if s is not None and s.get_secret_value():
                out.append(s.get_secret_value())
        password = re.search(r"://[^:/@]+:([^@]+)@", self.database_url)
        if password:
            out.append(password.group(1))
        return out

    def redacted_database_url(self) -> str:
        return re.sub(r"(://[^:/@]+:)([^@]+)@", r"\1***@", self.database_url)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration_seconds(text: str) -> float:
    """'30m', '2h', '1d', '90' (seconds) -> seconds; ValueError on anything else."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 2h, 1d)")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def database_urls(url: str) -> tuple[str, str]:
    """(async URL, sync URL) from a DATABASE_URL as hosting platforms give it."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SettingsError(f"DATABASE_URL is not a URL: {url!r}")
    base = scheme.split("+", 1)[0]
    if base == "postgresql":
        return f"postgresql+psycopg://{rest}", f"postgresql+psycopg://{rest}"
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}", f"sqlite://{rest}"
    raise SettingsError(f"DATABASE_URL: unsupported database {base!r} (use sqlite or postgresql)")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err.get("loc") or ("?",)
            field = str(loc[0])
            info = Settings.model_fields.get(field)
            name = (info.alias if info and info.alias else field).upper()
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{name}: {msg}")
        raise SettingsError("; ".join(problems)) from None
