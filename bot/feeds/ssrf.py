"""Which network addresses a feed added from a chat may reach: public ones only.

The guard judges exactly the host the HTTP client connects to. ``AddressGuard.admit``
parses an untrusted URL *once* with yarl, the parser aiohttp itself uses, and
the fetcher hands that same ``URL`` object to aiohttp, so UTS-46/IDNA mapping
(fullwidth digits, ideographic full stops, circled digits all become ASCII)
has already happened when the host is judged: ``http://１２７。０。０。１/`` is
judged as ``127.0.0.1``, the address aiohttp would dial. Hosts that changed
under that mapping in ways a reader would not expect are refused outright
(reason ``lookalike``), as are labels that mix scripts.

Literal IP hosts never reach a resolver in aiohttp, so ``admit`` checks them;
names are checked by ``GuardedResolver``, which hands aiohttp exactly the
list of addresses it checked, so the answer cannot change between the check
and the connection (no DNS-rebinding window). Last, the connector creates
every socket through ``AddressGuard.socket_factory``, which sees the address
about to be dialled and refuses one the policy does not allow: whatever
path a host took, what is connected to has been checked.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.errors import NewsbotError

__all__ = ["BlockedAddress", "is_public_address", "check_url", "AddressGuard", "Admitted", "GuardedResolver",
           "REASONS"]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")

# Every reason code a refusal can carry (the command layer explains each one).
REASONS = frozenset({"scheme", "no_host", "credentials", "invalid_url", "lookalike", "private_address", "dns"})

# Full stops other than U+002E that IDNA maps to "." (UTS-46 / RFC 3490 section 3.1).
_FOREIGN_DOTS = frozenset("\u3002\uff0e\uff61")
# Scripts that may share one label (UTS-39 "highly restrictive": Latin with CJK writing systems).
_COMPATIBLE_SCRIPTS = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}), frozenset({"LATIN", "HAN", "BOPOMOFO"}),
                       frozenset({"LATIN", "HAN", "HANGUL"}))
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KANGXI": "HAN", "EXTENDED": "ARABIC"}

AddressPolicy = Callable[[str], bool]
CheckHook = Callable[[str, tuple[str, ...], bool], None]
ConnectHook = Callable[[str, int], None]
AddrInfo = tuple[int, int, int, str, tuple[str, int] | tuple[str, int, int, int]]


class BlockedAddress(NewsbotError):
    """A URL points at a place a chat-added feed must not reach; ``reason`` says which rule."""

    def __init__(self, reason: str, host: str = "") -> None:
        super().__init__(f"{reason}: {host}" if host else reason)
        self.reason = reason
        self.host = host


class BlockedConnection(BlockedAddress, ConnectionRefusedError):
    """The connector was about to dial an address the guard has not allowed (an OSError, as the connector expects)."""


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


@dataclass(frozen=True, slots=True)
class Admitted:
    """A URL the guard accepted: give ``url`` (this very object) to aiohttp.

    ``host`` is ``url.raw_host`` as the connector will use it; ``address`` is
    set when that host is an IP literal (already checked: aiohttp dials it
    without asking a resolver).
    """

    url: URL
    host: str
    address: str | None


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (None for digits, hyphens, marks)."""
    if ch.isascii():
        return "LATIN" if ch.isalpha() else None
    if unicodedata.category(ch)[0] not in "LN":
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return "UNKNOWN"
    word = name.split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(word, word)


def _lookalike(typed: str) -> bool:
    """True when the host as typed changes under IDNA mapping in a way a reader would not expect.

    Case folding and punycode are expected; compatibility forms (fullwidth or
    circled digits, ideographic full stops, mathematical letters), format and
    control characters, and labels mixing scripts are not.
    """
    if typed.isascii():
        return False
    for ch in typed:
        if ch.isascii():
            continue
        if ch in _FOREIGN_DOTS or unicodedata.normalize("NFKC", ch) != ch:
            return True
        if unicodedata.category(ch) in ("Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"):
            return True
    for label in typed.split("."):
        scripts = frozenset(s for s in map(_script, label) if s is not None)
        if len(scripts) > 1 and not any(scripts <= ok for ok in _COMPATIBLE_SCRIPTS):
            return True
    return False


def _legacy_ipv4(host: str) -> str | None:
    """Shorthand IPv4 forms the C resolver accepts ('127.1', '2130706433', '0x7f.1') as dotted quads."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def _literal(host: str) -> str | None:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return host


class AddressGuard:
    """The one place an untrusted URL is judged, and the policy its resolved addresses meet.

    Seams for tests: ``allow`` replaces the address policy (a "public" server
    has to live on loopback in tests), ``public_hosts`` names hosts whose
    addresses count as allowed whatever they are, ``on_check`` hears every
    verdict as (host, addresses, allowed) and ``on_connect`` every socket
    connection about to be made, as (address, port).
    """

    def __init__(self, *, allow: AddressPolicy = is_public_address, public_hosts: frozenset[str] = frozenset(),
                 on_check: CheckHook | None = None, on_connect: ConnectHook | None = None) -> None:
        self.allow = allow
        self.public_hosts = public_hosts
        self.on_check = on_check
        self.on_connect = on_connect
        self._seam_addresses: set[str] = set()  # addresses allowed only because of public_hosts (tests)

    def admit(self, url: str | URL) -> Admitted:
        """Parse ``url`` as the client will, refuse what must not be fetched, return what to fetch."""
        typed: str | None = None
        if isinstance(url, str):
            if any(ord(c) < 0x21 or 0x7F <= ord(c) < 0xA0 for c in url):
                raise BlockedAddress("invalid_url")
            try:
                typed = urlsplit(url).hostname
            except ValueError:
                raise BlockedAddress("invalid_url") from None
            if typed is not None and _lookalike(typed):
                raise BlockedAddress("lookalike", typed)
            try:
                parsed = URL(url)
            except (ValueError, TypeError):
                raise BlockedAddress("invalid_url") from None
        else:
            parsed = url
        if (parsed.scheme or "").lower() not in ("http", "https"):
            raise BlockedAddress("scheme", parsed.scheme or "")
        host = parsed.raw_host or ""
        if not host:
            raise BlockedAddress("no_host")
        if parsed.raw_user or parsed.raw_password:
            raise BlockedAddress("credentials", host)
        if typed is not None:
            try:  # the host we examined as typed must be the host yarl parsed, or we judged another string
                same = URL.build(scheme="http", host=typed).raw_host == host
            except (ValueError, TypeError):
                same = False
            if not same:
                raise BlockedAddress("lookalike", host)
        decoded = parsed.host or ""
        if decoded != host and _lookalike(decoded):  # punycode typed in ASCII that spells a confusable
            raise BlockedAddress("lookalike", host)
        if host.endswith(".."):
            host = host.rstrip(".") + "."  # as aiohttp's connector does before resolving
        bare = host.rstrip(".")
        address = _literal(host)
        if address is not None:
            self._judge(host, (address,))
            return Admitted(parsed, host, address)
        legacy = _legacy_ipv4(bare)
        if legacy is not None:
            self._judge(host, (legacy,))
            return Admitted(parsed, host, None)
        lowered = bare.lower()
        if lowered == "localhost" or lowered.endswith((".localhost", ".local", ".internal", ".home.arpa")):
            self._verdict(host, (), False)
            raise BlockedAddress("private_address", host)
        return Admitted(parsed, host, None)

    def check_addresses(self, host: str, addresses: Sequence[str]) -> None:
        """Raise BlockedAddress unless every address ``host`` resolved to is allowed."""
        if not addresses:
            raise BlockedAddress("dns", host)
        self._judge(host, tuple(addresses))

    def resolver(self, inner: AbstractResolver | None = None) -> "GuardedResolver":
        return GuardedResolver(inner, guard=self)

    def socket_factory(self, addr_info: AddrInfo) -> socket.socket:
        """The connector's socket for ``addr_info``, only if its address is allowed (aiohttp's socket_factory)."""
        family, type_, proto, _name, sockaddr = addr_info
        ip, port = str(sockaddr[0]), int(sockaddr[1])
        if ip not in self._seam_addresses and not self.allow(ip):
            self._verdict(ip, (ip,), False)
            raise BlockedConnection("private_address", ip)
        if self.on_connect is not None:
            self.on_connect(ip, port)
        return socket.socket(family=family, type=type_, proto=proto)

    def _judge(self, host: str, addresses: tuple[str, ...]) -> None:
        if host.lower().rstrip(".") in self.public_hosts:
            self._seam_addresses.update(addresses)
            self._verdict(host, addresses, True)
            return
        ok = all(self.allow(a) for a in addresses)
        self._verdict(host, addresses, ok)
        if not ok:
            raise BlockedAddress("private_address", host)

    def _verdict(self, host: str, addresses: tuple[str, ...], ok: bool) -> None:
        if self.on_check is not None:
            self.on_check(host, addresses, ok)


def check_url(url: str) -> str:
    """Scheme, normalisation and literal-address checks with the default policy; returns the host."""
    return AddressGuard().admit(url).host


class GuardedResolver(AbstractResolver):
    """Resolve with the inner resolver, then refuse unless the guard allows every address."""

    def __init__(self, inner: AbstractResolver | None = None, public_hosts: frozenset[str] = frozenset(), *,
                 guard: AddressGuard | None = None) -> None:
        self._inner = inner or DefaultResolver()
        self._guard = guard or AddressGuard(public_hosts=public_hosts)

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        self._guard.check_addresses(host, [str(r["host"]) for r in results])
        return results

    async def close(self) -> None:
        await self._inner.close()
