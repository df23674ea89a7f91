"""Keep a long-running process's resident memory flat on glibc.

The bot churns short-lived buffers all day (feed bodies, parsed entries, JSON
payloads). Python frees them, but glibc's malloc keeps the freed pages in its
heaps, one heap ("arena") per thread that ever allocated, so resident memory
creeps up although nothing leaks: the soak (``benchmarks/soak.py``) saw the
Python heap flat while malloc's free space doubled. Two cheap measures fix it:
cap the arenas at start-up, and hand free pages back to the kernel now and then.
On any other C library (musl, macOS) both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

__all__ = ["cap_arenas", "release_free_memory"]

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


@cache
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 - present only in glibc
        libc.mallopt  # noqa: B018
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def cap_arenas(arenas: int = ARENAS) -> bool:
    """Limit malloc to ``arenas`` heaps; call before threads start. Returns whether it applied."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1)


def release_free_memory() -> bool:
    """Return malloc's free pages to the kernel; True when some were released."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0) == 1)
