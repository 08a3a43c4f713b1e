"""The Earth Engine resource: credentials, an authorized session, `ee.Initialize` and the REST compute calls.

One resource serves both backends. Settings come from the resource's config when given, else from the
environment, else defaults, so nothing is required for the local backend:

    EE_BACKEND              local (default: the embedded server, started in-process) or earthengine
    EE_PROJECT              Cloud project (earthengine: else the key's or ADC's project)
    EE_SERVICE_ACCOUNT_KEY  service-account key: a file path or the JSON itself (else application default creds)
    EE_API_URL              API root override for earthengine (default https://earthengine.googleapis.com)
    EE_LOCAL_CATALOG        catalog.yaml for the local backend (default: the generated sample catalog)
    EE_OUTPUT_DIR           where outputs go (the output store): a folder, file://, s3:// or gs:// (default outputs/)

Every request is paced and capped (`max_requests_per_second`, `max_concurrent_requests`) by the budget that all
processes naming the same EE_RATE_LIMIT_URL share (per process for the embedded local backend), tagged with
the asset and partition (EE's `workloadTag`), and retried only for 429, 5xx and lost answers, within
`max_retry_seconds`. Any EE error that remains becomes a `dg.Failure` with EE's message and the asset, partition
and expression hash; it is not retried again by Dagster (the transport already did, within its time budget).
"""

from __future__ import annotations

import enum
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import ee
import google.auth.exceptions
from pydantic import Field, PrivateAttr

from ee_assets import limits
from ee_assets.defs.local_backend import shared_endpoint
from ee_assets.defs.storage import OUTPUT_DIR_ENV, OutputStore, check_output_dir_env
from ee_assets.transport import auth
from ee_assets.transport.ee_client import initialize_ee
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.rest import EEError, EERequestError, EERestClient, build_session
from ee_assets.transport.retry import RetrySettings
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.throttle import DEFAULT_MAX_CONCURRENT, DEFAULT_REQUESTS_PER_SECOND, shared_gate
from ee_assets.transport.tiled_geotiff import GeoTiffResult, fetch_geotiff
from ee_assets.transport.tiling import DEFAULT_TILE_BYTES


class Backend(enum.Enum):
    """Where computations run: the embedded local server, or Earth Engine itself."""

    LOCAL = "local"
    EARTHENGINE = "earthengine"


BACKENDS = tuple(b.value for b in Backend)
EARTHENGINE_URL = "https://earthengine.googleapis.com"
LOCAL_PROJECT = "ee-assets-local"

T = TypeVar("T")
log = logging.getLogger(__name__)


def _env(name: str) -> str | None:
    """An environment variable, or None when unset or blank."""
    return os.environ.get(name, "").strip() or None


@dataclass(frozen=True)
class Connection:
    """A resolved connection: which backend, its API root, the project, and the client (holds the session)."""

    backend: str
    api_url: str
    project: str
    client: EERestClient


def request_label(context: dg.AssetExecutionContext) -> RequestLabel:
    """The asset and partition a step's requests are for (errors name them; workloadTag is made of them)."""
    partition = context.partition_key if context.has_partition_key else None
    return RequestLabel(context.asset_key.to_user_string(), partition)


def refused_credentials(error: google.auth.exceptions.GoogleAuthError) -> dg.Failure:
    """The token endpoint refused the credentials: say so with its answer (which holds no key material)."""
    reason = error.args[0] if error.args else type(error).__name__
    return dg.Failure(
        description=f"Earth Engine credentials were refused when getting an access token ({reason}). Check that "
                    "EE_SERVICE_ACCOUNT_KEY is a current key of a service account registered for Earth Engine "
                    "(or refresh application default credentials with `gcloud auth application-default login`).",
        allow_retries=False)


class ProgressLog:
    """Logs progress of long paged or tiled work: at most every `every_s` seconds, and at the end."""

    def __init__(self, what: str, log: logging.Logger | Any, every_s: float = 5.0):
        self.what, self.log, self.every_s = what, log, every_s
        self._last = time.monotonic()

    def tiles(self, done: int, total: int, received: int) -> None:
        if done == total or time.monotonic() - self._last >= self.every_s:
            self._last = time.monotonic()
            self.log.info(f"{self.what}: {done}/{total} tiles ({100 * done // max(total, 1)}%), "
                          f"{received / 1e6:.1f} MB received")

    def pages(self, pages: int, features: int) -> None:
        if time.monotonic() - self._last >= self.every_s:
            self._last = time.monotonic()
            self.log.info(f"{self.what}: {pages} pages, {features} features so far")


class EarthEngineResource(dg.ConfigurableResource):
    """Earth Engine (or the embedded local backend) for building graphs and running REST computations."""

    backend: Backend | None = Field(default=None, description="local or earthengine; unset: $EE_BACKEND, else local.")
    project: str | None = Field(default=None, description="Cloud project; unset: $EE_PROJECT.")
    service_account_key: str | None = Field(
        default=None, description="Service-account key path or JSON; pass a dg.EnvVar, never the key itself. "
                                  "Unset: $EE_SERVICE_ACCOUNT_KEY, else application default credentials.")
    api_url: str | None = Field(default=None, description="API root for earthengine; unset: $EE_API_URL.")
    local_catalog: str | None = Field(default=None, description="catalog.yaml for local; unset: $EE_LOCAL_CATALOG.")
    connect_timeout_s: float = Field(default=10.0, description="Seconds to wait for a connection.")
    read_timeout_s: float = Field(default=300.0, description="Seconds to wait for an answer.")
    max_retry_seconds: float = Field(default=600.0, description="Total time one request may take with retries of "
                                     "429/5xx/lost answers before it fails.")
    retry_base_delay_s: float = Field(default=1.0, description="Cap of the first backoff; doubles per retry "
                                      "(full jitter, at least the server's Retry-After).")
    max_requests_per_second: float = Field(default=DEFAULT_REQUESTS_PER_SECOND,
                                           description="Requests per second per process (EE allows 100 per project).")
    max_concurrent_requests: int = Field(default=DEFAULT_MAX_CONCURRENT,
                                         description="Requests in flight per process (EE allows 40 per project).")
    tile_workers: int = Field(default=4, description="Tiles of a large computePixels fetched at once.")
    max_tile_bytes: int = Field(default=DEFAULT_TILE_BYTES,
                                description="Uncompressed bytes per computePixels tile (default 6 MiB, an eighth of "
                                            "EE's 48 MiB limit: less EE memory and time per request).")
    page_size: int = Field(default=limits.COMPUTE_FEATURES_DEFAULT_PAGE_SIZE,
                           description="Features per computeFeatures page.")

    _connection: Connection | None = PrivateAttr(default=None)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._connection = self.connect()
        if context.log is not None:
            context.log.info(f"Earth Engine backend {self._connection.backend} at {self._connection.api_url}, "
                             f"project {self._connection.project}")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._connection is not None:
            self._connection.client.session.close()
            self._connection = None

    def connect(self) -> Connection:
        """Resolve settings, build credentials and the session, and initialize the ee client for graphs."""
        backend = self.backend.value if self.backend else (_env("EE_BACKEND") or "local").lower()
        if backend not in BACKENDS:
            raise dg.Failure(f"EE_BACKEND must be 'local' or 'earthengine', got {backend!r}.", allow_retries=False)
        if backend == "local":
            if self.api_url or _env("EE_API_URL"):
                log.warning("EE_API_URL is ignored with EE_BACKEND=local (the embedded server is used); "
                            "set EE_BACKEND=earthengine to use it.")
            endpoint = shared_endpoint(self.local_catalog or _env("EE_LOCAL_CATALOG"))
            credentials = auth.StaticTokenCredentials(endpoint.token)
            api_url, project, refresh = endpoint.url, self.project or _env("EE_PROJECT") or LOCAL_PROJECT, False
        else:
            try:
                credentials, key_project = auth.earthengine_credentials(
                    self.service_account_key or _env("EE_SERVICE_ACCOUNT_KEY"))
            except auth.CredentialsError as e:
                raise dg.Failure(str(e), allow_retries=False) from None
            project = self.project or _env("EE_PROJECT") or key_project
            if not project:
                raise dg.Failure("No Cloud project for Earth Engine: set EE_PROJECT to a project registered for "
                                 "Earth Engine.", allow_retries=False)
            api_url, refresh = (self.api_url or _env("EE_API_URL") or EARTHENGINE_URL).rstrip("/"), True
        retry = RetrySettings(max_elapsed_s=self.max_retry_seconds, base_delay_s=self.retry_base_delay_s)
        try:  # offline from the backend, not the URL: the high-volume endpoint keeps deprecation warnings
            initialize_ee(credentials, url=api_url, project=project, offline=backend == "local", retry=retry)
        except google.auth.exceptions.GoogleAuthError as e:
            raise refused_credentials(e) from None
        except EEError as e:  # the token endpoint or EE stayed unreachable through the retry budget
            raise dg.Failure(str(e), allow_retries=False) from None
        # The embedded server is this process's own, on a random port: nothing to share a budget with.
        gate = shared_gate(api_url, self.max_requests_per_second, self.max_concurrent_requests,
                           budget_url="memory://" if backend == "local" else None)
        session = build_session(credentials, pool_size=max(self.max_concurrent_requests, self.tile_workers),
                                refresh_on_401=refresh)
        client = EERestClient(session, api_url, project, timeout=(self.connect_timeout_s, self.read_timeout_s),
                              retry=retry, gate=gate)
        return Connection(backend, api_url, project, client)

    @property
    def connection(self) -> Connection:
        if self._connection is None:  # used outside a run (e.g. a script): connect on first use
            self._connection = self.connect()
        return self._connection

    # -- computations ----------------------------------------------------------------------------------------
    def _call(self, fn: Callable[[], T]) -> T:
        """Run a REST call; an EE error that remains after the transport's retries fails the step at once."""
        try:
            return fn()
        except google.auth.exceptions.GoogleAuthError as e:
            raise refused_credentials(e) from None
        except EEError as e:
            metadata: dict[str, Any] = {"transient": e.transient}
            if isinstance(e, EERequestError):
                metadata |= {"http_status": e.http_status, "ee_status": e.ee_status, "attempts": e.attempts,
                             "expression_sha256": e.expression_sha256}
            raise dg.Failure(description=str(e), allow_retries=False, metadata=metadata) from None

    def compute_value(self, expression: dict, stats: TransferStats | None = None,
                      label: RequestLabel | None = None) -> Any:
        """value:compute: the expression's JSON value."""
        return self._call(lambda: self.connection.client.compute_value(expression, stats, label))

    def compute_features(self, expression: dict, stats: TransferStats | None = None,
                         label: RequestLabel | None = None) -> dict:
        """table:computeFeatures over all pages: the GeoJSON FeatureCollection (progress logged while paging)."""
        progress = ProgressLog(f"computeFeatures {label.describe() if label else ''}".strip(), dg.get_dagster_logger())
        return self._call(lambda: self.connection.client.compute_features(
            expression, self.page_size, stats, label, progress.pages))

    def compute_pixels(self, expression: dict, grid: dict, file_format: str, band_ids: Sequence[str] | None = None,
                       visualization: dict | None = None, stats: TransferStats | None = None,
                       label: RequestLabel | None = None) -> bytes:
        """image:computePixels in one request: the encoded file for `grid` (must fit EE's limits)."""
        return self._call(lambda: self.connection.client.compute_pixels(
            expression, grid, file_format, band_ids, visualization, stats, label))

    def fetch_geotiff(self, expression: dict, grid: dict, output: Path, band_ids: Sequence[str] | None = None,
                      stats: TransferStats | None = None, label: RequestLabel | None = None,
                      name: str | None = None) -> GeoTiffResult:
        """image:computePixels of any size as one GeoTIFF at the local path `output`: tiled under EE's limits,
        fetched concurrently, resumable after a crash, written atomically (progress logged as `name`)."""
        progress = ProgressLog(f"GeoTIFF {name or output.name}", dg.get_dagster_logger())
        return self._call(lambda: fetch_geotiff(
            self.connection.client, expression, grid, output, band_ids, stats=stats, label=label,
            workers=self.tile_workers, max_tile_bytes=self.max_tile_bytes, progress=progress.tiles))

    @property
    def exports_read_locally(self) -> bool:
        """Whether gs:// export destinations are read from the local backend's bucket root (the backend is local,
        or EE_LOCAL_BUCKET_ROOT is set) rather than from Cloud Storage."""
        return self.connection.backend == Backend.LOCAL.value or _env("EE_LOCAL_BUCKET_ROOT") is not None

    def describe(self) -> dict[str, str]:
        """Metadata-safe facts about the connection (no credentials)."""
        c = self.connection
        return {"ee_backend": c.backend, "ee_project": c.project, "earthengine_api": ee.__version__}


def _env_var(name: str) -> dg.EnvVar | None:
    """`name` as a dg.EnvVar when it is set (the UI shows the variable, runs read its value), else None."""
    return dg.EnvVar(name) if _env(name) else None


@dg.definitions
def resources() -> dg.Definitions:
    """The code location's resources, configured from the environment variables above."""
    backend = (_env("EE_BACKEND") or Backend.LOCAL.value).lower()
    if backend not in BACKENDS:
        raise ValueError(f"EE_BACKEND must be 'local' or 'earthengine', got {backend!r}; fix or unset it.")
    check_output_dir_env()  # an unsupported EE_OUTPUT_DIR fails the load, not every run
    return dg.Definitions(resources={
        "earth_engine": EarthEngineResource(
            backend=Backend(backend), project=_env_var("EE_PROJECT"),
            service_account_key=_env_var("EE_SERVICE_ACCOUNT_KEY"), api_url=_env_var("EE_API_URL"),
            local_catalog=_env_var("EE_LOCAL_CATALOG")),
        "output_store": OutputStore(root=_env_var(OUTPUT_DIR_ENV)),
    })
