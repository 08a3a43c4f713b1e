"""A small client for EE's REST compute methods (value:compute, table:computeFeatures, image:computePixels).

It works the same against Earth Engine and the local backend. Transient failures (429, 5xx, dropped connections)
are retried with backoff, honouring Retry-After; a permanent error (4xx) is raised at once as `EERequestError`
carrying EE's own message and the hash of the expression that caused it. Tokens are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import google.auth.credentials
import requests
from google.auth.transport.requests import AuthorizedSession
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ee_assets import limits
from ee_assets.transport.expression import expression_hash, request_body

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (10.0, 300.0)  # (connect, read) seconds


class EEError(Exception):
    """A failed EE request; `transient` says whether trying again later may succeed."""

    transient: bool = False


class EERequestError(EEError):
    """EE answered with an error status: its HTTP status, EE status name and message, and the expression hash."""

    def __init__(self, method: str, http_status: int, ee_status: str, message: str, expression_sha256: str):
        self.method = method
        self.http_status = http_status
        self.ee_status = ee_status
        self.message = message
        self.expression_sha256 = expression_sha256
        self.transient = http_status in TRANSIENT_STATUSES
        super().__init__(str(self))

    def __str__(self) -> str:
        return (f"Earth Engine {self.method} failed with HTTP {self.http_status} {self.ee_status}: {self.message} "
                f"(expression sha256 {self.expression_sha256[:16]})")

    @classmethod
    def from_response(cls, method: str, response: requests.Response, expression_sha256: str) -> EERequestError:
        """Parse EE's `{"error": {"code", "message", "status"}}` body, falling back to the HTTP reason."""
        status, message = response.reason or "", ""
        try:
            error = response.json().get("error", {})
            status, message = error.get("status") or status, error.get("message") or ""
        except (ValueError, AttributeError):
            message = response.text[:500]
        return cls(method, response.status_code, status, message or f"HTTP {response.status_code} with no message",
                   expression_sha256)


class EETransportError(EEError):
    """The request did not get an answer (connection refused or dropped, timeout) after retries."""

    transient = True


@dataclass
class RequestStats:
    """What one logical call cost: result pages, HTTP requests (retries included) and wall time."""

    pages: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {"pages": self.pages, "requests": self.requests, "retries": self.retries,
                "seconds": round(self.seconds, 3)}


def build_session(credentials: google.auth.credentials.Credentials, retries: int = 5, backoff_s: float = 1.0,
                  refresh_on_401: bool = True) -> AuthorizedSession:
    """An AuthorizedSession whose adapters retry 429/5xx and connection errors (POST included: EE compute
    calls are idempotent) with exponential backoff, honouring Retry-After."""
    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries, other=0,
        backoff_factor=backoff_s, backoff_max=60.0, status_forcelist=TRANSIENT_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}), respect_retry_after_header=True, raise_on_status=False,
    )
    session = AuthorizedSession(credentials, refresh_status_codes=(401,) if refresh_on_401 else ())
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class EERestClient:
    """EE REST compute calls for one project through an authorized session."""

    def __init__(self, session: requests.Session, api_url: str, project: str,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, body_retries: int = 3, backoff_s: float = 1.0):
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.project = project
        self.timeout = timeout
        self.body_retries = body_retries
        self.backoff_s = backoff_s

    def _url(self, method: str) -> str:
        return f"{self.api_url}/v1/projects/{self.project}/{method}"

    def _post(self, method: str, body: dict, digest: str, stats: RequestStats) -> requests.Response:
        """POST `body`; retry answers cut off mid-body (the adapter retries the rest); raise on error statuses."""
        data = json.dumps(body, separators=(",", ":"), allow_nan=False)
        if len(data) > limits.MAX_REQUEST_BODY_BYTES:
            raise EERequestError(method, 400, "INVALID_ARGUMENT", f"request body is {len(data)} bytes, over EE's "
                                 f"{limits.MAX_REQUEST_BODY_BYTES}-byte limit; simplify the expression", digest)
        for attempt in range(self.body_retries + 1):
            started = time.perf_counter()
            try:
                response = self.session.post(self._url(method), data=data, timeout=self.timeout,
                                             headers={"Content-Type": "application/json"})
                _ = response.content  # read the whole body here, so a cut-off answer is retried below
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
                    requests.exceptions.Timeout) as e:
                stats.requests += 1
                stats.seconds += time.perf_counter() - started
                if attempt == self.body_retries:
                    raise EETransportError(f"Earth Engine {method} got no complete answer from {self.api_url} "
                                           f"after {attempt + 1} attempts ({type(e).__name__}); check the network "
                                           f"and EE_API_URL (expression sha256 {digest[:16]})") from None
                stats.retries += 1
                log.warning("%s: incomplete answer (%s), retrying", method, type(e).__name__)
                time.sleep(self.backoff_s * 2 ** attempt)
                continue
            history = response.raw.retries.history if getattr(response.raw, "retries", None) else ()
            stats.requests += 1 + len(history)
            stats.retries += len(history)
            stats.seconds += time.perf_counter() - started
            log.debug("POST %s expression=%s -> %s in %.2fs", method, digest[:12], response.status_code,
                      time.perf_counter() - started)
            if response.status_code >= 400:
                raise EERequestError.from_response(method, response, digest)
            return response
        raise AssertionError("unreachable")

    def compute_value(self, expression: dict, stats: RequestStats | None = None) -> Any:
        """value:compute: the JSON value the expression evaluates to (cost added to `stats` if given)."""
        stats = stats if stats is not None else RequestStats()
        response = self._post("value:compute", request_body(expression), expression_hash(expression), stats)
        stats.pages += 1
        return response.json()["result"]

    def compute_features(self, expression: dict, page_size: int = limits.COMPUTE_FEATURES_DEFAULT_PAGE_SIZE
                         ) -> tuple[dict, RequestStats]:
        """table:computeFeatures, following nextPageToken to the end: one GeoJSON FeatureCollection and its cost."""
        digest = expression_hash(expression)
        stats = RequestStats()
        result: dict | None = None
        token, seen = None, set()
        while True:
            body = {**request_body(expression), "pageSize": page_size}
            if token:
                body["pageToken"] = token
            page = self._post("table:computeFeatures", body, digest, stats).json()
            stats.pages += 1
            token = page.pop("nextPageToken", None)
            if result is None:
                result = page
            else:
                result["features"].extend(page.get("features", []))
            if not token:
                return result, stats
            if token in seen:
                raise EERequestError("table:computeFeatures", 500, "INTERNAL",
                                     "the server repeated a nextPageToken; paging would never end", digest)
            seen.add(token)

    def compute_pixels(self, expression: dict, grid: dict, file_format: str, band_ids: Sequence[str] | None = None,
                       visualization: dict | None = None, stats: RequestStats | None = None) -> bytes:
        """image:computePixels on `grid` (an EE PixelGrid): the encoded file's bytes (cost added to `stats`)."""
        body = {**request_body(expression), "fileFormat": file_format, "grid": grid}
        if band_ids:
            body["bandIds"] = list(band_ids)
        if visualization:
            body["visualizationOptions"] = visualization
        stats = stats if stats is not None else RequestStats()
        response = self._post("image:computePixels", body, expression_hash(expression), stats)
        stats.pages += 1
        return response.content
