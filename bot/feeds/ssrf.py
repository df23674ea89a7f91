"""Which network addresses a feed added from a chat may reach: public ones only.

The guarded resolver checks every address a name resolves to and hands
aiohttp exactly the checked list, so the answer cannot change between the
check and the connection (no DNS-rebinding window). Literal IP hosts never
reach a resolver in aiohttp, so ``check_url`` looks at them first.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

__all__ = ["BlockedAddress", "is_public_address", "check_url", "GuardedResolver"]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class BlockedAddress(Exception):
    """A URL points at a place a chat-added feed must not reach; ``reason`` says which rule."""

    def __init__(self, reason: str, host: str = "") -> None:
        super().__init__(f"{reason}: {host}" if host else reason)
        self.reason = reason
        self.host = host


def is_public_address(addr: str) -> bool:
    """True only for globally routable unicast addresses (v4 or v6, with embedded v4 unwrapped)."""
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour if ip.sixtofour else None)
        if ip.teredo:
            return False
        if ip in _NAT64 or ip in _NAT64_LOCAL:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local:
        return False
    if ip.is_private or ip.is_reserved:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return ip.is_global


def check_url(url: str) -> str:
    """Scheme and literal-address checks for an untrusted URL; returns the host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BlockedAddress("scheme", parts.scheme)
    host = (parts.hostname or "").strip()
    if not host:
        raise BlockedAddress("no_host")
    if parts.username or parts.password:
        raise BlockedAddress("credentials", host)
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        legacy = _legacy_ipv4(host)
        if legacy is not None:
            if not is_public_address(legacy):
                raise BlockedAddress("private_address", host) from None
            return host
        lowered = host.lower().rstrip(".")
        if lowered == "localhost" or lowered.endswith((".localhost", ".local", ".internal", ".home.arpa")):
            raise BlockedAddress("private_address", host) from None
        return host
    if not is_public_address(host):
        raise BlockedAddress("private_address", host)
    return host


def _legacy_ipv4(host: str) -> str | None:
    """Shorthand IPv4 forms the C resolver accepts ('127.1', '2130706433', '0x7f.1') as dotted quads."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolve with the default resolver, then refuse unless every address is public.

    ``public_hosts`` names hosts whose addresses count as public whatever they
    are: a seam for tests, where a "public" web server has to live on loopback.
    """

    def __init__(self, inner: AbstractResolver | None = None, public_hosts: frozenset[str] = frozenset()) -> None:
        self._inner = inner or DefaultResolver()
        self._public_hosts = public_hosts

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not results:
            raise BlockedAddress("dns", host)
        if host.lower().rstrip(".") in self._public_hosts:
            return results
        for r in results:
            if not is_public_address(str(r["host"])):
                raise BlockedAddress("private_address", host)
        return results

    async def close(self) -> None:
        await self._inner.close()


def describe(exc: BaseException) -> dict[str, Any]:
    """Structured facts about a refusal, for logs."""
    if isinstance(exc, BlockedAddress):
        return {"reason": exc.reason, "host": exc.host}
    return {"reason": type(exc).__name__}
