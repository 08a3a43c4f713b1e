"""Thumbnails: `POST …/thumbnails` stores a render request under an unguessable name, and
`GET …/thumbnails/<id>:getPixels` renders it, as EE's getThumbURL flow expects.

As on Earth Engine, the returned URL works without credentials (so `requests.get(url)` or an <img> tag can fetch
it): the 128-bit random id is the capability. Requests are kept in a bounded LRU, so old URLs eventually expire
with a 404 that says so.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from ee_assets.local.errors import NotFound

MAX_THUMBNAILS = 512


class ThumbnailStore:
    """name → (project, render request), thread-safe, least recently used evicted first."""

    def __init__(self, capacity: int = MAX_THUMBNAILS):
        self._items: OrderedDict[str, tuple[str, dict]] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def create(self, project: str, request: dict) -> str:
        """Store a render request (expression, fileFormat, visualizationOptions, bandIds); return its name."""
        name = f"projects/{project}/thumbnails/{secrets.token_hex(16)}"
        kept = {k: request[k] for k in ("expression", "fileFormat", "visualizationOptions", "bandIds")
                if request.get(k) is not None}
        with self._lock:
            self._items[name] = (project, kept)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return name

    def get(self, name: str) -> tuple[str, dict]:
        with self._lock:
            item = self._items.get(name)
            if item is None:
                raise NotFound(f"Thumbnail '{name}' not found: it was never created or has expired (the local backend "
                               f"keeps the last {self._capacity}); call getThumbURL again.")
            self._items.move_to_end(name)
            return item


def render_request(stored: dict) -> dict:
    """The computePixels request that renders a stored thumbnail on the image's own grid (set by
    clipToBoundsAndScale from getThumbURL's region/dimensions). Without visualization options, EE's defaults
    apply: the type's range for integers, 0..1 for floats."""
    request = dict(stored)
    request.setdefault("visualizationOptions", {})
    request.setdefault("fileFormat", "AUTO_JPEG_PNG")
    return request
