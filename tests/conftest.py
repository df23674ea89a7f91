"""Shared fixtures: a feed server, a config directory, settings and a bot on a temporary database."""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.fakes.feed_server import FeedServer
from tests.support import postgres

ROOT = Path(__file__).resolve().parent.parent

# Read before the clean-up below: CI sets it to make a missing PostgreSQL server a failure.
REQUIRE_POSTGRES = os.environ.get(postgres.REQUIRE_ENV) == "1"

# Nothing from the developer's environment may leak into a test run.
for _var in [v for v in os.environ if v.startswith(("TELEGRAM_", "SLACK_", "NEWSBOT_", "OPS_"))] + ["DATABASE_URL"]:
    os.environ.pop(_var, None)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        yield server


def write_config(directory: Path, feeds: list[dict[str, Any]], watchlists: str | None = None) -> Path:
    """A config dir with the given feeds and (by default) the project's real watchlists."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["feeds:"]
    for f in feeds:
        lines.append(f"  - id: {f['id']}")
        lines.append(f"    url: {f['url']}")
        lines.append(f"    name: {f.get('name', f['id'])}")
        lines.append(f"    language: {f.get('language', 'ar')}")
        if f.get("interval"):
            lines.append(f"    interval: {f['interval']}")
    (directory / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if watchlists is None:
        watchlists = (ROOT / "config" / "watchlists.yaml").read_text(encoding="utf-8")
    (directory / "watchlists.yaml").write_text(textwrap.dedent(watchlists), encoding="utf-8")
    return directory


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'newsbot.db'}",
        "config_dir": tmp_path / "config",
        "port": 0,
        "http_host": "127.0.0.1",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        return make_settings(tmp_path, **overrides)
    return factory


class Console(io.StringIO):
    """Captured console output, split into alerts."""

    def alerts(self) -> list[str]:
        return [a.strip() for a in self.getvalue().split("─" * 40) if a.strip()]


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_reachable() -> None:
    """Skip (or, with NEWSBOT_REQUIRE_POSTGRES=1, fail) when no server answers; checked once."""
    postgres.gate(postgres.unreachable_reason(), REQUIRE_POSTGRES)


@pytest.fixture
def pg_url(postgres_reachable: None) -> Any:
    """A fresh PostgreSQL database for one test (skipped without a server, see postgres_reachable)."""
    import uuid

    import psycopg

    name = f"newsbot_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
