"""HTTP by hand over a socket, for requests no well-behaved client sends (a lying Content-Length, a body that never
ends, a connection that stalls)."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def connect(url: str, timeout_s: float = 60.0) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout_s)


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket) -> RawResponse:
    """One response: status line, headers, and a Content-Length body (or what comes until the server closes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full response: {data[:200]!r}")
        data += chunk
    top, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", -1))
    while length < 0 or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(status_line.split()[1]), headers, body[:length] if length >= 0 else body)


def exchange(url: str, data: bytes, timeout_s: float = 60.0) -> RawResponse:
    """Send `data` as is on a new connection and read the response."""
    with connect(url, timeout_s) as sock:
        sock.sendall(data)
        return read_response(sock)
