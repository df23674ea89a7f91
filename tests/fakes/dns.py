"""A DNS resolver for aiohttp with fixed answers, so SSRF checks can be tested on any name."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

__all__ = ["TableResolver"]


class TableResolver(AbstractResolver):
    """DNS for tests: fixed answers for some names, the system resolver for the rest."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []
        self._default = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if host in self.table:
            return [{"hostname": host, "host": ip, "port": port, "family": socket.AF_INET6 if ":" in ip else socket.AF_INET,
                     "proto": 0, "flags": socket.AI_NUMERICHOST} for ip in self.table[host]]
        return await self._default.resolve(host, port, family)

    async def close(self) -> None:
        await self._default.close()
