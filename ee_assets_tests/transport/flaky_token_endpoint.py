"""A loopback token endpoint that drops the first connections it gets, then relays to a real one.

It stands where a flaky network or proxy would stand between a client and Google's token endpoint: a dropped
connection is what google-auth reports as a TransportError.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class FlakyTokenEndpoint:
    """`url` drops the next `drops` token requests (closes the connection unanswered), and relays the others."""

    def __init__(self, target: str):
        self.target = target
        self.drops = 0
        self.dropped = 0
        self.relayed = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer._lock:
                    drop = outer.drops > 0
                    if drop:
                        outer.drops -= 1
                        outer.dropped += 1
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                answer = requests.post(outer.target, data=body, timeout=30,
                                       headers={"Content-Type": self.headers.get("Content-Type", "")})
                with outer._lock:
                    outer.relayed += 1
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/token"

    def __enter__(self) -> FlakyTokenEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
