"""The HTTP layer: a threaded loopback server that hands requests to `LocalBackend` and injects faults."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ee_assets.local.protocol.faults import QUOTA_STATUS_HEADER, STATUS, FaultConfig
from ee_assets.local.protocol.routes import LocalBackend, Response

log = logging.getLogger("ee_assets.local")


class EEHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, backend: LocalBackend, faults: FaultConfig | None = None):
        self.backend = backend
        self.faults = faults or FaultConfig()
        self.request_count = 0
        self.method_counts: Counter[str] = Counter()  # API requests per method, e.g. "image:computePixels"
        self.in_flight = 0
        self.max_in_flight = 0  # the most API requests handled at once, to check clients' concurrency caps
        self._count_lock = threading.Lock()
        super().__init__(address, EEHandler)

    @contextmanager
    def counting(self, path: str):
        """Count one request to `path` (and, for API paths, how many are in flight) while the block runs."""
        api = path.startswith("/v1/")
        with self._count_lock:
            self.request_count += 1
            if api:
                self.method_counts[path.rsplit("/", 1)[-1]] += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            if api:
                with self._count_lock:
                    self.in_flight -= 1

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class EEHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out without waiting for delayed ACKs
    server: EEHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.counting(url.path):
            self._answer(method, url, body)

    def _send_api(self, resp: Response) -> None:
        """Send an API answer with the quota-status header when one is configured."""
        if self.server.faults.quota_status is not None:
            resp.headers[QUOTA_STATUS_HEADER] = self.server.faults.quota_status
        self._send(resp)

    def _answer(self, method: str, url, body: bytes) -> None:
        faults = self.server.faults
        send = self._send_api if url.path.startswith("/v1/") else self._send
        if faults.active and url.path.startswith("/v1/"):
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000)
            error, drop = faults.draw()
            if error is not None:
                msg = faults.message or f"Injected fault: the local backend answered {error} (fault injection is on)."
                resp = Response.json({"error": {"code": error, "message": msg, "status": STATUS[error]}}, error)
                resp.headers["Retry-After"] = str(faults.retry_after_s)
                send(resp)
                return
            if drop:
                self._drop()
                return
        limit = faults.limit_error(url.path, body) if method == "POST" else None
        if limit is not None:  # EE's per-request memory or time limit (a deterministic 400, as EE answers it)
            send(Response.json({"error": {"code": 400, "message": limit, "status": "INVALID_ARGUMENT"}}, 400))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            resp = self.server.backend.handle(method, url.path, url.query, headers, body, self.server.root_url)
        except Exception as e:
            # An unsupported case or a bug. Evaluation is deterministic, so answer 400, not 500: clients retry
            # 5xx, and a retry would fail the same way, only later.
            log.exception("unexpected error serving %s %s", method, url.path)
            message = (f"The local backend could not evaluate this request ({type(e).__name__}: {e}). It is an "
                       "unsupported case or a bug in ee_assets, and retrying will not help; simplify the expression "
                       "or report it with the expression attached.")
            resp = Response.json({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}, 400)
        send(resp)

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(resp.body)

    def _drop(self) -> None:
        """Start a response, then cut the connection, as a flaky network would."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"result": ')
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format: str, *args) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

