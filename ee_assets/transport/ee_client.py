"""Initialize the official earthengine-api client against Earth Engine or the local backend."""

from __future__ import annotations

import ee

_OFFLINE_MARKER = "ee_assets: deprecation list not fetched (offline backend)"


def initialize_ee(credentials, url: str | None, project: str, offline: bool) -> None:
    """`ee.Initialize` for building graphs; with `offline`, skip the client's internet fetch of deprecated assets.

    `ee.Initialize` downloads a list of deprecated datasets from Google Cloud Storage (not from `url`); against the
    local backend there is no network to ask, so the list is pre-set to a non-empty placeholder, which the client
    takes as already loaded.
    """
    if offline:
        ee.deprecation.deprecated_assets = {_OFFLINE_MARKER: None}
    kwargs = {"project": project}
    if url:
        kwargs["url"] = url
    ee.Initialize(credentials, **kwargs)
