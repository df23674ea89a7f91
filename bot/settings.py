"""Typed settings from the environment (and an optional ``.env``); secrets stay secret.

Every secret is a ``SecretStr`` so that printing, logging or repr of the
settings never shows it; ``secret_values()`` feeds the log redactor.
A combination that cannot work (a bound below its partner, a webhook without
a token, an ops channel on a platform that is not configured...) is refused
here, at start, with every problem named, rather than half-working later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import NewsbotError

__all__ = ["Settings", "SettingsError", "load_settings", "database_urls"]

TELEGRAM_FREE_RATE = 27.0  # messages/s: Telegram's 30 less a measured margin (README, 'Send budget')
TELEGRAM_PAID_RATE = 1000.0  # with allow_paid_broadcast (TELEGRAM_PAID_BROADCAST=true)
MIN_POLL_INTERVAL = 10  # the hard floor, in seconds, of every poll interval whatever sets it
TELEGRAM_WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})  # the only ports Telegram delivers webhooks to
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TELEGRAM_CHAT = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


class SettingsError(NewsbotError, ValueError):
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
    # Bounds for what a feed's own hints (ttl, Cache-Control max-age) ask for; never for the two above.
    min_feed_interval: int = Field(60, alias="NEWSBOT_MIN_FEED_INTERVAL", ge=MIN_POLL_INTERVAL)
    max_feed_interval: int = Field(3600, alias="NEWSBOT_MAX_FEED_INTERVAL", ge=MIN_POLL_INTERVAL)
    # Entry-frequency scheduling: a feed's pace from how often it publishes, within the two bounds above.
    adaptive_polling: bool = Field(True, alias="NEWSBOT_ADAPTIVE_POLLING")
    timezone: str = Field("Asia/Riyadh", alias="NEWSBOT_TIMEZONE")
    max_age: str = Field("48h", alias="NEWSBOT_MAX_AGE")
    backfill: int = Field(0, alias="NEWSBOT_BACKFILL", ge=0, le=100)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    console: bool = Field(False, alias="NEWSBOT_CONSOLE")
    console_watchlists: str = Field("all", alias="NEWSBOT_CONSOLE_WATCHLISTS")
    user_agent: str = Field(
        "newsbot/0.1 (+https://github.com/newsbot/newsbot; feed alerts)", alias="NEWSBOT_USER_AGENT"
    )

    # WebSub: the bot's public base URL (its HTTP port as the internet reaches it); unset: TELEGRAM_WEBHOOK_URL's origin
    public_url: str | None = Field(None, alias="NEWSBOT_PUBLIC_URL")
    websub_secret: SecretStr | None = Field(None, alias="NEWSBOT_WEBSUB_SECRET")
    # Fetching
    # Where a public Telegram channel's web preview lives (NAME appended); tests point it at a local double.
    telegram_preview_url: str = Field("https://t.me/s/", alias="NEWSBOT_TELEGRAM_PREVIEW_URL")
    fetch_concurrency: int = Field(200, alias="NEWSBOT_FETCH_CONCURRENCY", ge=1, le=5000)
    fetch_per_host: int = Field(4, alias="NEWSBOT_FETCH_PER_HOST", ge=1, le=100)
    # How far a fast, clean host's parallel requests may grow from NEWSBOT_FETCH_PER_HOST (equal: fixed).
    fetch_per_host_max: int = Field(64, alias="NEWSBOT_FETCH_PER_HOST_MAX", ge=1, le=1000)
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

    # Attention (issue 16)
    urgent_outlets: int = Field(3, alias="NEWSBOT_URGENT_OUTLETS", ge=2, le=100)
    urgent_window: int = Field(30, alias="NEWSBOT_URGENT_WINDOW", ge=1, le=24 * 60)  # minutes
    default_cap: int | None = Field(None, alias="NEWSBOT_DEFAULT_CAP", ge=1, le=10000)  # alerts/hour; unset: off

    # Chat platforms
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Telegram's limits: ~30 messages/s overall, 1/s per chat, 20/minute per group. Keep the defaults
    # in production; tests against a local Bot API double change them. Unset, the overall rate is
    # TELEGRAM_FREE_RATE (30/s less a measured margin), or TELEGRAM_PAID_RATE with paid broadcasts.
    telegram_global_rate: float | None = Field(None, alias="TELEGRAM_GLOBAL_RATE", ge=1)
    telegram_paid_broadcast: bool = Field(False, alias="TELEGRAM_PAID_BROADCAST")
    reply_give_up: float = Field(60.0, alias="NEWSBOT_REPLY_GIVE_UP", ge=1, le=3600)
    telegram_private_interval: float = Field(1.0, alias="TELEGRAM_PRIVATE_INTERVAL", ge=0)
    telegram_group_interval: float = Field(3.0, alias="TELEGRAM_GROUP_INTERVAL", ge=0)
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    slack_settings_policy: str = Field("members", alias="SLACK_SETTINGS_POLICY")
    slack_global_rate: float = Field(20.0, alias="SLACK_GLOBAL_RATE", ge=1, le=1000)  # workspace-wide; ours
    slack_channel_interval: float = Field(1.0, alias="SLACK_CHANNEL_INTERVAL", ge=0, le=60)  # Slack: ~1/s

    # Ops
    port: int = Field(8080, alias="PORT", ge=0, le=65535)
    http_host: str = Field("0.0.0.0", alias="NEWSBOT_HTTP_HOST")
    ops_telegram_chat_id: str | None = Field(None, alias="OPS_TELEGRAM_CHAT_ID")
    ops_slack_channel: str | None = Field(None, alias="OPS_SLACK_CHANNEL")
    ops_feed_failures: int = Field(3, alias="OPS_FEED_FAILURES", ge=1)
    ops_backlog_threshold: int = Field(500, alias="OPS_BACKLOG_THRESHOLD", ge=1)
    ops_min_interval: float = Field(60.0, alias="OPS_MIN_INTERVAL", ge=0)
    ops_digest_time: str = Field("08:00", alias="OPS_DIGEST_TIME", pattern=r"^\s*(off|([01]\d|2[0-3]):[0-5]\d)\s*$")
    replica_id: str | None = Field(None, alias="NEWSBOT_REPLICA_ID")
    lease_seconds: float = Field(30.0, alias="NEWSBOT_LEASE_SECONDS", gt=1)

    # Spike alerts (bot/domain/spikes.py, docs/spikes.md)
    spikes: bool = Field(True, alias="NEWSBOT_SPIKES")
    spike_min: int = Field(8, alias="NEWSBOT_SPIKE_MIN", ge=1, le=10_000)
    spike_cooldown: str = Field("3h", alias="NEWSBOT_SPIKE_COOLDOWN")
    spike_interval: float = Field(60.0, alias="NEWSBOT_SPIKE_INTERVAL", ge=0)

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
        if parse_duration_seconds(v) <= 0:
            raise ValueError(f"must be a positive duration such as 30m, 2h or 1d (got {v!r}): "
                             "with 0 no story would ever alert")
        return v

    @field_validator("spike_cooldown")
    @classmethod
    def _spike_cooldown(cls, v: str) -> str:
        if parse_duration_seconds(v) < 1800:
            raise ValueError(f"must be at least 30m, the spike window (got {v!r}): a shorter period would "
                             "alert twice on one burst")
        return v

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        database_urls(v)  # SettingsError (a ValueError) names what is wrong
        return v

    @field_validator("telegram_api_base_url", "slack_api_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL (got {v!r})")
        return v.strip()

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
        "telegram_webhook_secret", "telegram_webhook_url", "ops_telegram_chat_id", "ops_slack_channel",
        "replica_id", "public_url", "websub_secret", "telegram_global_rate", mode="before",
    )
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        if isinstance(v, str):
            return v.strip() or None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        """Refuse combinations that cannot work, naming every one; a defaulted partner follows an explicit one."""
        given = self.model_fields_set
        problems: list[str] = []

        def bound(low: str, high: str, low_var: str, high_var: str, relation: str) -> None:
            lo, hi = getattr(self, low), getattr(self, high)
            if lo <= hi:
                return
            if low not in given:  # only the partner was set: the default moves out of its way
                setattr(self, low, hi)
            elif high not in given:
                setattr(self, high, lo)
            else:
                problems.append(f"{low_var} ({lo:g}) {relation} {high_var} ({hi:g})")

        bound("min_feed_interval", "max_feed_interval", "NEWSBOT_MIN_FEED_INTERVAL", "NEWSBOT_MAX_FEED_INTERVAL",
              "is above")
        bound("connect_timeout", "fetch_timeout", "NEWSBOT_CONNECT_TIMEOUT", "NEWSBOT_FETCH_TIMEOUT",
              "is longer than the whole fetch may take,")
        bound("read_timeout", "fetch_timeout", "NEWSBOT_READ_TIMEOUT", "NEWSBOT_FETCH_TIMEOUT",
              "is longer than the whole fetch may take,")
        bound("fetch_per_host", "fetch_concurrency", "NEWSBOT_FETCH_PER_HOST", "NEWSBOT_FETCH_CONCURRENCY",
              "allows more fetches per host than in all,")
        bound("fetch_per_host", "fetch_per_host_max", "NEWSBOT_FETCH_PER_HOST", "NEWSBOT_FETCH_PER_HOST_MAX",
              "is above")
        bound("fetch_per_host_max", "fetch_concurrency", "NEWSBOT_FETCH_PER_HOST_MAX", "NEWSBOT_FETCH_CONCURRENCY",
              "allows more fetches per host than in all,")
        if self.public_url is not None:
            pub = urlsplit(self.public_url)
            if pub.scheme not in ("http", "https") or not pub.hostname or pub.query or pub.fragment:
                problems.append(f"NEWSBOT_PUBLIC_URL must be an http(s) base URL (got {self.public_url!r})")
        preview = urlsplit(self.telegram_preview_url)
        if preview.scheme not in ("http", "https") or not preview.hostname:
            problems.append(f"NEWSBOT_TELEGRAM_PREVIEW_URL must be an http(s) URL (got {self.telegram_preview_url!r})")
        if self.urgent_window * 60 > self.cluster_window_hours * 3600:
            problems.append(f"NEWSBOT_URGENT_WINDOW ({self.urgent_window} minutes) is longer than "
                            f"NEWSBOT_CLUSTER_WINDOW_HOURS ({self.cluster_window_hours:g} h) remembers a story's outlets")
        problems.extend(self._platform_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _platform_problems(self) -> list[str]:
        out: list[str] = []
        if self.telegram_paid_broadcast and not self.telegram_enabled:
            out.append("TELEGRAM_PAID_BROADCAST is set but TELEGRAM_BOT_TOKEN is not")
        if self.telegram_webhook_url is not None:
            url = urlsplit(self.telegram_webhook_url)
            if not self.telegram_enabled:
                out.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not")
            if url.scheme != "https" or not url.hostname:
                out.append(f"TELEGRAM_WEBHOOK_URL must be a public https:// URL (got {self.telegram_webhook_url!r})")
            else:
                try:
                    port = url.port or 443
                except ValueError:
                    port = -1
                if port not in TELEGRAM_WEBHOOK_PORTS:
                    out.append(f"TELEGRAM_WEBHOOK_URL: Telegram only calls ports 443, 80, 88 or 8443 (got {port})")
        secret = self.telegram_webhook_secret
        if secret is not None and not _WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
            out.append("TELEGRAM_WEBHOOK_SECRET: use 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if self.ops_telegram_chat_id is not None:
            if not self.telegram_enabled:
                out.append("OPS_TELEGRAM_CHAT_ID is set but Telegram is not configured (TELEGRAM_BOT_TOKEN)")
            if not _TELEGRAM_CHAT.fullmatch(self.ops_telegram_chat_id):
                out.append(f"OPS_TELEGRAM_CHAT_ID must be a numeric chat id or a @channel name "
                           f"(got {self.ops_telegram_chat_id!r})")
        if self.slack_enabled:
            if self.slack_app_token is None and self.slack_signing_secret is None:
                out.append("SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
        else:
            for name, value in (("SLACK_APP_TOKEN", self.slack_app_token),
                                ("SLACK_SIGNING_SECRET", self.slack_signing_secret)):
                if value is not None:
                    out.append(f"{name} is set but SLACK_BOT_TOKEN is not")
        if self.ops_slack_channel is not None and not self.slack_enabled:
            out.append("OPS_SLACK_CHANNEL is set but Slack is not configured (SLACK_BOT_TOKEN)")
        return out

    def console_watchlist_ids(self, known: Sequence[str]) -> list[str]:
        """The built-in watchlists the console follows; SettingsError names ids that do not exist."""
        raw = self.console_watchlists.strip()
        if raw.lower() in ("", "all", "*"):
            return list(known)
        wanted = list(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise SettingsError(f"NEWSBOT_CONSOLE_WATCHLISTS: unknown watchlist ids {', '.join(unknown)} "
                                f"(known: {', '.join(known)})")
        return wanted

    # ------------------------------------------------------------------ views
    @property
    def max_age_seconds(self) -> float:
        return parse_duration_seconds(self.max_age)

    @property
    def spike_cooldown_seconds(self) -> float:
        return parse_duration_seconds(self.spike_cooldown)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def websub_public_url(self) -> str | None:
        """Where hubs reach the bot: NEWSBOT_PUBLIC_URL, else the origin of TELEGRAM_WEBHOOK_URL, else None."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.telegram_webhook_url:
            url = urlsplit(self.telegram_webhook_url)
            return f"{url.scheme}://{url.netloc}"
        return None

    @property
    def telegram_rate(self) -> float:
        """Messages a second to Telegram, every replica together (TELEGRAM_GLOBAL_RATE or its default)."""
        if self.telegram_global_rate is not None:
            return self.telegram_global_rate
        return TELEGRAM_PAID_RATE if self.telegram_paid_broadcast else TELEGRAM_FREE_RATE

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
                  self.slack_app_token, self.telegram_webhook_secret, self.websub_secret):
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
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            loc = err.get("loc")
            if not loc:  # a combination of variables: the message names them
                problems.append(msg)
                continue
            field = str(loc[0])
            info = Settings.model_fields.get(field)
            name = (info.alias if info and info.alias else field).upper()
            problems.append(f"{name}: {msg}")
        raise SettingsError("; ".join(problems)) from None
