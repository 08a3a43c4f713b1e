"""ImageCollection algorithms: loading, building from images, merge, combine, toBands and getRegion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ee_assets.local.algorithms.collections.core import merge as collection_merge
from ee_assets.local.algorithms.image.core import add_bands
from ee_assets.local.algorithms.image.sampling import region_samples
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_geometry, as_projection
from ee_assets.local.algorithms.support.projection import projection_from
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection
from ee_assets.local.values.geometry import transformer
from ee_assets.local.values.image import Image
from ee_assets.local.values.projection import DEFAULT_PROJECTION

if TYPE_CHECKING:  # the evaluator passes its context; algorithms only read it
    from ee_assets.local.evaluator.context import EvalContext

IMG = "Image<unknown bands>"
IC = "ImageCollection"


@algorithm("ImageCollection.load", returns="ImageCollection", needs_context=True, id="String")
def load_image_collection(ctx: EvalContext, id: str, version: int | None = None) -> Collection:
    return ctx.catalog.load_collection(id)


@algorithm("ImageCollection.fromImages", returns="ImageCollection", images="List<Image<unknown bands>>")
def from_images(images: list) -> Collection:
    out = []
    for i, img in enumerate(images):
        if not isinstance(img, Image):
            raise InvalidArgument(f"ImageCollection.fromImages: element {i} is not an Image.")
        out.append(img if "system:index" in img.properties else img.with_bands(img.bands, **{"system:index": str(i)}))
    return Collection(out, {}, "ImageCollection")


@algorithm("ImageCollection.merge", returns=IC, collection1=IC, collection2=IC)
def merge(collection1: Collection, collection2: Collection) -> Collection:
    """All images of both collections; ids are prefixed '1_' and '2_' as Collection.merge does."""
    out = collection_merge(collection1, collection2)
    return Collection(out.elements, out.properties, "ImageCollection")


@algorithm("ImageCollection.combine", returns=IC, primary=IC, secondary=IC, overwrite="Boolean")
def combine(primary: Collection, secondary: Collection, overwrite: bool = False) -> Collection:
    """Images of `primary` joined by system:index with those of `secondary`, bands of both (an inner join)."""
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
    if crs is None and crsTransform is None and scale is None:
        raise InvalidArgument(f"{op}: give 'scale' (or 'crs' and 'crsTransform'); the default projection has "
                              "1-degree pixels.")
    base = as_projection(crs, "crs") if crs is not None else DEFAULT_PROJECTION
    proj = projection_from(op, base, crsTransform, scale if crsTransform is None else None)
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


@algorithm("ImageCollection.toBands", returns=IMG, collection="ImageCollection")
def to_bands(collection) -> Image:
    """Every band of every image, named '<image id>_<band>' (the id is system:index), in collection order."""
    coll = as_collection(collection)
    bands = []
    for i, img in enumerate(coll.elements):
        if not isinstance(img, Image):
            raise InvalidArgument("ImageCollection.toBands: the collection must contain images.")
        prefix = str(img.properties.get("system:index", i))
        bands.extend(b.derive(b.recipe, name=f"{prefix}_{b.name}") for b in img.bands)
    return Image(bands, {})
