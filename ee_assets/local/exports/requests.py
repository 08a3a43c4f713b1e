"""The bodies of image:export and table:export, parsed and checked: where the files go and how they are written.

Numbers may come wrapped as the official client sends them (`{"value": "N"}` for maxPixels, `{"value": N}` for
priority and tileSize) or plain, as EE's docs show them. Destinations are Cloud Storage (a bucket under the
bucket root) or an EE asset; Drive is refused with a message saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.exports.geotiff_writer import GeoTiffOptions
from ee_assets.local.exports.table_writer import table_format

DEFAULT_MAX_PIXELS = 100_000_000  # EE's default maxPixels (1e8)
DEFAULT_FILE_SIDE = 32768  # pixels per side of one file when fileDimensions is not given (a multiple of 256)
DEFAULT_PRIORITY = 100


@dataclass(frozen=True)
class Destination:
    """gs://bucket/prefix (files) or an EE asset id."""

    bucket: str | None = None
    prefix: str | None = None
    asset_id: str | None = None
    overwrite: bool = False


@dataclass(frozen=True)
class ExportRequest:
    """One export: its expression, what it is, where it goes and how it is written."""

    kind: str  # EXPORT_IMAGE or EXPORT_FEATURES
    expression: dict
    description: str
    priority: int
    request_id: str | None
    destination: Destination
    max_pixels: int = DEFAULT_MAX_PIXELS
    geotiff: GeoTiffOptions | None = None
    table_format: str | None = None
    selectors: tuple[str, ...] | None = None


def number(value: Any, what: str) -> float:
    """A number sent plain, as a string, or wrapped as {"value": ...}."""
    if isinstance(value, dict):
        value = value.get("value", value.get("floatValue", value.get("intValue")))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"Invalid {what}: {value!r} is not a number.") from None


def _destination(body: dict, method: str) -> Destination:
    files = body.get("fileExportOptions")
    assets = body.get("assetExportOptions")
    if files and assets:
        raise InvalidArgument(f"{method}: give fileExportOptions or assetExportOptions, not both.")
    if assets:
        target = (assets.get("earthEngineDestination") or {})
        name = target.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"{method}: assetExportOptions.earthEngineDestination.name is required.")
        return Destination(asset_id=name, overwrite=bool(target.get("overwrite", False)))
    if not isinstance(files, dict):
        raise InvalidArgument(f"{method}: one of fileExportOptions or assetExportOptions is required.")
    if files.get("driveDestination"):
        raise InvalidArgument(f"{method}: the local backend exports to Cloud Storage (a folder per bucket under "
                              "its bucket root) and to assets, not to Drive; use Export.*.toCloudStorage.")
    gcs = files.get("cloudStorageDestination") or files.get("gcsDestination") or {}
    bucket, prefix = gcs.get("bucket"), gcs.get("filenamePrefix") or body.get("description")
    if not bucket:
        raise InvalidArgument(f"{method}: fileExportOptions.cloudStorageDestination.bucket is required.")
    if not prefix:
        raise InvalidArgument(f"{method}: cloudStorageDestination.filenamePrefix (or a description) is required.")
    return Destination(bucket=str(bucket), prefix=str(prefix).lstrip("/"))


def _common(body: dict, kind: str, method: str) -> dict[str, Any]:
    expression = body.get("expression")
    if not isinstance(expression, dict):
        raise InvalidArgument(f"{method}: 'expression' is required.")
    request_id = body.get("requestId")
    if request_id is not None and (not isinstance(request_id, str) or len(request_id) > 60
                                   or not all(c.isalnum() or c == "-" for c in request_id)):
        raise InvalidArgument(f"Invalid requestId {request_id!r}: at most 60 characters of [A-Za-z0-9-].")
    priority = int(number(body["priority"], "priority")) if body.get("priority") is not None else DEFAULT_PRIORITY
    if not 0 <= priority <= 9999:
        raise InvalidArgument(f"Invalid priority {priority}: it must be between 0 and 9999.")
    return {"kind": kind, "expression": expression, "description": str(body.get("description") or "myExportTask"),
            "priority": priority, "request_id": request_id or None, "destination": _destination(body, method)}


def image_export_request(body: dict) -> ExportRequest:
    method = "image:export"
    common = _common(body, "EXPORT_IMAGE", method)
    files = body.get("fileExportOptions") or {}
    if files and str(files.get("fileFormat") or "GEO_TIFF").upper() != "GEO_TIFF":
        raise InvalidArgument(f"{method}: the local backend exports images as GEO_TIFF, not "
                              f"{files.get('fileFormat')!r}.")
    tiff = files.get("geoTiffOptions") or {}
    shard = int(number(tiff["tileSize"], "tileSize")) if tiff.get("tileSize") is not None else 256
    if shard <= 0 or shard % 16:
        raise InvalidArgument(f"Invalid shardSize {shard}: it must be a positive multiple of 16.")
    dims = tiff.get("tileDimensions") or {}
    width = int(number(dims.get("width"), "fileDimensions")) if dims.get("width") else DEFAULT_FILE_SIDE
    height = int(number(dims.get("height"), "fileDimensions")) if dims.get("height") else width
    if width <= 0 or height <= 0 or width % shard or height % shard:
        raise InvalidArgument(f"Invalid fileDimensions [{width}, {height}]: each must be a positive multiple of "
                              f"shardSize ({shard}).")
    no_data = tiff.get("noData")
    options = GeoTiffOptions(width, height, shard, bool(tiff.get("cloudOptimized", False)),
                             number(no_data, "noData") if no_data is not None else None,
                             bool(tiff.get("skipEmptyFiles", False)))
    max_pixels = int(number(body["maxPixels"], "maxPixels")) if body.get("maxPixels") is not None \
        else DEFAULT_MAX_PIXELS
    return ExportRequest(**common, max_pixels=max_pixels, geotiff=options)


def table_export_request(body: dict) -> ExportRequest:
    common = _common(body, "EXPORT_FEATURES", "table:export")
    files = body.get("fileExportOptions") or {}
    selectors = body.get("selectors")
    if selectors is not None and not (isinstance(selectors, list) and all(isinstance(s, str) for s in selectors)):
        raise InvalidArgument("table:export: selectors must be a list of property names.")
    return ExportRequest(**common, table_format=table_format(files.get("fileFormat")) if files else "GEO_JSON",
                         selectors=tuple(selectors) if selectors else None)
