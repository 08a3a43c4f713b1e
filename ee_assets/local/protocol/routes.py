"""The EE REST API v1 subset: request routing and the semantics of each method.

Transport-free: `LocalBackend.handle` takes a parsed request and returns a
`Response`, so the HTTP layer stays thin and these semantics are testable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from affine import Affine

from ee_assets import limits
from ee_assets.local import budget as budgets
from ee_assets.local.algorithms import implemented
from ee_assets.local.budget import Budget
from ee_assets.local.catalog import provenance
from ee_assets.local.catalog.catalog import Catalog, asset_id_from_name
from ee_assets.local.catalog.public.assets import deprecated_stac
from ee_assets.local.encoding.json_body import json_body
from ee_assets.local.encoding.pixels import GEOTIFF_MASKS, encode_pixels
from ee_assets.local.encoding.tables import FORMATS as TABLE_FORMATS
from ee_assets.local.encoding.tables import encode_table
from ee_assets.local.errors import ApiError, InvalidArgument, NotFound, RequestTooLarge, UserMemoryLimitExceeded
from ee_assets.local.evaluator.context import EvalContext
from ee_assets.local.evaluator.evaluate import Evaluator, pruned
from ee_assets.local.exports import ExportService
from ee_assets.local.kernels.tiles import evaluate_bands
from ee_assets.local.protocol.counters import BoundedCounter
from ee_assets.local.protocol.discovery import discovery_document
from ee_assets.local.protocol.exports import EXPORT_METHOD_NAMES, EXPORT_ROUTES, ExportMethods
from ee_assets.local.protocol.feature_pages import FeaturePages
from ee_assets.local.protocol.oauth import Authenticator, OAuthError
from ee_assets.local.protocol.server_limits import ServerLimits
from ee_assets.local.protocol.signatures import algorithms_response
from ee_assets.local.protocol.thumbnails import (
    PICTURE_FORMATS,
    ZIPPED_FORMATS,
    ThumbnailStore,
    default_picture_bands,
    render_request,
    tile_grid,
    transparent_picture,
    zipped_geotiffs,
)
from ee_assets.local.values.elements import Collection, Feature, features_json
from ee_assets.local.values.geojson import coordinates_as_json
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid, parse_crs
from ee_assets.local.values.image import Image, new_pixel_cache, reset_pixel_cache
from ee_assets.local.values.jsonify import to_json


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, obj: Any, status: int = 200) -> Response:
        return cls(status, json_body(obj))

    @classmethod
    def error(cls, err: ApiError) -> Response:
        return cls.json(err.to_json(), err.code)


# The rule earthengine-api enforces in ee.data.setWorkloadTag (ee/_state.py): EE rejects what the client would.
WORKLOAD_TAG = re.compile(r"[a-z0-9](?:[-_a-z0-9]{0,61}[a-z0-9])?")
_PROJECT = r"/v1/projects/(?P<project>[^/:]+)"
# Where the official client reads the public catalog's deprecated datasets (ee/deprecation.py fetches
# https://storage.googleapis.com/earthengine-stac/catalog/catalog_deprecated.json); the transport reads ours here.
DEPRECATED_STAC = "/earthengine-stac/catalog/catalog_deprecated.json"
THUMBNAIL_PIXELS = re.compile(r"/v1/projects/[^/:]+/thumbnails/[0-9a-f]+:getPixels")
TABLE_FEATURES = re.compile(r"/v1/projects/[^/:]+/tables/[0-9a-f]+:getFeatures")
MAP_TILE = re.compile(r"/v1/(?P<name>projects/[^/:]+/maps/[0-9a-f]+)/tiles/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)")
ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("GET", re.compile(r"/\$discovery/rest"), "discovery"),
    ("GET", re.compile(_PROJECT + r"/algorithms"), "algorithms"),
    ("POST", re.compile(_PROJECT + r"/value:compute"), "compute_value"),
    ("POST", re.compile(_PROJECT + r"/table:computeFeatures"), "compute_features"),
    ("POST", re.compile(_PROJECT + r"/image:computePixels"), "compute_pixels"),
    ("POST", re.compile(_PROJECT + r"/thumbnails"), "create_thumbnail"),
    ("POST", re.compile(_PROJECT + r"/maps"), "create_map"),
    ("POST", re.compile(_PROJECT + r"/tables"), "create_table"),
    ("POST", re.compile(r"/v1/(?P<name>projects/(?P<project>[^/:]+)/assets/.+):getPixels"), "get_pixels"),
    ("GET", re.compile(r"/v1/(?P<parent>projects/[^/:]+(?:/assets/.+?)?):listAssets"), "list_assets"),
    ("GET", re.compile(r"/v1/(?P<name>projects/[^/:]+/assets/.+)"), "get_asset"),
    *EXPORT_ROUTES,
]


# Names of the methods, for counting requests (a fixed set: counting never grows with what clients send).
METHOD_NAMES = {"algorithms": "algorithms.list", "compute_value": "value:compute",
                "compute_features": "table:computeFeatures", "compute_pixels": "image:computePixels",
                "create_thumbnail": "thumbnails.create", "create_map": "maps.create", "create_table": "tables.create",
                "get_pixels": "assets.getPixels", "list_assets": "listAssets", "get_asset": "assets.get",
                **EXPORT_METHOD_NAMES}


class LocalBackend(ExportMethods):
    """Answers EE REST requests from a catalog; thread-safe."""

    def __init__(self, catalog: Catalog, auth: Authenticator | None = None, limits: ServerLimits | None = None,
                 geotiff_mask: str = "internal", exports: ExportService | None = None,
                 bucket_root: Path | None = None):
        if geotiff_mask not in GEOTIFF_MASKS:
            raise ValueError(f"geotiff_mask must be one of {', '.join(GEOTIFF_MASKS)}; got {geotiff_mask!r}")
        self.geotiff_mask = geotiff_mask  # how computePixels GeoTIFFs mark masked pixels (encoding/pixels.py)
        self.catalog = catalog
        self.auth = auth or Authenticator()
        self.limits = limits or ServerLimits()
        self.features = FeaturePages(self.limits.max_request_memory // 4)
        self.implemented = implemented()
        # Compute requests per workloadTag (for attribution checks) and API requests per X-Goog-User-Project ("" when
        # absent): clients choose the values, so each counts at most 1,000 distinct ones by name (counters.py).
        self.workload_tags = BoundedCounter()
        self.user_projects = BoundedCounter()
        self._tags_lock = threading.Lock()
        self.thumbnails = ThumbnailStore()
        self.exports = exports or ExportService(catalog, geotiff_mask=geotiff_mask)  # batch tasks (exports/)
        # gs://BUCKET/PATH is <bucket_root>/BUCKET/PATH for Image.loadGeoTIFF (None: such reads are refused)
        self.bucket_root = bucket_root

    # -- dispatch -----------------------------------------------------------------------------------------------
    @staticmethod
    def requires_auth(method: str, path: str) -> bool:
        """False for the token endpoint, the public deprecated-datasets list and the capability URLs of thumbnails,
        map tiles and table downloads."""
        if method == "POST" and path == "/token":
            return False
        return not (method == "GET" and (path == DEPRECATED_STAC or MAP_TILE.fullmatch(path)
                                         or THUMBNAIL_PIXELS.fullmatch(path) or TABLE_FEATURES.fullmatch(path)))

    @staticmethod
    def method_name(method: str, path: str) -> str | None:
        """The API method (under /v1/) a request calls ("image:computePixels", …), None if it calls none."""
        if not path.startswith("/v1/"):
            return None
        if method == "GET" and MAP_TILE.fullmatch(path):
            return "maps.tiles.get"
        if method == "GET" and THUMBNAIL_PIXELS.fullmatch(path):
            return "thumbnails.getPixels"
        if method == "GET" and TABLE_FEATURES.fullmatch(path):
            return "tables.getFeatures"
        return next((METHOD_NAMES[name] for m, pattern, name in ROUTES if m == method and pattern.fullmatch(path)),
                    None)

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
               root_url: str, budget: Budget | None = None) -> Response:
        """Answer one request, evaluated under `budget` (by default one with this backend's limits); when it read
        synthetic data, the `x-ee-assets-synthetic` header names the assets (catalog/provenance.py)."""
        budget = budget or Budget(self.limits.max_request_memory, self.limits.request_timeout_s)
        with budgets.active(budget), provenance.tracking() as synthetic:
            try:
                response = self._dispatch(method, path, query, headers, body, root_url)
            except MemoryError:  # an allocation no estimate foresaw: still EE's answer, and the server goes on
                return Response.error(UserMemoryLimitExceeded("the evaluation ran out of memory; use a coarser "
                                                              "scale, a smaller region or fewer images"))
        if synthetic and response.status < 400:
            response.headers[provenance.SYNTHETIC_HEADER] = provenance.header_value(synthetic)
        return response

    def _dispatch(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                  root_url: str) -> Response:
        if method == "GET" and path == DEPRECATED_STAC:  # public, like the object it stands in for
            return Response.json(deprecated_stac())
        if method == "POST" and path == "/token":
            return self.token(body, root_url)
        tile = MAP_TILE.fullmatch(path) if method == "GET" else None
        table = method == "GET" and TABLE_FEATURES.fullmatch(path)
        if tile or table or (method == "GET" and THUMBNAIL_PIXELS.fullmatch(path)):  # the id is the capability
            try:
                if tile:
                    return self.map_tile(tile["name"], int(tile["z"]), int(tile["x"]), int(tile["y"]), root_url)
                if table:
                    return self.table_features(path[len("/v1/"):-len(":getFeatures")])
                return self.thumbnail_pixels(path[len("/v1/"):-len(":getPixels")], root_url)
            except ApiError as e:
                return Response.error(e)
        try:
            self.auth.check(headers.get("authorization", ""))
            if path.startswith("/v1/"):
                with self._tags_lock:
                    self.user_projects.add(headers.get("x-goog-user-project", ""))
            for m, pattern, name in ROUTES:
                match = pattern.fullmatch(path)
                if match and m == method:
                    params = {k: v[-1] for k, v in parse_qs(query).items()}
                    answer = getattr(self, name)(match.groupdict(), params, body, root_url)
                    return answer if isinstance(answer, Response) else Response.json(answer)
            if any(p.fullmatch(path) for _, p, _ in ROUTES):
                return Response.error(InvalidArgument(f"Method {method} is not allowed on {path}."))
            raise NotFound(f"No such method: {method} {path} (the ee_assets local backend implements "
                           "value:compute, table:computeFeatures, image:computePixels, assets and listAssets).")
        except ApiError as e:
            return Response.error(e)
        except RecursionError:
            return Response.error(InvalidArgument("Expression is too deeply nested."))

    def token(self, body: bytes, root_url: str) -> Response:
        """The OAuth2 token endpoint (JWT-bearer grant for service-account keys)."""
        try:
            return Response.json(self.auth.grant(body, f"{root_url}/token"))
        except OAuthError as e:
            return Response.json({"error": e.error, "error_description": e.description}, e.status)

    # -- metadata -----------------------------------------------------------------------------------------------
    def discovery(self, m, params, body, root_url) -> Response:
        return Response.json(discovery_document(root_url))

    def algorithms(self, m, params, body, root_url) -> Response:
        return Response.json(algorithms_response(self.implemented))

    def get_asset(self, m, params, body, root_url) -> Response:
        return Response.json(self.catalog.asset_json(m["name"]))

    def list_assets(self, m, params, body, root_url) -> Response:
        parent = m["parent"]
        items = self.catalog.list_assets(parent, params.get("filter"))
        size = _page_size(params.get("pageSize"), 1000)
        start = _decode_token(params.get("pageToken"), parent) if params.get("pageToken") else 0
        page = items[start:start + size]
        out: dict[str, Any] = {"assets": page}
        if items[start + size:start + size + 1]:  # more after this page (a generated listing goes no further)
            out["nextPageToken"] = _encode_token(start + size, parent)
        return Response.json(out)

    # -- computation --------------------------------------------------------------------------------------------
    @contextmanager
    def _evaluation(self, request: dict, project: str):
        """Evaluate the request's expression; pixels computed while the block runs are cached for the request."""
        expression = request.get("expression")
        if not isinstance(expression, dict):
            raise InvalidArgument("Request is missing 'expression' (an Expression with 'values' and 'result').")
        token = new_pixel_cache()
        try:
            with budgets.pixel_scope():
                yield Evaluator(expression, EvalContext(self.catalog, project, self.bucket_root)).run()
        finally:
            reset_pixel_cache(token)

    def _evaluate(self, request: dict, project: str) -> Any:
        with self._evaluation(request, project) as result:
            return result

    def _compute_request(self, body: bytes) -> dict:
        """The parsed body of a compute call, with its workloadTag checked and counted."""
        request = _parse_body(body)
        tag = request.get("workloadTag")
        if tag is not None:
            if not isinstance(tag, str) or not WORKLOAD_TAG.fullmatch(tag):
                raise InvalidArgument(f"Invalid workloadTag {tag!r}: tags must be 1-63 characters, beginning and "
                                      "ending with a lowercase alphanumeric character ([a-z0-9]) with dashes (-), "
                                      "underscores (_) and lowercase alphanumerics between.")
            with self._tags_lock:
                self.workload_tags.add(tag)
        return request

    def compute_value(self, m, params, body, root_url) -> Response:
        result = self._evaluate(self._compute_request(body), m["project"])
        with coordinates_as_json():  # geometries written by orjson from their arrays (values/geojson.py)
            answer = to_json(result)
        return Response.json({"result": answer})

    def compute_features(self, m, params, body, root_url) -> Response:
        request = self._compute_request(body)
        key = _expression_key(request)
        size = _page_size(request.get("pageSize"), limits.COMPUTE_FEATURES_DEFAULT_PAGE_SIZE)
        start = _decode_token(request["pageToken"], key) if request.get("pageToken") else 0
        cached = self.features.get(key)
        if cached is None:
            features = self._encoded_features(request, m["project"])
            if start + size < len(features):  # more pages will be asked for: keep the features until then
                self.features.put(key, features, provenance.noted())
        else:
            features, synthetic = cached
            provenance.note(*synthetic)  # the answer says the pages come from synthetic data, as the first did
        page = b",".join(features[start:start + size])
        more = f',"nextPageToken":"{_encode_token(start + size, key)}"' if start + size < len(features) else ""
        return Response(200, b'{"type":"FeatureCollection","features":[' + page + b"]" + more.encode() + b"}")

    def _features(self, request: dict, project: str) -> list[Feature]:
        """The features of the evaluated collection."""
        result = self._evaluate(request, project)
        if isinstance(result, Feature):
            result = Collection([result])
        if not isinstance(result, Collection) or not all(isinstance(f, Feature) for f in result.elements):
            raise InvalidArgument("table:computeFeatures: the expression must evaluate to a FeatureCollection, "
                                  f"got {type(result).__name__}.")
        return result.elements

    def _encoded_features(self, request: dict, project: str) -> list[bytes]:
        """The evaluated collection as GeoJSON features, each encoded as JSON (geometries written by orjson from
        their arrays, values/geojson.py)."""
        features = self._features(request, project)
        with coordinates_as_json():
            return [json_body(f) for f in features_json(features)]

    def compute_pixels(self, m, params, body, root_url, picture_defaults: bool = False) -> Response:
        """computePixels; with `picture_defaults` (thumbnails and map tiles), EE's rendering of an image given
        without visualization parameters: its first three bands, and nothing (transparent) for no bands."""
        request = self._compute_request(body)
        fmt = str(request.get("fileFormat") or "AUTO_JPEG_PNG").upper()
        with self._evaluation(request, m["project"]) as image:
            if not isinstance(image, Image):
                raise InvalidArgument(f"image:computePixels: the expression must evaluate to an Image, "
                                      f"got {type(image).__name__}.")
            band_ids = _band_ids(request.get("bandIds"))
            if band_ids:
                image = image.select([re.escape(b) for b in band_ids])
            elif picture_defaults and fmt in PICTURE_FORMATS:
                image, empty = default_picture_bands(image)
                if empty and request.get("grid"):
                    grid = _request_grid(request["grid"], image)
                    return Response(200, *transparent_picture(grid, fmt, self.geotiff_mask))
            arrays = [b.name for b in image.bands if getattr(b, "shape", ())]
            if arrays:
                raise InvalidArgument(f"image:computePixels: band(s) {arrays} hold arrays; flatten them to scalar "
                                      "bands first (arrayFlatten, arrayGet or arrayProject + arrayFlatten).")
            grid = _request_grid(request.get("grid"), image)
            _check_pixel_limits(grid, image)
            values, masks = evaluate_bands(image.bands, grid)  # large grids: tile by tile on the tile pool
        data, ctype = encode_pixels(image.band_names, values, masks, [b.dtype for b in image.bands], grid, fmt,
                                    request.get("visualizationOptions"), self.geotiff_mask)
        return Response(200, data, ctype)

    def create_thumbnail(self, m, params, body, root_url, kind: str = "thumbnails") -> Response:
        """Store a thumbnail (or map) request after checking that its expression is an image; pixels come later."""
        request = self._compute_request(body)
        image = self._evaluate(request, m["project"])
        if not isinstance(image, Image):
            raise InvalidArgument(f"{kind}.create: the expression must evaluate to an Image, "
                                  f"got {type(image).__name__}.")
        request = {**request, "expression": pruned(request["expression"])}  # only what the image depends on
        return Response.json({"name": self.thumbnails.create(m["project"], request, kind)})

    def create_map(self, m, params, body, root_url) -> Response:
        return self.create_thumbnail(m, params, body, root_url, kind="maps")

    def map_tile(self, name: str, z: int, x: int, y: int, root_url: str) -> Response:
        project, stored = self.thumbnails.get(name)
        body = json.dumps({**render_request(stored), "grid": tile_grid(z, x, y)}).encode()
        return self.compute_pixels({"project": project}, {}, body, root_url, picture_defaults=True)

    def thumbnail_pixels(self, name: str, root_url: str) -> Response:
        project, stored = self.thumbnails.get(name)

        def render(request: dict) -> Response:
            return self.compute_pixels({"project": project}, {}, json.dumps(request).encode(), root_url,
                                       picture_defaults=True)

        if str(stored.get("fileFormat", "")).upper() in ZIPPED_FORMATS:  # getDownloadURL's default formats
            data = zipped_geotiffs(stored, lambda r: render(r).body,
                                   lambda r: r.get("bandIds") or self._evaluate(r, project).band_names)
            return Response(200, data, "application/zip")
        return render(render_request(stored))


    # -- assets.getPixels: an asset's pixels without an expression ------------------------------------------------
    def get_pixels(self, m, params, body, root_url) -> Response:
        """POST …/assets/<id>:getPixels (ee.data.getPixels): the asset as computePixels of Image.load(<id>), on the
        asset's native grid by default; `region` (GeoJSON) limits that grid to the native pixels covering it."""
        request = _parse_body(body)
        asset = asset_id_from_name(m["name"])
        expression = {"result": "0", "values": {"0": {"functionInvocationValue": {
            "functionName": "Image.load", "arguments": {"id": {"constantValue": asset}}}}}}
        forwarded = {k: request[k] for k in ("fileFormat", "grid", "bandIds", "visualizationOptions", "workloadTag")
                     if request.get(k) is not None}
        if request.get("region") is not None and forwarded.get("grid") is None:
            with self._evaluation({"expression": expression}, m["project"]) as image:
                forwarded["grid"] = _region_grid(image, request["region"])
        return self.compute_pixels(m, params, json.dumps({**forwarded, "expression": expression}).encode(),
                                   root_url)

    # -- table downloads: tables.create, then GET …/tables/<id>:getFeatures ---------------------------------------
    def create_table(self, m, params, body, root_url) -> Response:
        """Store a table download (FeatureCollection.getDownloadURL) after checking its expression is a table."""
        request = self._compute_request(body)
        fmt = str(request.get("fileFormat") or "CSV").upper()
        if fmt not in TABLE_FORMATS:
            raise InvalidArgument(f"tables.create: unsupported fileFormat {fmt!r}; the local backend writes "
                                  f"{', '.join(TABLE_FORMATS)}.")
        result = self._evaluate(request, m["project"])
        if not isinstance(result, Collection):
            raise InvalidArgument(f"tables.create: the expression must evaluate to a FeatureCollection, got "
                                  f"{type(result).__name__}.")
        request = {**request, "expression": pruned(request["expression"])}  # only what the table depends on
        return Response.json({"name": self.thumbnails.create(m["project"], request, "tables")})

    def table_features(self, name: str) -> Response:
        project, stored = self.thumbnails.get(name)
        features = features_json(self._features(stored, project))
        data, content_type, extension = encode_table(features, stored.get("fileFormat"), stored.get("selectors"))
        filename = f"{stored.get('filename') or 'table'}.{extension}"
        return Response(200, data, content_type, {"Content-Disposition": f'attachment; filename="{filename}"'})


# -- helpers ----------------------------------------------------------------------------------------------------
def _region_grid(image: Image, region: dict) -> dict:
    """The computePixels grid of the image's native pixels that cover `region` (a GeoJSON geometry)."""
    native = image.native_grid()
    if native is None:
        raise InvalidArgument("assets.getPixels: the asset has no native grid; give 'grid'.")
    try:
        shape = Geometry.from_geojson(region).to(native.crs)
    except Exception as e:  # shapely/pyproj raise several types for bad GeoJSON
        raise InvalidArgument(f"assets.getPixels: invalid 'region': {e}.") from e
    inv = ~native.transform
    corners = [inv @ (x, y) for x in shape.bounds[0::2] for y in shape.bounds[1::2]]
    c0, r0 = (max(0, math.floor(min(v))) for v in zip(*corners, strict=True))
    c1 = min(native.width, math.ceil(max(c for c, _ in corners)))
    r1 = min(native.height, math.ceil(max(r for _, r in corners)))
    if c1 <= c0 or r1 <= r0:
        raise InvalidArgument("assets.getPixels: the region does not overlap the asset.")
    t = native.transform @ Affine.translation(c0, r0)
    return {"crsCode": native.crs, "dimensions": {"width": c1 - c0, "height": r1 - r0},
            "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c, "shearY": t.d, "scaleY": t.e,
                                "translateY": t.f}}


def _parse_body(body: bytes) -> dict:
    if len(body) > limits.MAX_REQUEST_BODY_BYTES:
        raise RequestTooLarge(f"Request payload size ({len(body)} bytes) exceeds the limit "
                              f"({limits.MAX_REQUEST_BODY_BYTES} bytes).")
    try:
        request = json.loads(body or b"{}")
    except RecursionError as e:
        raise InvalidArgument("Expression is too deeply nested to parse; build the graph with the earthengine-api "
                              "client, which shares repeated values instead of nesting them.") from e
    except ValueError as e:
        raise InvalidArgument(f"Invalid JSON payload received: {e}.") from e
    if not isinstance(request, dict):
        raise InvalidArgument("Invalid JSON payload received: expected an object.")
    _check_depth(request.get("expression"), limits.MAX_GRAPH_DEPTH * 4)
    return request


def _check_depth(obj: Any, budget: int) -> None:
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > budget:
            raise InvalidArgument(f"Expression is too deeply nested (more than {budget} levels).")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _expression_key(request: dict) -> str:
    canonical = json.dumps(request.get("expression"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _encode_token(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{key}".encode()).decode().rstrip("=")


def _decode_token(token: str, key: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset, token_key = raw.split(":", 1)
        if token_key != key or int(offset) < 0:
            raise ValueError
        return int(offset)
    except ValueError as e:
        raise InvalidArgument(f"Invalid page token '{token}': it does not belong to this request.") from e


def _page_size(value: Any, default: int) -> int:
    """A request's pageSize: a positive integer; 0 or absent means the default (as in Google's APIs)."""
    if value is None or value in ("", 0, "0"):
        return default
    try:
        size = int(value) if not isinstance(value, bool | float) or float(value).is_integer() else None
    except (TypeError, ValueError):
        size = None
    if size is None or size < 0:
        raise InvalidArgument(f"Invalid value for pageSize: {value!r}; it must be a positive integer (0 or no "
                              "pageSize means the default).")
    return size


def _band_ids(value: Any) -> list[str]:
    """computePixels' bandIds: a list of distinct band names."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(b, str) and b for b in value):
        raise InvalidArgument(f"Invalid value at 'band_ids': expected a list of band names such as [\"B4\", "
                              f"\"B3\"], got {json.dumps(value)[:80]}.")
    duplicates = sorted({b for b in value if value.count(b) > 1})
    if duplicates:
        raise InvalidArgument(f"Invalid value at 'band_ids': band(s) {', '.join(duplicates)} requested more than "
                              "once; each band may be requested once.")
    return value


def _grid_number(spec: dict, section: str, name: str, integer: bool = False) -> float | int | None:
    """A number of the request's grid, checked: finite, and integral where the API wants an integer."""
    value = spec.get(name)
    if value is None:
        return None
    where = f"grid.{section}.{name}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidArgument(f"Invalid value at '{where}': expected a number, got {json.dumps(value)[:40]}.")
    try:
        number = float(value)
    except ValueError:
        raise InvalidArgument(f"Invalid value at '{where}': expected a number, got {value!r}.") from None
    if not math.isfinite(number):
        raise InvalidArgument(f"Invalid value at '{where}': {value} is not a finite number.")
    if integer:
        if not number.is_integer():
            raise InvalidArgument(f"Invalid value at '{where}' (TYPE_INT32), {value}: the size must be a whole "
                                  "number of pixels.")
        return int(number)
    return number


def _request_grid(spec: dict | None, image: Image) -> Grid:
    if not image.bands and spec is None:
        raise InvalidArgument("image:computePixels: the image has no bands (a composite of an empty collection?), "
                              "so it has no grid of its own; there is nothing to draw.")
    native = image.native_grid()
    if spec is None:
        if native is None:
            raise InvalidArgument("image:computePixels: the image has no native grid (it is unbounded, e.g. a "
                                  "composite or a constant); specify 'grid' with dimensions, affineTransform and crs.")
        return native
    if not isinstance(spec, dict):
        raise InvalidArgument(f"Invalid value at 'grid': expected a PixelGrid object with dimensions, "
                              f"affineTransform and crsCode, got a {type(spec).__name__}.")
    for name in ("crsCode", "crsWkt"):
        if name in spec and (not isinstance(spec[name], str) or not spec[name].strip()):
            raise InvalidArgument(f"Invalid value at 'grid.{name}': {json.dumps(spec[name])[:40]} is not a CRS; "
                                  "give one such as 'EPSG:4326', or leave it out to use the image's CRS.")
    dims = spec.get("dimensions") or {}
    if isinstance(dims, int) and not isinstance(dims, bool):
        dims = {"width": dims, "height": dims}
    if not isinstance(dims, dict):
        raise InvalidArgument(f"Invalid value at 'grid.dimensions': expected an object with width and height, got "
                              f"{json.dumps(dims)[:40]}.")
    width = _grid_number(dims, "dimensions", "width", integer=True)
    height = _grid_number(dims, "dimensions", "height", integer=True)
    t = spec.get("affineTransform")
    if t is not None:
        if not isinstance(t, dict):
            raise InvalidArgument(f"Invalid value at 'grid.affineTransform': expected an object with scaleX, shearX, "
                                  f"translateX, shearY, scaleY and translateY, got {json.dumps(t)[:40]}.")
        t = {k: _grid_number(t, "affineTransform", k) or 0 for k in AFFINE_KEYS}
    crs = spec.get("crsCode") or spec.get("crsWkt") or (native.crs if native else image.projection().crs)
    if t is None:
        if native is None:
            raise InvalidArgument("image:computePixels: 'grid.affineTransform' is required for an unbounded image.")
        at = native.transform
        t = {"scaleX": at.a, "shearX": at.b, "translateX": at.c, "shearY": at.d, "scaleY": at.e, "translateY": at.f}
    if width is None or height is None:
        if native is None:
            raise InvalidArgument("image:computePixels: 'grid.dimensions' is required for an unbounded image.")
        width, height = width or native.width, height or native.height
    try:
        transform = Affine(float(t.get("scaleX", 0)), float(t.get("shearX", 0)), float(t.get("translateX", 0)),
                           float(t.get("shearY", 0)), float(t.get("scaleY", 0)), float(t.get("translateY", 0)))
        w, h = int(width), int(height)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"image:computePixels: invalid grid: {e}.") from e
    if w <= 0 or h <= 0 or transform.determinant == 0:
        raise InvalidArgument("image:computePixels: grid dimensions must be positive and the transform invertible.")
    try:
        parse_crs(crs)
    except Exception as e:
        raise InvalidArgument(f"image:computePixels: unknown CRS '{crs}'.") from e
    return Grid(crs, transform, w, h)


AFFINE_KEYS = ("scaleX", "shearX", "translateX", "shearY", "scaleY", "translateY")


def _check_pixel_limits(grid: Grid, image: Image) -> None:
    if grid.width > limits.COMPUTE_PIXELS_MAX_SIDE or grid.height > limits.COMPUTE_PIXELS_MAX_SIDE:
        raise RequestTooLarge(f"Request dimensions ({grid.width}x{grid.height}) exceed the maximum of "
                              f"{limits.COMPUTE_PIXELS_MAX_SIDE} pixels per side; request smaller tiles.")
    if len(image.bands) > limits.COMPUTE_PIXELS_MAX_BANDS:
        raise RequestTooLarge(f"Too many bands ({len(image.bands)}); at most {limits.COMPUTE_PIXELS_MAX_BANDS} "
                              "may be requested.")
    size = limits.compute_pixels_bytes(grid.width, grid.height, [b.dtype for b in image.bands])
    if size > limits.COMPUTE_PIXELS_MAX_BYTES:
        raise RequestTooLarge(f"Total request size ({size} bytes) must be less than or equal to "
                              f"{limits.COMPUTE_PIXELS_MAX_BYTES} bytes.")
