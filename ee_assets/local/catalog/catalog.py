"""The data catalog: one YAML file mapping EE asset IDs to local rasters and vector files.

Requests can only name catalog IDs, never files, and no path may leave the
catalog's folder. Images are loaded lazily: only their headers are read here;
pixels are read later for the grid a request asks for.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import shapely
import yaml

from ee_assets.local.catalog import provenance
from ee_assets.local.catalog.containment import ContainmentError, check_raster, check_table, raster_driver
from ee_assets.local.catalog.folders import asset_name, folder_children
from ee_assets.local.catalog.list_filter import parse_list_filter_terms
from ee_assets.local.catalog.public import assets as public
from ee_assets.local.catalog.rasters import SourceRecipe
from ee_assets.local.errors import InvalidArgument, NotFound
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image
from ee_assets.local.values.projection import Projection

ASSET_TYPES = ("IMAGE", "IMAGE_COLLECTION", "TABLE")
_NAME_PREFIX = re.compile(r"^projects/[^/]+/assets/")


class CatalogError(ValueError):
    """The catalog file itself is wrong; the message names the entry and what to fix."""


def asset_id_from_name(name: str) -> str:
    """`projects/earthengine-public/assets/X/Y` → `X/Y`; plain ids are returned as they are."""
    return _NAME_PREFIX.sub("", name.strip("/"))


@dataclass(frozen=True)
class ImageEntry:
    path: Path
    id: str
    time_start: float | None
    time_end: float | None
    properties: dict


@dataclass
class Asset:
    id: str
    type: str
    properties: dict = field(default_factory=dict)
    bands: list[str] | None = None
    path: Path | None = None  # IMAGE and TABLE
    images: list[ImageEntry] = field(default_factory=list)  # IMAGE_COLLECTION


@dataclass
class Catalog:
    root: Path
    assets: dict[str, Asset]
    source: Path | None = None
    # Ids the catalog lacks resolve to the public EE datasets, generated (catalog/public/); `public_datasets: false`
    # in the YAML switches that off. The catalog's own entries always win.
    public: bool = True

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Catalog:
        path = Path(path).resolve()
        if not path.is_file():
            raise CatalogError(f"Catalog file {path} does not exist; build the sample one with "
                               "`python -m ee_assets.local sample-data` or point EE_LOCAL_CATALOG at yours.")
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as e:
            raise CatalogError(f"Catalog {path} is not valid YAML: {e}") from e
        return cls.from_dict(doc, root=path.parent, source=path)

    @classmethod
    def from_dict(cls, doc: dict, root: Path, source: Path | None = None) -> Catalog:
        if not isinstance(doc, dict) or not isinstance(doc.get("assets"), dict):
            raise CatalogError(f"Catalog {source or root}: expected a top-level 'assets:' mapping of asset IDs.")
        root = Path(root).resolve()
        assets = {}
        for asset_id, spec in doc["assets"].items():
            assets[str(asset_id)] = _parse_asset(str(asset_id), spec, root)
        public_datasets = doc.get("public_datasets", True)
        if not isinstance(public_datasets, bool):
            raise CatalogError(f"Catalog {source or root}: 'public_datasets' must be true or false (serve the public "
                               f"Earth Engine datasets, synthetic, for ids not in 'assets'), got {public_datasets!r}.")
        return cls(root, assets, source, public_datasets)

    # -- lookups -------------------------------------------------------------------------------------------
    def get(self, asset_id: str, kind: str | None = None, caller: str = "") -> Asset:
        aid = asset_id_from_name(str(asset_id))
        asset = self.assets.get(aid)
        label = {"IMAGE": "Image", "IMAGE_COLLECTION": "ImageCollection", "TABLE": "Table"}.get(kind or "", "")
        prefix = f"{caller}: " if caller else ""
        if asset is None or (kind and asset.type != kind):
            what = f"{label} asset" if label else "Asset"
            raise NotFound(f"{prefix}{what} '{aid}' not found (does not exist or caller does not have access).")
        return asset

    def load_image(self, asset_id: str) -> Image:
        aid = asset_id_from_name(asset_id)
        asset = self.assets.get(aid)
        if asset is not None and asset.type == "IMAGE_COLLECTION":
            raise NotFound(f"Image.load: Image asset '{aid}' not found (it is an ImageCollection).")
        if asset is None:
            # An image inside a collection: COLLECTION/IMAGE_ID.
            parent, _, stem = aid.rpartition("/")
            coll = self.assets.get(parent)
            entry = next((e for e in coll.images if e.id == stem), None) if coll else None
            if entry is None:
                found = public.load_image(aid) if coll is None and self.public else None
                if found is None:
                    raise NotFound(f"Image.load: Image asset '{aid}' not found "
                                   "(does not exist or caller does not have access).")
                return found
            _note_synthetic(coll)
            return _image_from_entry(coll, entry)
        _note_synthetic(asset)
        entry = ImageEntry(asset.path, aid.rsplit("/", 1)[-1], None, None, {})
        img = _image_from_entry(asset, entry)
        img.properties["system:id"] = aid
        return img

    def load_collection(self, asset_id: str) -> Collection:
        aid = asset_id_from_name(str(asset_id))
        if aid not in self.assets and self.public and (found := public.load_collection(aid)) is not None:
            return found
        asset = self.get(asset_id, "IMAGE_COLLECTION", "ImageCollection.load")
        _note_synthetic(asset)
        images = [_image_from_entry(asset, e) for e in asset.images]
        return Collection(images, {"system:id": asset.id, **asset.properties}, "ImageCollection")

    def load_table(self, asset_id: str) -> Collection:
        aid = asset_id_from_name(str(asset_id))
        if aid not in self.assets and self.public and (found := public.load_table(aid)) is not None:
            return found
        asset = self.get(asset_id, "TABLE", "Collection.loadTable")
        _note_synthetic(asset)
        feats = [f.copy() for f in _read_table(str(asset.path), asset.path.stat().st_mtime)]
        return Collection(feats, {"system:id": asset.id, **asset.properties}, "FeatureCollection")

    # -- REST asset metadata --------------------------------------------------------------------------------
    def asset_json(self, asset_id: str, project: str = "earthengine-public") -> dict:
        aid = asset_id_from_name(asset_id)
        if aid in self.assets:
            _note_synthetic(self.assets[aid])
            return _asset_json(self.assets[aid], None)
        parent, _, stem = aid.rpartition("/")
        coll = self.assets.get(parent)
        entry = next((e for e in coll.images if e.id == stem), None) if coll else None
        if entry is None:
            found = public.asset_json(aid) if coll is None and self.public else None
            if found is None:
                raise NotFound(f"Asset '{aid}' not found (does not exist or caller does not have access).")
            return found
        _note_synthetic(coll)
        return _asset_json(coll, entry)

    def list_assets(self, parent: str, filter_text: str | None = None) -> Sequence[dict]:
        """Children of `parent`: a collection's images (filtered; a public one's generated as far as the pages
        reach), or assets under a folder prefix."""
        pid = asset_id_from_name(parent)
        if re.fullmatch(r"projects/[^/]+", parent.strip("/")):
            pid = ""
        asset = self.assets.get(pid)
        if asset is not None and asset.type == "IMAGE_COLLECTION":
            accept = parse_list_filter(filter_text)
            return [_asset_json(asset, e) for e in asset.images if accept(e)]
        if asset is not None:
            raise InvalidArgument(f"Asset '{pid}' is not a folder or collection.")
        prefix = f"{pid}/" if pid else ""
        if pid and self.public and not any(a.startswith(prefix) for a in self.assets):
            images = public.list_images(pid, filter_text)
            if images is not None:
                return images
        children = folder_children(pid, self.assets, lambda aid: _asset_json(self.assets[aid], None))
        if self.public:
            for head, child in public.folder_children(pid).items():
                children.setdefault(head, child)
        if not children and pid:
            raise NotFound(f"Asset '{pid}' not found (does not exist or caller does not have access).")
        return [children[k] for k in sorted(children)]


# -- parsing ------------------------------------------------------------------------------------------------
def _parse_asset(asset_id: str, spec: Any, root: Path) -> Asset:
    where = f"catalog entry '{asset_id}'"
    if not isinstance(spec, dict):
        raise CatalogError(f"{where}: expected a mapping with at least 'type'.")
    typ = str(spec.get("type", "")).upper()
    if typ not in ASSET_TYPES:
        raise CatalogError(f"{where}: type must be one of {', '.join(ASSET_TYPES)}, got {spec.get('type')!r}.")
    props = dict(spec.get("properties") or {})
    bands = spec.get("bands")
    if bands is not None and not (isinstance(bands, list) and all(isinstance(b, str) for b in bands)):
        raise CatalogError(f"{where}: 'bands' must be a list of band names.")
    if typ in ("IMAGE", "TABLE"):
        if "path" not in spec:
            raise CatalogError(f"{where}: a {typ} needs 'path'.")
        return Asset(asset_id, typ, props, bands, path=_safe_path(root, spec["path"], where, typ))
    images: list[ImageEntry] = []
    if "images" in spec:
        for i, item in enumerate(spec["images"] or []):
            if not isinstance(item, dict) or "path" not in item:
                raise CatalogError(f"{where}: images[{i}] needs 'path'.")
            p = _safe_path(root, item["path"], f"{where} images[{i}]", "IMAGE")
            images.append(ImageEntry(p, str(item.get("id") or p.stem), _millis(item.get("time_start"), where),
                                     _millis(item.get("time_end"), where), dict(item.get("properties") or {})))
    elif "glob" in spec:
        pattern = spec.get("time_pattern")
        for p in sorted(root.glob(spec["glob"])):
            p = _safe_path(root, p.relative_to(root), where, "IMAGE")
            start = None
            if pattern:
                try:
                    start = dt.datetime.strptime(p.stem, pattern).replace(tzinfo=dt.UTC).timestamp() * 1000
                except ValueError as e:
                    raise CatalogError(f"{where}: file stem '{p.stem}' does not match time_pattern {pattern!r}.") from e
            images.append(ImageEntry(p, p.stem, start, None, {}))
    else:
        raise CatalogError(f"{where}: an IMAGE_COLLECTION needs 'images' or 'glob'.")
    images.sort(key=lambda e: e.id)
    return Asset(asset_id, typ, props, bands, images=images)


def _note_synthetic(asset: Asset) -> None:
    """Record, for the answer's `x-ee-assets-synthetic` header, that a request read an asset marked synthetic."""
    if asset.properties.get("synthetic") is True:
        provenance.note(asset.id)


def _safe_path(root: Path, rel: Any, where: str, kind: str) -> Path:
    """The resolved path of a catalog file, checked: inside the folder, existing, and (through GDAL/OGR) reading
    nothing outside it (catalog/containment.py)."""
    p = (root / str(rel)).resolve()
    if not p.is_relative_to(root):
        raise CatalogError(f"{where}: path {rel!r} leaves the catalog folder {root}; keep data next to the catalog.")
    if not p.exists():
        raise CatalogError(f"{where}: file {p} does not exist.")
    try:
        (check_table if kind == "TABLE" else check_raster)(p, root)
    except ContainmentError as e:
        raise CatalogError(f"{where}: {e}") from e
    return p


def _millis(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        d = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, dt.date):
        d = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    else:
        try:
            d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as e:
            raise CatalogError(f"{where}: cannot read the date {value!r}; use ISO 8601 like 2020-01-31.") from e
        d = d if d.tzinfo else d.replace(tzinfo=dt.UTC)
    return d.timestamp() * 1000.0


# -- images and tables --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RasterHeader:
    grid: Grid
    dtypes: tuple[str, ...]
    nodata: float | None
    descriptions: tuple[str | None, ...]
    size: int


@lru_cache(maxsize=4096)
def raster_header(path: str, mtime: float) -> RasterHeader:
    """The grid, band types, nodata and band descriptions of a raster (kept per path and modification time)."""
    with rasterio.open(path, driver=raster_driver(path)) as ds:
        if ds.crs is None:
            raise CatalogError(f"{path}: raster has no CRS; EE images need one (set it with gdal_edit.py -a_srs).")
        crs = ds.crs.to_string() if ds.crs.to_epsg() is None else f"EPSG:{ds.crs.to_epsg()}"
        return RasterHeader(Grid(crs, ds.transform, ds.width, ds.height), tuple(ds.dtypes), ds.nodata,
                            tuple(ds.descriptions), os.path.getsize(path))


def raster_bands(path: Path, header: RasterHeader, names: Sequence[str]) -> list[Band]:
    """The file's bands, named `names`, as lazy image bands in the file's projection, read only when their pixels
    are needed (nodata or the file's mask as the mask)."""
    t = header.grid.transform
    proj = Projection(header.grid.crs, (t.a, t.b, t.c, t.d, t.e, t.f))
    return [Band(n, np.dtype(header.dtypes[i]), proj, SourceRecipe(str(path), i + 1, header.grid, header.nodata),
                 header.grid) for i, n in enumerate(names)]


def _image_from_entry(asset: Asset, entry: ImageEntry) -> Image:
    h = raster_header(str(entry.path), entry.path.stat().st_mtime)
    names = asset.bands or [d if d else f"b{i + 1}" for i, d in enumerate(h.descriptions)]
    if len(names) != len(h.dtypes):
        raise InvalidArgument(f"Catalog entry '{asset.id}': {len(names)} band names for {len(h.dtypes)} bands in "
                              f"{entry.path.name}.")
    bands = raster_bands(entry.path, h, names)
    full_id = f"{asset.id}/{entry.id}" if asset.type == "IMAGE_COLLECTION" else asset.id
    props: dict[str, Any] = {**(asset.properties if asset.type == "IMAGE" else {}), **entry.properties}
    props.update({"system:index": entry.id, "system:id": full_id, "system:asset_size": h.size})
    if entry.time_start is not None:
        props["system:time_start"] = entry.time_start
    if entry.time_end is not None:
        props["system:time_end"] = entry.time_end
    return Image(bands, props)


@lru_cache(maxsize=32)
def _read_table(path: str, mtime: float) -> tuple[Feature, ...]:
    gdf = gpd.read_file(path)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    feats = []
    records = gdf[cols].to_dict("records")
    for i, (geom, rec) in enumerate(zip(gdf.geometry, records, strict=True)):
        props = {k: _plain(v) for k, v in rec.items()}
        props["system:index"] = f"{i:05d}"
        feats.append(Feature(Geometry(geom, "EPSG:4326") if geom is not None else None, props))
    return tuple(feats)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _iso(ms: float | None) -> str | None:
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def _asset_json(asset: Asset, entry: ImageEntry | None) -> dict:
    if asset.type == "TABLE":
        feats = _read_table(str(asset.path), asset.path.stat().st_mtime)
        return {"type": "TABLE", "name": asset_name(asset.id), "id": asset.id, "properties": asset.properties,
                "featureCount": str(len(feats)), "sizeBytes": str(asset.path.stat().st_size)}
    if asset.type == "IMAGE_COLLECTION" and entry is None:
        starts = [e.time_start for e in asset.images if e.time_start is not None]
        out = {"type": "IMAGE_COLLECTION", "name": asset_name(asset.id), "id": asset.id, "properties": asset.properties}
        if starts:
            out["startTime"], out["endTime"] = _iso(min(starts)), _iso(max(starts))
        return out
    img = _image_from_entry(asset, entry) if entry else _image_from_entry(
        asset, ImageEntry(asset.path, asset.id, None, None, {}))
    aid = f"{asset.id}/{entry.id}" if asset.type == "IMAGE_COLLECTION" else asset.id
    props = {k: v for k, v in img.properties.items() if not k.startswith("system:")}
    out = {"type": "IMAGE", "name": asset_name(aid), "id": aid, "properties": props,
           "sizeBytes": str(img.properties.get("system:asset_size", 0)), "bands": [_band_json(b) for b in img.bands]}
    if entry is not None and entry.time_start is not None:
        out["startTime"] = _iso(entry.time_start)
        out["endTime"] = _iso(entry.time_end if entry.time_end is not None else entry.time_start)
    fp = img.footprint()
    if fp is not None:
        out["geometry"] = fp.to_geojson()
    return out


def _band_json(band: Band) -> dict:
    kind = band.dtype.kind
    precision = "INT" if kind in "iub" else ("FLOAT" if band.dtype.itemsize <= 4 else "DOUBLE")
    dtype: dict[str, Any] = {"precision": precision}
    if kind in "iu":
        info = np.iinfo(band.dtype)
        dtype["range"] = {"min": int(info.min), "max": int(info.max)}
    g = band.extent
    t = g.transform
    return {"id": band.name, "dataType": dtype, "grid": {
        "crsCode": g.crs, "dimensions": {"width": g.width, "height": g.height},
        "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c,
                            "shearY": t.d, "scaleY": t.e, "translateY": t.f}}}


# -- listAssets filter (the subset ee.data.listImages sends; parsed in list_filter.py) ------------------------------
def parse_list_filter(text: str | None):
    """A predicate over ImageEntry for the AIP-160 subset that `ee.data.listImages` emits."""
    terms = parse_list_filter_terms(text)

    def accept(e: ImageEntry) -> bool:
        for c in terms.comparisons:
            value = (e.time_start if c.field == "startTime" else
                     (e.time_end if e.time_end is not None else e.time_start) if c.field == "endTime" else
                     e.properties.get(c.field))
            if not c.test(value):
                return False
        return all(_entry_intersects(e, r) for r in terms.regions)

    return accept


def _entry_intersects(entry: ImageEntry, region) -> bool:
    h = raster_header(str(entry.path), entry.path.stat().st_mtime)
    img = Image([Band("b", np.dtype("u1"), Projection(h.grid.crs), SourceRecipe("", 1, h.grid, None), h.grid)])
    return bool(shapely.intersects(img.footprint().geom, region))
