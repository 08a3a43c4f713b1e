"""Catalog files may not reach outside the catalog's folder, not even through GDAL or OGR.

An entry's own path is resolved and checked by the catalog; but a file inside the folder can name others: a GDAL
VRT its sources (and an OGR VRT its source data), any of which can be a path outside, a /vsi* path (an archive, a
URL) or a driver's connection string (`NETCDF:"f.nc":var`, `PG:…`); other formats make GDAL fetch URLs when opened
(WMS, STAC). So, when the catalog is loaded:

- a raster's format is told from its first bytes, and GDAL is let open it with that driver only (also when pixels
  are read): plain local formats only (RASTER_FORMATS); a VRT's sources are checked (inside the folder, plain
  files, recursively), Python pixel functions refused; every file GDAL says the dataset uses must be inside the
  folder; containers of subdatasets are refused;
- tables must have the extension of a plain local format (TABLE_EXTENSIONS); XML is accepted only as an OGR VRT,
  whose sources are checked the same way (and SrcSQL refused), before OGR ever opens it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import rasterio
from rasterio.errors import RasterioIOError

# Local file formats whose drivers read only the file itself and its sidecars (.aux.xml, .ovr, .msk), by the bytes
# their files start with.
RASTER_FORMATS = {
    "GTiff": (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "JPEG": (b"\xff\xd8\xff",),
    "JP2OpenJPEG": (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xffO\xffQ"),
    "GPKG": (b"SQLite format 3\x00",),
    "netCDF": (b"CDF\x01", b"CDF\x02", b"\x89HDF\r\n\x1a\n"),
    "HFA": (b"EHFA_HEADER_TAG",),
    "VRT": (b"<VRTDataset",),
}
TABLE_EXTENSIONS = (".shp", ".gpkg", ".geojson", ".json", ".geojsonl", ".geojsons", ".fgb", ".parquet",
                    ".geoparquet", ".arrow", ".feather", ".csv", ".vrt")
MAX_NESTING = 8  # VRTs of VRTs
_CONNECTION_STRING = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:")


class ContainmentError(ValueError):
    """A catalog file reaches, or could reach, outside the catalog's folder."""


def raster_driver(path: str | Path) -> str:
    """The GDAL driver of a raster in one of RASTER_FORMATS, told from its first bytes (GDAL is not asked: some of
    its drivers fetch URLs as they open a file)."""
    with open(path, "rb") as f:
        head = f.read(64)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for driver, magics in RASTER_FORMATS.items():
        if (stripped if driver == "VRT" else head).startswith(magics):
            return driver
    raise ContainmentError(f"{Path(path).name} is not a raster in a supported local format (GeoTIFF, PNG, JPEG, "
                           "JPEG 2000, GeoPackage, netCDF, Erdas Imagine or a GDAL VRT); convert it with "
                           "gdal_translate to a GeoTIFF.")


def check_raster(path: Path, root: Path, depth: int = 0) -> None:
    """Refuse a raster that is not a plain local file inside `root` or whose dataset uses files outside it."""
    if depth > MAX_NESTING:
        raise ContainmentError(f"{path.name}: VRTs nested more than {MAX_NESTING} deep.")
    driver = raster_driver(path)
    if driver == "VRT":  # its sources first, before GDAL opens them
        _check_vrt(path, root, "raster", depth)
    try:
        with rasterio.open(path, driver=driver) as ds:
            files, subdatasets, count = ds.files, ds.subdatasets, ds.count
    except RasterioIOError as e:
        raise ContainmentError(f"{path.name}: GDAL cannot read it as {driver}: {e}") from e
    if count == 0 and subdatasets:
        raise ContainmentError(f"{path.name} holds subdatasets ({len(subdatasets)}), not bands; extract the one you "
                               "need into a GeoTIFF (gdal_translate) and catalog that.")
    for name in files:
        _check_inside(name, path, root, "uses")


def check_table(path: Path, root: Path, depth: int = 0) -> None:
    """Refuse a table that is not a plain local vector file inside `root` (an OGR VRT's sources included)."""
    if depth > MAX_NESTING:
        raise ContainmentError(f"{path.name}: VRTs nested more than {MAX_NESTING} deep.")
    if path.suffix.lower() not in TABLE_EXTENSIONS:
        raise ContainmentError(f"{path.name}: tables must be in a plain local format ({', '.join(TABLE_EXTENSIONS)});"
                               " convert it, e.g. `ogr2ogr out.gpkg in.kml`.")
    if path.suffix.lower() == ".vrt":
        _check_vrt(path, root, "table", depth)
    elif _starts_with_xml(path):
        raise ContainmentError(f"{path.name}: XML content in a {path.suffix} file; only an OGR VRT (.vrt) may be "
                               "XML.")


def _check_vrt(path: Path, root: Path, kind: str, depth: int) -> None:
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError) as e:
        raise ContainmentError(f"{path.name}: not a readable VRT ({e}).") from e
    expected = "VRTDataset" if kind == "raster" else "OGRVRTDataSource"
    if tree.getroot().tag != expected:
        raise ContainmentError(f"{path.name}: a {kind} VRT must be a <{expected}>, found <{tree.getroot().tag}>.")
    for element in tree.iter():
        if element.tag in ("PixelFunctionCode", "SrcSQL") or (
                element.tag == "PixelFunctionLanguage" and (element.text or "").strip().lower() == "python"):
            raise ContainmentError(f"{path.name}: <{element.tag}> is not allowed in a catalog VRT (it runs code or "
                                   "queries that could reach other data).")
        if element.tag in ("SourceFilename", "SourceDataset", "SrcDataSource") or "relativeToVRT" in element.attrib:
            source = _source_path(element, path, root)
            if kind == "raster":
                check_raster(source, root, depth + 1)
            else:
                check_table(source, root, depth + 1)


def _source_path(element: ET.Element, vrt: Path, root: Path) -> Path:
    text = (element.text or "").strip()
    if not text or text.startswith(("/vsi", "<")) or _CONNECTION_STRING.match(text):
        raise ContainmentError(f"{vrt.name}: source {text[:80]!r} is not a plain file path; a catalog VRT may read "
                               "only files in the catalog's folder (no /vsi paths, subdatasets or connection "
                               "strings).")
    if element.attrib.get("relativeToVRT", "0") == "1":
        source = vrt.parent / text
    elif Path(text).is_absolute():
        source = Path(text)
    else:
        raise ContainmentError(f"{vrt.name}: source {text!r} is relative but not marked relativeToVRT=\"1\", so GDAL "
                               "would look for it in the server's working directory; mark it relative to the VRT.")
    source = _check_inside(str(source), vrt, root, "reads")
    if not source.is_file():
        raise ContainmentError(f"{vrt.name}: source {text!r} does not exist.")
    return source


def _check_inside(name: str, owner: Path, root: Path, verb: str) -> Path:
    if name.startswith("/vsi"):
        raise ContainmentError(f"{owner.name} {verb} {name!r}, a GDAL virtual path; catalog files may use only "
                               "files in the catalog's folder.")
    resolved = Path(name).resolve()
    if not resolved.is_relative_to(root):
        raise ContainmentError(f"{owner.name} {verb} {name!r}, outside the catalog folder {root}; keep data next "
                               "to the catalog.")
    return resolved


def _starts_with_xml(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(256).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")
