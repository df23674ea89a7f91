"""The package's one exception root, so callers can tell our failures from a library's."""

from __future__ import annotations

__all__ = ["NewsbotError"]


class NewsbotError(Exception):
    """Base of every exception newsbot raises on purpose (bad config, bad input, lost lease...)."""
