"""ImageCollection.toArray and ImageCollection.toArrayPerBand: a collection as one array image.

Array bands have one shape in every pixel here (image/arrays.py), so a pixel where some image is masked is masked
as a whole; EE instead leaves those images out of that pixel's array (toArray; toArrayPerBand with dropMasked), which
gives arrays whose length varies per pixel. Where every image is valid the arrays are EE's."""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.image.arrays import array_band
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import Band, Image, MapRecipe, is_array

IC = "ImageCollection"
IMG = "Image<unknown bands>"


def _images(op: str, collection) -> list[Image]:
    images = [img for img in as_collection(collection).elements if isinstance(img, Image)]
    if not images:
        raise InvalidArgument(f"{op}: the collection is empty.")
    return images


def _masked_as_a_whole(px: list) -> np.ndarray:
    return np.min(np.stack([p[1] for p in px]), axis=0)


@algorithm("ImageCollection.toArray", returns=IMG, collection=IC)
def to_array(collection) -> Image:
    """One band 'array' of 2-D arrays: images along axis 0 (collection order), their bands along axis 1."""
    op = "ImageCollection.toArray"
    images = _images(op, collection)
    n_bands = {len(img.bands) for img in images}
    if len(n_bands) != 1 or 0 in n_bands or any(is_array(b) for img in images for b in img.bands):
        raise InvalidArgument(f"{op}: every image needs the same number of scalar bands; got {sorted(n_bands)}.")
    k = n_bands.pop()
    recipes = tuple(b.recipe for img in images for b in img.bands)

    def stack(px):
        values = np.stack([p[0] for p in px], axis=-1)
        return values.reshape(values.shape[:2] + (len(images), k)), _masked_as_a_whole(px)

    first: Band = images[0].bands[0]
    dtype = np.result_type(*[b.dtype for img in images for b in img.bands])
    return Image([array_band(first, "array", MapRecipe(stack, recipes), (len(images), k), dtype)], {})


@algorithm("ImageCollection.toArrayPerBand", returns=IMG, collection=IC, axis="Integer", dropMasked="Boolean")
def to_array_per_band(collection, axis: int = 0, dropMasked: bool = False) -> Image:
    """Per band name, the images' values (or arrays) concatenated along `axis`: scalar bands give 1-D arrays over
    the images; a pixel is masked if any image is."""
    op = "ImageCollection.toArrayPerBand"
    if dropMasked:
        raise InvalidArgument(f"{op}: dropMasked gives arrays whose length varies per pixel, which the local "
                              "backend does not support; mask the pixels instead (dropMasked=false).")
    images = _images(op, collection)
    names = images[0].band_names
    if any(img.band_names != names for img in images):
        raise InvalidArgument(f"{op}: every image needs the same bands; got {[img.band_names for img in images]}.")
    ax = int(axis)
    out = []
    for j, name in enumerate(names):
        group = [img.bands[j] for img in images]
        inner = group[0].shape if is_array(group[0]) else ()
        if any((b.shape if is_array(b) else ()) != inner for b in group):
            raise InvalidArgument(f"{op}: band '{name}' has arrays of different shapes.")
        if not 0 <= ax <= len(inner) or (not inner and ax != 0):
            raise InvalidArgument(f"{op}: axis must be between 0 and {len(inner)}, got {ax}.")
        if inner and ax < len(inner):
            shape = inner[:ax] + (inner[ax] * len(group),) + inner[ax + 1:]

            def cat(px, ax=ax):
                return np.concatenate([p[0] for p in px], axis=2 + ax), _masked_as_a_whole(px)
        else:
            shape = inner + (len(group),)

            def cat(px, ax=ax):
                return np.stack([p[0] for p in px], axis=2 + ax), _masked_as_a_whole(px)

        dtype = np.result_type(*[b.dtype for b in group])
        out.append(array_band(group[0], name, MapRecipe(cat, tuple(b.recipe for b in group)), shape, dtype))
    return Image(out, {})
