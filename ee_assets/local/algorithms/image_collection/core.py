"""ImageCollection algorithms beyond loading and compositing: merge, combine and getRegion."""

from __future__ import annotations

from ee_assets.local.algorithms.coerce import as_collection, as_geometry, as_projection
from ee_assets.local.algorithms.collection import merge as collection_merge
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.sampling import region_samples
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection
from ee_assets.local.values.geometry import transformer
from ee_assets.local.values.image import Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IC = "ImageCollection"


@algorithm("ImageCollection.merge", returns=IC, collection1=IC, collection2=IC)
def merge(collection1: Collection, collection2: Collection) -> Collection:
    """All images of both collections; ids are prefixed '1_' and '2_' as Collection.merge does."""
    out = collection_merge(collection1, collection2)
    return Collection(out.elements, out.properties, "ImageCollection")


@algorithm("ImageCollection.combine", returns=IC, primary=IC, secondary=IC, overwrite="Boolean")
def combine(primary: Collection, secondary: Collection, overwrite: bool = False) -> Collection:
    """Images of `primary` joined by system:index with those of `secondary`, bands of both (an inner join)."""
    from ee_assets.local.algorithms.image import add_bands

    first, second = as_collection(primary, "primary"), as_collection(secondary, "secondary")
    by_id = {img.properties.get("system:index"): img for img in second.elements if isinstance(img, Image)}
    out = []
    for img in first.elements:
        match = by_id.get(img.properties.get("system:index"))
        if isinstance(img, Image) and match is not None:
            out.append(add_bands(img, match, None, overwrite))
    return first.derive(out, "ImageCollection")


@algorithm("ImageCollection.getRegion", returns="List<List<Object>>", collection=IC, geometry="Geometry",
           scale="Float", crs="Projection", crsTransform="List<Float>")
def get_region(collection: Collection, geometry, scale: float | None = None, crs=None,
               crsTransform: list | None = None) -> list[list]:
    """A table: header ['id', 'longitude', 'latitude', 'time', bands…], then one row per image and pixel whose
    centre is in the geometry (points: the pixel containing them), masked values as null."""
    op = "ImageCollection.getRegion"
    coll = as_collection(collection)
    geom = as_geometry(geometry)
    proj = as_projection(crs, "crs") if crs is not None else DEFAULT_PROJECTION
    if crsTransform is not None:
        proj = proj.with_transform(crsTransform)
    elif scale is not None:
        proj = proj.at_scale(float(scale))
    elif crs is None:
        raise InvalidArgument(f"{op}: give 'scale' (or 'crs' and 'crsTransform'); the default projection has "
                              "1-degree pixels.")
    images = [img for img in coll.elements if isinstance(img, Image)]
    names: list[str] = []
    for img in images:
        names.extend(n for n in img.band_names if n not in names)
    rows: list[list] = [["id", "longitude", "latitude", "time", *names]]
    for img in images:
        for x, y, values in region_samples(op, img, geom, proj):
            lon, lat = (x, y) if proj.crs == "EPSG:4326" else transformer(proj.crs, "EPSG:4326").transform(x, y)
            by_name = dict(zip(img.band_names, values, strict=True))
            rows.append([img.properties.get("system:index"), float(lon), float(lat),
                         img.properties.get("system:time_start"), *[by_name.get(n) for n in names]])
    return rows
