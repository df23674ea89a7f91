"""One HTTP port for everything: /healthz, /readyz, /metrics, and adapter routes (Slack, webhooks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.ops.metrics import Metrics

__all__ = ["HttpServer"]

ReadinessCheck = Callable[[], Awaitable[tuple[bool, str]]]


class HttpServer:
    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        self.host, self.port = host, port
        self.app = web.Application(client_max_size=1024 * 1024)
        self._checks: dict[str, ReadinessCheck] = {}
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)

    def add_check(self, name: str, check: ReadinessCheck) -> None:
        self._checks[name] = check

    def add_route(self, method: str, path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        self.app.router.add_route(method, path, handler)

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        results = {}
        ready = True
        for name, check in self._checks.items():
            try:
                ok, detail = await check()
            except Exception as exc:  # noqa: BLE001 - a failing check means not ready
                ok, detail = False, type(exc).__name__
            results[name] = {"ok": ok, "detail": detail}
            ready = ready and ok
        return web.json_response({"ready": ready, "checks": results}, status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    async def start(self) -> int:
        """Start listening; returns the bound port (useful when PORT=0)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes no public getter for the bound port
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
