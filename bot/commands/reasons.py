"""Why a feed failed, in Arabic: the fetcher's and poller's English reasons mapped to what a user can do.

A user never reads "cannot connect: [Errno -2] Name or service not known"; the operator's log keeps it.
"""

from __future__ import annotations

import re

from bot.commands.texts import FETCH_REASONS

__all__ = ["reason_key", "fetch_reason"]

_STATUS = re.compile(r"\bHTTP (\d{3})\b")
_DNS = ("name or service not known", "nodename nor servname", "no address associated", "name resolution",
        "errno -2", "errno -3", "errno -5", "no such host", "getaddrinfo")
_PREFIXES = (  # the fetcher's and poller's own wording (bot.feeds.fetch, bot.feeds.poller), first match wins
    ("address not allowed", "blocked"), ("only http and https", "blocked"), ("timed out", "timeout"),
    ("redirect", "redirects"), ("more than", "redirects"), ("response larger", "too_large"),
    ("unsupported content-encoding", "encoding"), ("corrupt", "encoding"), ("invalid url", "url"),
    ("not a feed", "not_feed"), ("internal error", "internal"), ("broken response", "network"),
    ("cannot connect", "connect"), ("network error", "network"), ("disabled after", ""),
)


def reason_key(message: str | None) -> tuple[str, int | None]:
    """(a FETCH_REASONS key, the HTTP status if any) for an English failure message."""
    text = (message or "").strip()
    low = text.lower()
    m = _STATUS.search(text)
    if m:
        status = int(m.group(1))
        if status == 404:
            return "not_found", status
        if status == 410:
            return "gone", status
        if status in (401, 403, 451):
            return "forbidden", status
        return ("server" if status >= 500 else "http"), status
    if any(d in low for d in _DNS):
        return "dns", None
    for prefix, key in _PREFIXES:
        if low.startswith(prefix):
            if not key:  # "disabled after N failures in a row: <the last reason>"
                return reason_key(text.partition(": ")[2])
            return key, None
    return "network", None


def fetch_reason(message: str | None) -> str:
    """The Arabic reason (and what to do) for a fetcher or poller failure message."""
    key, status = reason_key(message)
    return FETCH_REASONS[key].format(status=status or "")
