"""Thumbnails, map tiles and table downloads: `POST …/thumbnails`, `POST …/maps` or `POST …/tables` store a request
under an unguessable name; `GET …/thumbnails/<id>:getPixels` renders it on the image's own grid (getThumbURL),
`GET …/maps/<id>/tiles/{z}/{x}/{y}` on a 256 x 256 Web Mercator tile (getMapId, geemap's Map.addLayer) and
`GET …/tables/<id>:getFeatures` writes the table (FeatureCollection.getDownloadURL).

As on Earth Engine, the returned URLs work without credentials (so `requests.get(url)`, an <img> tag or a web map
can fetch them): the 128-bit random id is the capability. Requests are kept in an LRU bounded in number and in bytes
(each keeps only the values its image depends on), so old URLs eventually expire with a 404 that says so.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.support.bands import first_elements
from ee_assets.local.encoding.pixels import encode_pixels
from ee_assets.local.errors import NotFound
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Image

MAX_THUMBNAILS = 512
MAX_THUMBNAIL_BYTES = 64 << 20  # of stored requests (as JSON), all together


class ThumbnailStore:
    """name → (project, render request), thread-safe, least recently used evicted first."""

    def __init__(self, capacity: int = MAX_THUMBNAILS, max_bytes: int = MAX_THUMBNAIL_BYTES):
        self._items: OrderedDict[str, tuple[str, dict, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity
        self.max_bytes = max_bytes
        self.used = 0

    def create(self, project: str, request: dict, kind: str = "thumbnails") -> str:
        """Store a render request (expression, fileFormat, visualizationOptions, bandIds); return its name,
        `projects/<project>/<kind>/<id>`."""
        name = f"projects/{project}/{kind}/{secrets.token_hex(16)}"
        kept = {k: request[k] for k in ("expression", "fileFormat", "visualizationOptions", "bandIds",
                                         "filenamePrefix", "selectors", "filename") if request.get(k) is not None}
        size = len(json.dumps(kept, separators=(",", ":")))
        with self._lock:
            self._items[name] = (project, kept, size)
            self.used += size
            while len(self._items) > self._capacity or (self.used > self.max_bytes and len(self._items) > 1):
                _, (_, _, old) = self._items.popitem(last=False)
                self.used -= old
        return name

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(self, name: str) -> tuple[str, dict]:
        with self._lock:
            item = self._items.get(name)
            if item is None:
                raise NotFound(f"'{name}' not found: it was never created or has expired (the local backend keeps "
                               f"the last {self._capacity}); call getThumbURL / getMapId again.")
            self._items.move_to_end(name)
            return item[0], item[1]


WEB_MERCATOR_HALF_WIDTH = 20037508.342789244  # metres from the origin to the edge of the EPSG:3857 square
TILE_SIZE = 256
MAX_ZOOM = 30


def tile_grid(zoom: int, x: int, y: int) -> dict:
    """The computePixels grid of XYZ tile (zoom, x, y): 256 x 256 pixels of EPSG:3857, y counted from the north."""
    if not 0 <= zoom <= MAX_ZOOM or not (0 <= x < 2**zoom and 0 <= y < 2**zoom):
        raise NotFound(f"No tile {zoom}/{x}/{y}: zoom must be 0..{MAX_ZOOM} and x, y within 0..2^zoom - 1.")
    span = 2 * WEB_MERCATOR_HALF_WIDTH / 2**zoom
    res = span / TILE_SIZE
    return {"dimensions": {"width": TILE_SIZE, "height": TILE_SIZE}, "crsCode": "EPSG:3857",
            "affineTransform": {"scaleX": res, "shearX": 0, "translateX": -WEB_MERCATOR_HALF_WIDTH + x * span,
                                "shearY": 0, "scaleY": -res, "translateY": WEB_MERCATOR_HALF_WIDTH - y * span}}


PICTURE_FORMATS = {"AUTO_JPEG_PNG", "PNG", "JPEG", "IMAGE_FILE_FORMAT_UNSPECIFIED"}
ZIPPED_FORMATS = {"ZIPPED_GEO_TIFF", "ZIPPED_GEO_TIFF_PER_BAND"}


def render_request(stored: dict) -> dict:
    """The computePixels request that renders a stored thumbnail on the image's own grid (set by
    clipToBoundsAndScale from getThumbURL's region/dimensions). Pictures without visualization options get EE's
    defaults (the type's range for integers, 0..1 for floats); data formats (getDownloadURL) keep the values."""
    request = {k: v for k, v in stored.items() if k != "filenamePrefix"}
    request["fileFormat"] = str(request.get("fileFormat") or "AUTO_JPEG_PNG").upper()
    if request["fileFormat"] in PICTURE_FORMATS:
        request.setdefault("visualizationOptions", {})
    return request


def default_picture_bands(image: Image) -> tuple[Image, bool]:
    """The bands EE draws when no visualization parameters name them, and whether there is nothing to draw: the
    first three of a multi-band image ("If the 'bands' parameter is not defined, the first three bands are used",
    the Map.addLayer apidocs; "If empty, the first 3 are used", Image.visualize's signature), else all."""
    image = first_elements(image)  # array pixels draw their first element
    if len(image.bands) > 3:
        return image.with_bands(image.bands[:3]), False
    return image, not image.bands


def transparent_picture(grid: Grid, fmt: str, geotiff_mask: str) -> tuple[bytes, str]:
    """A fully transparent picture of `grid`: how an image with no bands renders."""
    zeros = np.zeros((1, grid.height, grid.width))
    return encode_pixels(["vis-gray"], zeros, zeros.astype(np.float32), [np.dtype(np.uint8)], grid,
                         fmt, None, geotiff_mask)


def zipped_geotiffs(stored: dict, render: Callable[[dict], bytes], band_names: Callable[[dict], list[str]]) -> bytes:
    """getDownloadURL's zip formats: one GeoTIFF '<prefix>.tif' (ZIPPED_GEO_TIFF) or one '<prefix>.<band>.tif'
    per band (ZIPPED_GEO_TIFF_PER_BAND); the prefix is the request's filenamePrefix, else 'download'."""
    request = {**render_request(stored), "fileFormat": "GEO_TIFF"}
    prefix = stored.get("filenamePrefix") or "download"
    if str(stored.get("fileFormat")).upper() == "ZIPPED_GEO_TIFF":
        files = [(f"{prefix}.tif", render(request))]
    else:
        files = [(f"{prefix}.{band}.tif", render({**request, "bandIds": [band]})) for band in band_names(request)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()
