"""The Earth Engine resource: credentials, an authorized session, `ee.Initialize` and the REST compute calls.

One resource serves both backends. Settings come from the resource's config when given, else from the
environment, else defaults, so nothing is required for the local backend:

    EE_BACKEND              local (default: the embedded server, started in-process) or earthengine
    EE_PROJECT              Cloud project (earthengine: else the key's or ADC's project)
    EE_SERVICE_ACCOUNT_KEY  service-account key: a file path or the JSON itself (else application default creds)
    EE_API_URL              API root override for earthengine (default https://earthengine.googleapis.com)
    EE_LOCAL_CATALOG        catalog.yaml for the local backend (default: the generated sample catalog)

Permanent EE errors (HTTP 4xx) become a `dg.Failure` with EE's message that is never retried; transient ones
(429, 5xx, dropped connections, after the session's own retries) are raised so a RetryPolicy can try again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import dagster as dg
import ee
from pydantic import Field, PrivateAttr

from ee_assets import limits
from ee_assets.defs.local_backend import shared_endpoint
from ee_assets.transport import auth
from ee_assets.transport.ee_client import initialize_ee
from ee_assets.transport.rest import EERequestError, EERestClient, RequestStats, build_session

BACKENDS = ("local", "earthengine")
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


# Retries for transient failures that outlast the session's own retries; permanent errors fail at once.
EE_RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


class EarthEngineResource(dg.ConfigurableResource):
    """Earth Engine (or the embedded local backend) for building graphs and running REST computations."""

    backend: str | None = Field(default=None, description="'local' or 'earthengine'; unset: $EE_BACKEND, else local.")
    project: str | None = Field(default=None, description="Cloud project; unset: $EE_PROJECT.")
    service_account_key: str | None = Field(
        default=None, description="Service-account key path or JSON; pass a dg.EnvVar, never the key itself. "
                                  "Unset: $EE_SERVICE_ACCOUNT_KEY, else application default credentials.")
    api_url: str | None = Field(default=None, description="API root for earthengine; unset: $EE_API_URL.")
    local_catalog: str | None = Field(default=None, description="catalog.yaml for local; unset: $EE_LOCAL_CATALOG.")
    connect_timeout_s: float = Field(default=10.0, description="Seconds to wait for a connection.")
    read_timeout_s: float = Field(default=300.0, description="Seconds to wait for an answer.")
    http_retries: int = Field(default=5, description="Retries of 429/5xx/connection errors per request.")
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
        backend = (self.backend or _env("EE_BACKEND") or "local").lower()
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
        initialize_ee(credentials, url=api_url, project=project, offline=backend == "local")
        session = build_session(credentials, retries=self.http_retries, refresh_on_401=refresh)
        client = EERestClient(session, api_url, project, timeout=(self.connect_timeout_s, self.read_timeout_s))
        return Connection(backend, api_url, project, client)

    @property
    def connection(self) -> Connection:
        if self._connection is None:  # used outside a run (e.g. a script): connect on first use
            self._connection = self.connect()
        return self._connection

    # -- computations ----------------------------------------------------------------------------------------
    def _call(self, fn: Callable[[], T]) -> T:
        """Run a REST call; a permanent EE error fails the step at once with EE's own message."""
        try:
            return fn()
        except EERequestError as e:
            if e.transient:
                raise
            raise dg.Failure(
                description=str(e), allow_retries=False,
                metadata={"http_status": e.http_status, "ee_status": e.ee_status,
                          "expression_sha256": e.expression_sha256},
            ) from None

    def compute_value(self, expression: dict, stats: RequestStats | None = None) -> Any:
        """value:compute: the expression's JSON value."""
        return self._call(lambda: self.connection.client.compute_value(expression, stats))

    def compute_features(self, expression: dict) -> tuple[dict, RequestStats]:
        """table:computeFeatures over all pages: the GeoJSON FeatureCollection and what it cost."""
        return self._call(lambda: self.connection.client.compute_features(expression, self.page_size))

    def compute_pixels(self, expression: dict, grid: dict, file_format: str, band_ids: Sequence[str] | None = None,
                       visualization: dict | None = None, stats: RequestStats | None = None) -> bytes:
        """image:computePixels: the encoded file for `grid`."""
        return self._call(lambda: self.connection.client.compute_pixels(
            expression, grid, file_format, band_ids, visualization, stats))

    def describe(self) -> dict[str, str]:
        """Metadata-safe facts about the connection (no credentials)."""
        c = self.connection
        return {"ee_backend": c.backend, "ee_project": c.project, "earthengine_api": ee.__version__}
