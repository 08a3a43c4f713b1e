"""Image basics: loading, constants, band selection and naming, projection, date, footprint, band types and
properties (metadata, copyProperties, id)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ee_assets.local.algorithms.features import core as features
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Date
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image, constant_array_image, constant_band
from ee_assets.local.values.pixel_type import PixelType
from ee_assets.local.values.projection import Projection

if TYPE_CHECKING:  # the evaluator passes its context; algorithms only read it
    from ee_assets.local.evaluator.context import EvalContext

IMG = "Image<unknown bands>"


@algorithm("Image.load", returns=IMG, needs_context=True, id="String", version="Long")
def load(ctx: EvalContext, id: str, version: int = -1) -> Image:
    return ctx.catalog.load_image(id)


@algorithm("Image.constant", returns=IMG, value="Object")
def constant(value) -> Image:
    if isinstance(value, np.ndarray):  # ee.Image(ee.Array(...)): an array image
        return constant_array_image(value)
    return as_image(value, "value")


@algorithm("Image.select", returns=IMG, input=IMG, bandSelectors="List<Object>", newNames="List<String>")
def select(input: Image, bandSelectors: list, newNames: list | None = None) -> Image:
    image = as_image(input, "input")
    selectors = bandSelectors if isinstance(bandSelectors, list) else [bandSelectors]
    return image.select(selectors, as_string_list(newNames, "newNames") if newNames is not None else None)


@algorithm("Image.rename", returns=IMG, input=IMG, names="List<String>")
def rename(input: Image, names: list) -> Image:
    image = as_image(input, "input")
    names = as_string_list(names, "names")
    if len(names) != len(image.bands):
        raise InvalidArgument(f"Image.rename: Can't rename {len(image.bands)} bands with {len(names)} names.")
    return image.with_bands([b.derive(b.recipe, name=n) for b, n in zip(image.bands, names, strict=True)])


@algorithm("Image.addBands", returns=IMG, dstImg=IMG, srcImg=IMG, names="List<String>", overwrite="Boolean")
def add_bands(dstImg: Image, srcImg: Image, names: list | None = None, overwrite: bool = False) -> Image:
    dst, src = as_image(dstImg, "dstImg"), as_image(srcImg, "srcImg")
    if names is not None:
        src = select(src, as_string_list(names, "names"))
    bands = list(dst.bands)
    for b in src.bands:
        existing = [i for i, d in enumerate(bands) if d.name == b.name]
        if existing and overwrite:
            bands[existing[0]] = b
            continue
        if existing:  # without overwrite EE renames the new band: foo -> foo_1, or foo_2 if foo_1 exists, ...
            taken, n = {d.name for d in bands} | {s.name for s in src.bands}, 1
            while f"{b.name}_{n}" in taken:
                n += 1
            b = b.derive(b.recipe, name=f"{b.name}_{n}")
        bands.append(b)
    return dst.with_bands(bands)


@algorithm("Image.bandNames", returns="List<String>", image=IMG)
def band_names(image: Image) -> list[str]:
    return as_image(image).band_names


@algorithm("Image.projection", returns="Projection", image=IMG)
def projection(image: Image) -> Projection:
    return as_image(image).projection()


@algorithm("Image.date", returns="Date", image=IMG)
def date(image: Image) -> Date:
    image = as_image(image)
    start = image.properties.get("system:time_start")
    if start is None:
        raise InvalidArgument("Image.date: Image has no 'system:time_start' property.")
    return Date(float(start))


WORLD = Geometry(shapely.box(-180, -90, 180, 90), "EPSG:4326", False)


@algorithm("Image.geometry", returns="Geometry", feature="Element", maxError="ErrorMargin", proj="Projection",
           geodesics="Boolean")
def geometry(feature: Image, maxError=None, proj=None, geodesics=None) -> Geometry:
    """The image footprint; an unbounded image (a constant, a composite) covers the whole world, as in EE."""
    img = as_image(feature, "feature")
    return img.footprint() or WORLD


@algorithm("Image.bandTypes", returns="Dictionary<PixelType>", image=IMG)
def band_types(image: Image) -> dict:
    return {b.name: PixelType.of(b.dtype).to_json() for b in as_image(image).bands}


@algorithm("Image.slice", returns=IMG, image=IMG, start="Integer", end="Integer")
def slice_bands(image: Image, start: int, end: int | None = None) -> Image:
    """Bands start..end (exclusive), negative indices counting from the end (Python's slicing, as EE's)."""
    img = as_image(image)
    return img.with_bands(img.bands[int(start):None if end is None else int(end)])


@algorithm("Image.regexpRename", returns=IMG, input=IMG, regex="String", replacement="String", all="Boolean")
def regexp_rename(input: Image, regex: str, replacement: str, all: bool = True) -> Image:
    """Rename bands by a regular expression; `$1`-style groups in the replacement, as Java's replaceAll."""
    img = as_image(input, "input")
    pattern = re.compile(regex)
    repl = re.sub(r"\$(\d+)", r"\\\1", replacement)
    names = [pattern.sub(repl, b.name, count=0 if all else 1) for b in img.bands]
    return img.with_bands([b.derive(b.recipe, name=n) for b, n in zip(img.bands, names, strict=True)])


@algorithm("Image.metadata", returns=IMG, image=IMG, property="String")
def metadata(image: Image, property: str, name: str | None = None) -> Image:
    """A constant band holding a numeric property's value, named `name` (default: the property name)."""
    img = as_image(image)
    if property not in img.properties:
        raise InvalidArgument(f"Image.metadata: the image has no property '{property}'.")
    value = img.properties[property]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"Image.metadata: property '{property}' must be a number, got {value!r}.")
    return Image([constant_band(value, name or property)], img.properties)


@algorithm("Image.copyProperties", returns=IMG, destination="Element", source="Element",
           properties="List<String>", exclude="List<String>")
def copy_properties(destination=None, source=None, properties: list | None = None, exclude: list | None = None):
    """Element.copyProperties for images (the client sends this name for ee.Image.copyProperties)."""
    return features.copy_properties(destination, source, properties, exclude)


@algorithm("Image.id", returns="String", element="Element")
def image_id(element: Image) -> str | None:
    """The image's id within its collection (system:index)."""
    return as_image(element, "element").properties.get("system:index")
