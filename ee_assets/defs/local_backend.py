"""One embedded local EE server per process, started on first use with a random token and stopped at exit.

Every run step in a process shares it, so nothing else has to be running for EE_BACKEND=local.
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first used: the backend's dependencies come with the [local] extra
    from ee_assets.local import LocalServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalEndpoint:
    """Where the embedded server listens and the bearer token it accepts (keep the token out of logs)."""

    url: str
    token: str

    def __repr__(self) -> str:
        return f"LocalEndpoint(url={self.url!r}, token=<hidden>)"


_lock = threading.Lock()
_servers: dict[str | None, tuple[LocalServer, LocalEndpoint]] = {}


def shared_endpoint(catalog: str | None) -> LocalEndpoint:
    """The endpoint of this process's server for `catalog` (None: $EE_LOCAL_CATALOG or the sample data)."""
    with _lock:
        if catalog not in _servers:
            # imported on first use, so EE_BACKEND=earthengine never loads it; raises MissingExtraError naming the
            # extra when it is missing
            from ee_assets.local import LocalServer

            token = secrets.token_urlsafe(32)
            server = LocalServer(catalog, host="127.0.0.1", port=0, token=token).start()
            _servers[catalog] = (server, LocalEndpoint(server.url, token))
            log.info("started the embedded EE backend at %s (catalog: %s)", server.url,
                     catalog or "$EE_LOCAL_CATALOG or the sample data")
        return _servers[catalog][1]


@atexit.register
def stop_all() -> None:
    """Stop every server this process started."""
    with _lock:
        for server, _ in _servers.values():
            server.stop()
        _servers.clear()
