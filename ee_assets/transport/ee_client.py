"""Initialize the official earthengine-api client against Earth Engine or the local backend."""

from __future__ import annotations

import itertools
import logging
import random
import time
import warnings
from collections.abc import Callable

import ee
import requests

from ee_assets.transport.rest import EETokenError, EETransportError
from ee_assets.transport.retry import RetrySettings, token_error_cause

log = logging.getLogger(__name__)

_OFFLINE_MARKER = "ee_assets: deprecation list not fetched (offline backend)"
# Where the local backend publishes the list the client would fetch from Google Cloud Storage (the same object path).
LOCAL_DEPRECATED_LIST = "/earthengine-stac/catalog/catalog_deprecated.json"


def _transient_cause(error: BaseException) -> str | None:
    """Why `ee.Initialize` failed, if trying again may succeed: "token" (the token endpoint could not be reached
    or kept failing) or "connection" (the client gives up on dropped connections and timeouts after its own retries,
    raising the built-in ConnectionError or TimeoutError)."""
    cause = token_error_cause(error)
    if cause is None and isinstance(error, ConnectionError | TimeoutError):
        cause = "connection"
    return cause


def initialize_ee(credentials, url: str | None, project: str, offline: bool, retry: RetrySettings | None = None,
                  sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
    """`ee.Initialize` for building graphs; with `offline`, skip the client's internet fetch of deprecated assets.

    `ee.Initialize` downloads a list of deprecated datasets from Google Cloud Storage (not from `url`) and warns
    when `ee.Image`/`ee.ImageCollection`/`ee.FeatureCollection` name one of them (ee/deprecation.py); Earth Engine's
    API itself never warns. Against the local backend there is no network to ask: the list is read from the local
    server instead (`LOCAL_DEPRECATED_LIST`, the public catalog's deprecated datasets), so the client warns as it
    does with Earth Engine; the client takes a pre-set list as already loaded. Against Earth Engine (whatever its
    URL, the high-volume endpoint too) the client fetches the real list.

    With `retry`, a transient failure (token endpoint unreachable, dropped connections) is retried with backoff
    within its time budget, then raised as EETokenError or EETransportError; refused credentials are raised at once.
    """
    if offline:
        ee.deprecation.deprecated_assets = {_OFFLINE_MARKER: None, **_local_deprecation_list(url)}
    elif _OFFLINE_MARKER in (ee.deprecation.deprecated_assets or {}):
        ee.deprecation.Reset()  # an earlier offline initialization in this process must not hide the real list
    kwargs = {"project": project}
    if url:
        kwargs["url"] = url
    rng, started = random.Random(), clock()
    for attempt in itertools.count():
        try:
            ee.Initialize(credentials, **kwargs)
            return
        except Exception as e:
            cause = _transient_cause(e)
            if retry is None or cause is None:
                raise
            elapsed, delay = clock() - started, retry.backoff(attempt, None, rng)
            if elapsed + delay > retry.max_elapsed_s:
                kind = EETokenError if cause == "token" else EETransportError
                what = ("no access token could be had: the token endpoint could not be reached or kept failing "
                        "(the credentials were not refused)" if cause == "token" else
                        f"the client's connections to {url or 'Earth Engine'} kept failing")
                raise kind(f"Initializing the Earth Engine client failed in {attempt + 1} attempts over "
                           f"{elapsed:.1f} s: {what} ({type(e).__name__}); check the network, any proxy and "
                           "EE_API_URL, then rerun.") from None
            log.info("ee.Initialize: %s (%s), retry %d in %.2f s", cause, type(e).__name__, attempt + 1, delay)
            sleep(delay)


def _local_deprecation_list(url: str | None) -> dict:
    """The local server's list of deprecated datasets as the client keeps it ({id: DeprecatedAsset}), with the
    client's own warning filter; empty when the server has none (the list is not critical, as in the client)."""
    if not url:
        return {}
    try:
        response = requests.get(url.rstrip("/") + LOCAL_DEPRECATED_LIST, timeout=(10, 60))
        response.raise_for_status()
        links = response.json().get("links", [])
        assets = {link["title"]: ee.deprecation.DeprecatedAsset.FromStacLink(link) for link in links
                  if link.get("deprecated") and isinstance(link.get("title"), str)}
    except (requests.RequestException, ValueError, AttributeError, KeyError) as e:
        log.info("No list of deprecated datasets from %s (%s); ee.Image and friends will not warn.", url,
                 type(e).__name__)
        return {}
    # What the client does after fetching its list (deprecation._UnfilterDeprecationWarnings): show them.
    warnings.filterwarnings("default", category=DeprecationWarning, module="ee.deprecation")
    return assets
