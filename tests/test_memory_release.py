"""bot.ops.memory: the allocator measures apply on glibc and are harmless no-ops elsewhere.

Their effect (resident memory flat over a long run) is measured by benchmarks/soak.py and the short
soak in the test suite; this checks the calls themselves.
"""

from __future__ import annotations

import platform

import pytest

from bot.ops import memory

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="the measures are glibc's")
def test_on_glibc_the_arena_cap_applies_and_trim_runs():
    assert memory._glibc() is not None
    assert memory.cap_arenas() is True
    junk = [bytes(4096) for _ in range(20_000)]  # ~80 MB in malloc's heaps, then freed
    del junk
    assert isinstance(memory.release_free_memory(), bool)


def test_without_glibc_both_are_no_ops(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert memory.cap_arenas() is False
    assert memory.release_free_memory() is False
