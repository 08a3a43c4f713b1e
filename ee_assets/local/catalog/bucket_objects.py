"""Cloud Storage objects an evaluation reads (Image.loadGeoTIFF), from the folder that stands in for Cloud Storage:
gs://BUCKET/PATH is <bucket_root>/BUCKET/PATH, where the backend's exports write it (ee_assets/storage/buckets.py).

A request names the object, so, as for catalog files (containment.py), nothing opened may lie outside the bucket
root: the URI must be gs://, the object name has no '.' or '..' segment, the file it resolves to (links followed)
is inside the root, and it is a plain GeoTIFF — told from its first bytes, opened with GDAL's GTiff driver only,
and using no file (sidecar mask, overviews, .aux.xml) outside the root. Every refusal is an InvalidArgument naming
the URI and what is wrong with it, never the server's own paths.
"""

from __future__ import annotations

from pathlib import Path

import rasterio
from rasterio.errors import RasterioIOError

from ee_assets.local.catalog.containment import ContainmentError, raster_driver
from ee_assets.local.errors import InvalidArgument
from ee_assets.storage.buckets import gs_to_local

WHERE = ("the local backend reads gs://BUCKET/PATH from BUCKET/PATH under its bucket root (`serve --bucket-root "
         "DIR` or EE_LOCAL_BUCKET_ROOT), where its exports write")


def geotiff_object(root: Path | None, uri: object, caller: str) -> Path:
    """The file of the GeoTIFF object `uri` under the bucket `root`, resolved and checked (see the module)."""
    if root is None:
        raise InvalidArgument(f"{caller}: this local backend has no bucket root, so it cannot read {uri!r}; start it "
                              "with `serve --bucket-root DIR` or set EE_LOCAL_BUCKET_ROOT.")
    if not isinstance(uri, str) or not uri.startswith("gs://"):
        raise InvalidArgument(f"{caller}: {uri!r} is not a Cloud Storage URI; give gs://BUCKET/PATH ({WHERE}).")
    try:
        path = gs_to_local(uri, root)
    except ValueError as e:
        raise InvalidArgument(f"{caller}: invalid Cloud Storage URI {uri!r}: {e}.") from None
    inside = Path(root).resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(inside):
        raise InvalidArgument(f"{caller}: {uri!r} links to a file outside the bucket root; only objects stored "
                              "under it can be read.")
    if not resolved.is_file():
        raise InvalidArgument(f'{caller}: Object not found: "{uri}" ({WHERE}).')
    _check_geotiff(resolved, inside, uri, caller)
    return resolved


def _check_geotiff(path: Path, inside: Path, uri: str, caller: str) -> None:
    """Refuse a file that is not a GeoTIFF with a CRS, or whose dataset uses files outside `inside`."""
    try:
        driver = raster_driver(path)
    except (ContainmentError, OSError):
        driver = None
    if driver != "GTiff":
        raise InvalidArgument(f"{caller}: {uri!r} is not a GeoTIFF (it does not start with a TIFF header); convert "
                              "it with gdal_translate -of GTiff.")
    try:
        with rasterio.open(path, driver="GTiff") as ds:
            files, count, crs = ds.files, ds.count, ds.crs
    except RasterioIOError as e:
        raise InvalidArgument(f"{caller}: GDAL cannot read {uri!r} as a GeoTIFF: "
                              f"{str(e).replace(str(path), uri)}") from None
    for name in files:
        if name.startswith("/vsi") or not Path(name).resolve().is_relative_to(inside):
            raise InvalidArgument(f"{caller}: {uri!r} uses a file outside the bucket root ({Path(name).name}); "
                                  "only objects stored under it can be read.")
    if count == 0:
        raise InvalidArgument(f"{caller}: {uri!r} has no bands.")
    if crs is None:
        raise InvalidArgument(f"{caller}: {uri!r} has no coordinate reference system; EE images need one (set it "
                              "with gdal_edit.py -a_srs).")
