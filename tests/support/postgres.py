"""Whether the PostgreSQL tests can run here, decided once per session.

Without a server they skip, with the reason, so a laptop without PostgreSQL
still runs the rest of the suite; CI sets ``NEWSBOT_REQUIRE_POSTGRES=1``, and
there an unreachable server fails the tests instead of hiding them.
"""

from __future__ import annotations

import socket

import pytest

__all__ = ["PG_HOST", "PG_PORT", "REQUIRE_ENV", "unreachable_reason", "gate"]

PG_HOST, PG_PORT = "127.0.0.1", 5432
REQUIRE_ENV = "NEWSBOT_REQUIRE_POSTGRES"


def unreachable_reason(host: str = PG_HOST, port: int = PG_PORT, timeout: float = 1.0) -> str | None:
    """None when something accepts TCP connections at host:port, else why not (a quick connect only)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as e:
        return f"no PostgreSQL server reachable at {host}:{port} ({e.strerror or e})"


def gate(reason: str | None, required: bool) -> None:
    """Let the test run (reason is None), skip it, or, when PostgreSQL is required, fail it."""
    if reason is None:
        return
    if required:
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason}; start PostgreSQL to run these tests ({REQUIRE_ENV}=1 makes this a failure)")
