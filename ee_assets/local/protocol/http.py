"""The HTTP server: uvicorn (asyncio and httptools) running the ASGI application of protocol/asgi.py.

One event loop holds every connection, so stalled or slow clients cost a socket, not a thread; requests are
evaluated on a fixed pool of workers. On top of uvicorn's own keep-alive timeout, a connection must send each
request's headers within `header_timeout_s` (a client that connects and trickles nothing is closed), and the
listening socket is bound here with a backlog sized for bursts, so the URL is known before the loop starts.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ee_assets.local.protocol.asgi import EEApp
from ee_assets.local.protocol.faults import FaultConfig
from ee_assets.local.protocol.routes import LocalBackend
from ee_assets.local.protocol.server_limits import ServerLimits


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose request headers do not arrive in time."""

    header_timeout_s = 30.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:  # waiting for the next request's headers
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class EEHTTPServer:
    """The local backend over HTTP on (host, port); `serve_forever()` runs it, `shutdown()` stops it."""

    def __init__(self, address: tuple[str, int], backend: LocalBackend, faults: FaultConfig | None = None,
                 limits: ServerLimits | None = None):
        self.limits = limits or ServerLimits()
        self.socket = _listening_socket(address[0], address[1], self.limits.backlog)
        self.server_address = self.socket.getsockname()
        self.app = EEApp(backend, faults or FaultConfig(), self.limits, lambda: self.root_url)
        protocol = type("LocalHeaderDeadlineProtocol", (HeaderDeadlineProtocol,),
                        {"header_timeout_s": self.limits.header_timeout_s})
        config = uvicorn.Config(self.app, http=protocol, lifespan="off", log_config=None, access_log=False,
                                timeout_keep_alive=max(1, round(self.limits.keep_alive_s)),
                                timeout_graceful_shutdown=5, backlog=self.limits.backlog, server_header=False)
        self._uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        return self.app.request_count

    @property
    def method_counts(self) -> Counter[str]:
        return self.app.method_counts

    @property
    def max_in_flight(self) -> int:
        return self.app.max_in_flight

    @property
    def api_arrival_times(self) -> list[float]:
        return self.app.arrival_times()

    def serve_forever(self) -> None:
        try:
            self._uvicorn.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop accepting, cancel evaluations in progress, and wait (up to `timeout_s`) for serve_forever to end."""
        self.app.cancel_all()
        self._uvicorn.should_exit = True
        self._stopped.wait(timeout_s)

    def server_close(self) -> None:
        self.socket.close()
        self.app.pool.shutdown(wait=False)
