"""The PostgreSQL gate: skip without a server, fail instead when CI requires one, run when one answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.postgres import REQUIRE_ENV, gate, unreachable_reason


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound once to pick it, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_closed_port_gives_a_reason_naming_the_address(closed_port: int) -> None:
    reason = unreachable_reason("127.0.0.1", closed_port, timeout=0.5)
    assert reason is not None and f"127.0.0.1:{closed_port}" in reason


def test_a_listening_port_is_reachable(listening_port: int) -> None:
    assert unreachable_reason("127.0.0.1", listening_port, timeout=0.5) is None


def test_without_a_server_the_tests_skip_with_the_reason(closed_port: int) -> None:
    reason = unreachable_reason("127.0.0.1", closed_port, timeout=0.5)
    with pytest.raises(pytest.skip.Exception) as info:
        gate(reason, required=False)
    assert f"127.0.0.1:{closed_port}" in str(info.value) and REQUIRE_ENV in str(info.value)


def test_when_required_a_missing_server_is_a_failure(closed_port: int) -> None:
    reason = unreachable_reason("127.0.0.1", closed_port, timeout=0.5)
    with pytest.raises(pytest.fail.Exception) as info:
        gate(reason, required=True)
    assert f"{REQUIRE_ENV}=1" in str(info.value) and f"127.0.0.1:{closed_port}" in str(info.value)


@pytest.mark.parametrize("required", [False, True])
def test_with_a_server_the_gate_lets_the_tests_run(listening_port: int, required: bool) -> None:
    reason = unreachable_reason("127.0.0.1", listening_port, timeout=0.5)
    assert reason is None
    try:
        gate(reason, required)
    except BaseException as e:  # pytest's skip and fail outcomes are BaseExceptions
        raise AssertionError(f"the gate stopped a test although the server answers: {e!r}") from e
