"""Start the local EE-compatible backend: in-process on a free port (for the resource and tests) or standalone."""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from ee_assets.local import long_lived
from ee_assets.local.catalog.catalog import Catalog
from ee_assets.local.catalog.sample_data import build_sample_catalog
from ee_assets.local.exports import ExportService
from ee_assets.local.protocol.faults import FaultConfig
from ee_assets.local.protocol.http import EEHTTPServer
from ee_assets.local.protocol.oauth import Authenticator
from ee_assets.local.protocol.routes import LocalBackend
from ee_assets.local.protocol.server_limits import ServerLimits
from ee_assets.storage.buckets import local_bucket_root


def resolve_catalog(catalog: Catalog | str | os.PathLike | None) -> Catalog:
    """A Catalog object from a Catalog, a path, $EE_LOCAL_CATALOG, or the (built on demand) sample catalog."""
    if isinstance(catalog, Catalog):
        return catalog
    if catalog is None:
        catalog = os.environ.get("EE_LOCAL_CATALOG") or None
    if catalog is None:
        catalog = build_sample_catalog(log=lambda *a, **k: None)
    return Catalog.from_file(Path(catalog))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalServer:
    """An EE REST server for `ee.Initialize(credentials, url=server.url, project=...)`.

    Use as a context manager, or call `start()` and `stop()`. `limits` bounds what each request may use (memory,
    time) and the server's workers, queue and connection timeouts (protocol/server_limits.py). `freeze_gc=False`
    leaves the process's garbage collection as it is (see long_lived.py).
    """

    def __init__(self, catalog: Catalog | str | os.PathLike | None = None, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, faults: FaultConfig | None = None,
                 service_account_keys: Iterable[dict | str | os.PathLike] = (), token_lifetime_s: int = 3600,
                 limits: ServerLimits | None = None, geotiff_mask: str = "internal",
                 bucket_root: str | os.PathLike | None = None, export_workers: int = 2,
                 max_queued_exports: int = 3000, freeze_gc: bool = True):
        self.freeze_gc = freeze_gc
        self.auth = Authenticator(token, service_account_keys, token_lifetime_s)
        if not is_loopback(host) and token is None:
            raise ValueError(f"Serving on non-loopback host {host!r} requires a token (--token); the local backend "
                             "would otherwise answer anyone on the network.")
        self.catalog = resolve_catalog(catalog)
        self.limits = limits or ServerLimits()
        # geotiff_mask: "internal" (a GDAL dataset mask) or "nodata" (fill values and GDAL_NODATA, as EE writes)
        self.faults = faults or FaultConfig()
        # Batch exports write gs://BUCKET/PATH to <bucket_root>/BUCKET/PATH and Image.loadGeoTIFF reads it there
        # (default: $EE_LOCAL_BUCKET_ROOT, else ~/.cache/ee_assets/buckets); export_workers tasks run at once,
        # max_queued_exports more may wait.
        self.bucket_root = Path(bucket_root).expanduser().absolute() if bucket_root else local_bucket_root()
        self.exports = ExportService(self.catalog, self.bucket_root, self.faults, export_workers,
                                     max_queued_exports, geotiff_mask)
        self.backend = LocalBackend(self.catalog, auth=self.auth, limits=self.limits, geotiff_mask=geotiff_mask,
                                    exports=self.exports, bucket_root=self.bucket_root)
        self._httpd = EEHTTPServer((host, port), self.backend, self.faults, self.limits)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self._httpd.root_url

    @property
    def token_uri(self) -> str:
        """Where service-account keys should point `token_uri` to get tokens from this server."""
        return f"{self.url}/token"

    @property
    def request_count(self) -> int:
        return self._httpd.request_count

    @property
    def method_counts(self) -> dict[str, int]:
        """API requests so far per method (the last path segment, e.g. "image:computePixels")."""
        return dict(self._httpd.method_counts)

    @property
    def max_in_flight(self) -> int:
        """The most API requests this server has handled at the same time."""
        return self._httpd.max_in_flight

    @property
    def evaluating(self) -> int:
        """Requests being evaluated on a worker right now."""
        return len(self._httpd.app.budgets)

    @property
    def api_arrival_times(self) -> list[float]:
        """When the last (up to 100,000) API requests arrived, in `time.monotonic()` seconds: clients' request rates."""
        return self._httpd.api_arrival_times

    @property
    def workload_tags(self) -> dict[str, int]:
        """Compute requests so far per workloadTag (past 1,000 distinct tags, new ones are counted as "(other)")."""
        return dict(self.backend.workload_tags)

    @property
    def user_projects(self) -> dict[str, int]:
        """API requests so far per X-Goog-User-Project header, the project billed ("" when absent; past 1,000
        distinct projects, new ones are counted as "(other)")."""
        return dict(self.backend.user_projects)

    def start(self) -> LocalServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="ee-local-server", daemon=True)
            self._thread.start()
            if self.freeze_gc:
                long_lived.freeze()
        return self

    def serve_forever(self) -> None:
        """Serve until interrupted (KeyboardInterrupt, or a signal handler raising it), then stop."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)  # wakes up for signals
        finally:
            self.stop()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()
        self.exports.stop()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_local_server(**kwargs) -> LocalServer:
    """Start a LocalServer in a background thread and return it (stop it with `.stop()`)."""
    return LocalServer(**kwargs).start()
