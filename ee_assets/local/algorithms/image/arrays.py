"""Array images: bands whose pixels are arrays of one fixed shape (toArray, constant Arrays), the array algorithms
scripts chain (matrixMultiply, arrayProject, arrayFlatten, arraySlice, arrayReduce, …) and back to scalar bands.

An array band's recipe gives values shaped (h, w, *array shape) and a (h, w) mask: a pixel is masked as a whole
(EE: `toArray` masks a pixel if any input band is masked). Shapes are fixed per band, so arrays whose length
varies per pixel (ImageCollection.toArray with masked images, arrayMask) are not supported. Array bands must be
flattened (arrayFlatten, arrayGet) before computePixels or scalar math.
"""

from __future__ import annotations

import math

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import ONE_PIXEL, is_constant
from ee_assets.local.algorithms.support.coerce import as_image, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import (
    ArrayBand,
    Band,
    ConstantRecipe,
    Image,
    MapRecipe,
    Recipe,
    is_array,
)
from ee_assets.local.values.reducer import Reducer

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)


def array_band(like: Band, name: str, recipe: Recipe, shape: tuple[int, ...], dtype=FLOAT64) -> ArrayBand:
    return ArrayBand(name, np.dtype(dtype), like.projection, recipe, like.extent, tuple(int(n) for n in shape))


def constant_array(band: Band) -> np.ndarray | None:
    """The array every pixel of `band` holds when it is built from constants alone (ee.Image(ee.Array(…)),
    ee.Image([2, 3]).toArray(), arithmetic on those), else None."""
    if not is_constant(band.recipe):
        return None
    values, mask = band.recipe.evaluate(ONE_PIXEL)
    return np.asarray(values[0, 0]) if mask[0, 0] > 0 else None


def single_array_band(image: Image, op: str, name: str = "input") -> ArrayBand:
    if len(image.bands) != 1 or not is_array(image.bands[0]):
        raise InvalidArgument(f"{op}: '{name}' must be a single array band (make one with toArray()); got bands "
                              f"{image.band_names}.")
    return image.bands[0]


def _apply(band: ArrayBand, fn, shape: tuple[int, ...], name: str | None = None, dtype=None) -> ArrayBand | Band:
    """A band computing fn(values (h, w, *shape_in)) on the array pixels; scalar result when `shape` is ()."""
    recipe = MapRecipe(lambda px: (fn(px[0][0]), px[0][1]), (band.recipe,))
    if shape == ():
        return Band(name or band.name, np.dtype(dtype or band.dtype), band.projection, recipe, band.extent)
    return array_band(band, name or band.name, recipe, shape, dtype or band.dtype)


# -- making and unmaking arrays ------------------------------------------------------------------------------------
@algorithm("Image.toArray", returns=IMG, image=IMG, axis="Integer")
def to_array(image: Image, axis: int = 0) -> Image:
    """All bands of each pixel as one array band 'array' (scalar bands: a 1-D array in band order)."""
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument("Image.toArray: the image has no bands.")
    if any(is_array(b) for b in img.bands):
        shapes = {b.shape if is_array(b) else None for b in img.bands}
        if len(shapes) != 1 or None in shapes:
            raise InvalidArgument("Image.toArray: bands must all be scalars or all arrays of one shape.")
        inner = next(iter(shapes))
        ax = int(axis)
        if not 0 <= ax <= len(inner):
            raise InvalidArgument(f"Image.toArray: axis must be between 0 and {len(inner)}, got {ax}.")
        shape = list(inner)
        if ax == len(inner):
            shape.append(len(img.bands))
        else:
            shape[ax] *= len(img.bands)

        new_axis = ax == len(inner)

        def cat(px, ax=ax, new_axis=new_axis):
            parts = [p[0] for p in px]
            values = np.stack(parts, axis=2 + ax) if new_axis else np.concatenate(parts, axis=2 + ax)
            return values, np.min(np.stack([p[1] for p in px]), axis=0)
    else:
        if int(axis) != 0:
            raise InvalidArgument(f"Image.toArray: axis must be 0 for scalar bands, got {axis}.")
        shape = [len(img.bands)]

        def cat(px):
            return np.stack([p[0] for p in px], axis=-1), np.min(np.stack([p[1] for p in px]), axis=0)
    dtype = np.result_type(*[b.dtype for b in img.bands])
    first = img.bands[0]
    return img.with_bands([array_band(first, "array", MapRecipe(cat, tuple(b.recipe for b in img.bands)),
                                      tuple(shape), dtype)])


@algorithm("Image.arrayFlatten", returns=IMG, image=IMG, coordinateLabels="List<Object>", separator="String")
def array_flatten(image: Image, coordinateLabels: list, separator: str = "_") -> Image:
    """One scalar band per array element, named by joining one label per axis with `separator`."""
    op = "Image.arrayFlatten"
    band = single_array_band(as_image(image), op, "image")
    if len(coordinateLabels) != band.dimensions:
        raise InvalidArgument(f"{op}: need one list of labels per array axis ({band.dimensions}), got "
                              f"{len(coordinateLabels)}.")
    labels = [as_string_list(axis_labels, "coordinateLabels") for axis_labels in coordinateLabels]
    for i, (axis_labels, n) in enumerate(zip(labels, band.shape, strict=True)):
        if len(axis_labels) != n:
            raise InvalidArgument(f"{op}: axis {i} has length {n} but {len(axis_labels)} labels were given.")
    bands = []
    for index in np.ndindex(*band.shape):
        name = separator.join(labels[a][i] for a, i in enumerate(index))
        bands.append(_apply(band, lambda v, index=index: v[(Ellipsis, *index)], (), name))
    return Image(bands, as_image(image).properties)


@algorithm("Image.arrayGet", returns=IMG, image=IMG, position=IMG)
def array_get(image: Image, position) -> Image:
    """The element at `position` (a list of indices, one per axis, or a constant image of them) of each array."""
    op = "Image.arrayGet"
    img = as_image(image)
    band = single_array_band(img, op, "image")
    if isinstance(position, list):
        pos = position
    else:
        pimg = as_image(position, "position")
        pos = [_constant_number(op, Image([b]), "position") for b in pimg.bands]
    index = tuple(int(p) for p in pos)
    if len(index) != band.dimensions or any(not -n <= i < n for i, n in zip(index, band.shape, strict=True)):
        raise InvalidArgument(f"{op}: position {list(index)} is outside arrays of shape {list(band.shape)}.")
    return img.with_bands([_apply(band, lambda v: v[(Ellipsis, *index)], ())])


# -- reshaping -------------------------------------------------------------------------------------------------------
@algorithm("Image.arrayProject", returns=IMG, input=IMG, axes="List<Integer>")
def array_project(input: Image, axes: list) -> Image:
    """Keep the listed axes (in that order); every dropped axis must have length 1."""
    op = "Image.arrayProject"
    img = as_image(input, "input")
    band = single_array_band(img, op)
    keep = [int(a) for a in axes]
    if not keep or any(not 0 <= a < band.dimensions for a in keep) or len(set(keep)) != len(keep):
        raise InvalidArgument(f"{op}: axes {keep} are not distinct axes of a {band.dimensions}-D array.")
    dropped = [a for a in range(band.dimensions) if a not in keep]
    if any(band.shape[a] > 1 for a in dropped):
        raise InvalidArgument(f"{op}: dropped axes must have length 1; the array shape is {list(band.shape)}.")

    def project(v):
        kept = v.reshape(v.shape[:2] + tuple(band.shape[a] for a in range(band.dimensions) if a in keep))
        order = sorted(keep)
        return np.moveaxis(kept, [2 + order.index(a) for a in keep], list(range(2, 2 + len(keep))))

    return img.with_bands([_apply(band, project, tuple(band.shape[a] for a in keep))])


def _constant_number(op: str, value, name: str) -> float | None:
    """A number given directly or as a constant image (the client turns numbers into Image.constant)."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, Image) and len(value.bands) == 1 and isinstance(value.bands[0].recipe, ConstantRecipe):
        return value.bands[0].recipe.value
    raise InvalidArgument(f"{op}: '{name}' must be a number (per-pixel images are not supported).")


@algorithm("Image.arraySlice", returns=IMG, input=IMG, axis="Integer", start=IMG, end=IMG, step="Integer")
def array_slice(input: Image, axis: int = 0, start=None, end=None, step: int = 1) -> Image:
    """Elements start..end (exclusive) by step along `axis` (numbers; negative indices count from the end)."""
    op = "Image.arraySlice"
    img = as_image(input, "input")
    band = single_array_band(img, op)
    ax = int(axis)
    if not 0 <= ax < band.dimensions:
        raise InvalidArgument(f"{op}: axis {ax} is out of range for {band.dimensions}-D arrays.")
    start, end = _constant_number(op, start, "start"), _constant_number(op, end, "end")
    sl = slice(None if start is None else int(start), None if end is None else int(end), int(step))
    length = len(range(band.shape[ax])[sl])
    shape = band.shape[:ax] + (length,) + band.shape[ax + 1:]
    index = (slice(None), slice(None)) + (slice(None),) * ax + (sl,)
    return img.with_bands([_apply(band, lambda v: v[index], shape)])


@algorithm("Image.arrayTranspose", returns=IMG, input=IMG, axis1="Integer", axis2="Integer")
def array_transpose(input: Image, axis1: int = 0, axis2: int = 1) -> Image:
    img = as_image(input, "input")
    band = single_array_band(img, "Image.arrayTranspose")
    a, b = int(axis1), int(axis2)
    if not (0 <= a < band.dimensions and 0 <= b < band.dimensions):
        raise InvalidArgument(f"Image.arrayTranspose: axes {a}, {b} are out of range for {band.dimensions}-D arrays.")
    shape = list(band.shape)
    shape[a], shape[b] = shape[b], shape[a]
    return img.with_bands([_apply(band, lambda v: np.swapaxes(v, 2 + a, 2 + b), tuple(shape))])


@algorithm("Image.arrayCat", returns=IMG, image1=IMG, image2=IMG, axis="Integer")
def array_cat(image1: Image, image2: Image, axis: int) -> Image:
    op = "Image.arrayCat"
    one = single_array_band(as_image(image1, "image1"), op, "image1")
    two = single_array_band(as_image(image2, "image2"), op, "image2")
    ax = int(axis)
    # Arrays have trailing length-1 axes as far as needed: EE's apidocs join 1-D [0, 1, 2] and [3, 4, 5] along
    # axis 1 into [[0, 3], [1, 4], [2, 5]] (samples/python/apidocs/ee_image_arraycat.py).
    ndim = max(one.dimensions, two.dimensions, ax + 1)
    shape1, shape2 = (one.shape + (1,) * (ndim - one.dimensions), two.shape + (1,) * (ndim - two.dimensions))
    if ax < 0 or any(x != y for i, (x, y) in enumerate(zip(shape1, shape2, strict=True)) if i != ax):
        raise InvalidArgument(f"{op}: arrays of shapes {list(one.shape)} and {list(two.shape)} cannot be joined "
                              f"along axis {ax}.")
    shape = list(shape1)
    shape[ax] += shape2[ax]

    def cat(px):
        a, b = px[0][0], px[1][0]
        a = a.reshape(a.shape[:2] + shape1)
        b = b.reshape(b.shape[:2] + shape2)
        return np.concatenate([a, b], axis=2 + ax), np.minimum(px[0][1], px[1][1])

    recipe = MapRecipe(cat, (one.recipe, two.recipe))
    return as_image(image1).with_bands([array_band(one, one.name, recipe, tuple(shape),
                                                   np.result_type(one.dtype, two.dtype))])


# -- per-pixel linear algebra and reductions ---------------------------------------------------------------------------
@algorithm("Image.matrixMultiply", returns=IMG, image1=IMG, image2=IMG)
def matrix_multiply(image1: Image, image2: Image) -> Image:
    """The matrix product A · B in every pixel (2-D arrays; EE's tasseled-cap recipe multiplies a constant matrix
    by each pixel's column vector)."""
    op = "Image.matrixMultiply"
    a = single_array_band(as_image(image1, "image1"), op, "image1")
    b = single_array_band(as_image(image2, "image2"), op, "image2")
    if a.dimensions != 2 or b.dimensions != 2 or a.shape[1] != b.shape[0]:
        raise InvalidArgument(f"{op}: cannot multiply matrices of shapes {list(a.shape)} and {list(b.shape)}.")

    def product(px):
        return np.matmul(px[0][0], px[1][0]), np.minimum(px[0][1], px[1][1])

    native = b if b.extent is not None else a
    recipe = MapRecipe(product, (a.recipe, b.recipe))
    return as_image(image1).with_bands([array_band(native, a.name, recipe, (a.shape[0], b.shape[1]))])


@algorithm("Image.arrayDotProduct", returns=IMG, image1=IMG, image2=IMG)
def array_dot_product(image1: Image, image2: Image) -> Image:
    op = "Image.arrayDotProduct"
    a = single_array_band(as_image(image1, "image1"), op, "image1")
    b = single_array_band(as_image(image2, "image2"), op, "image2")
    if a.dimensions != 1 or a.shape != b.shape:
        raise InvalidArgument(f"{op}: need two 1-D arrays of equal length, got {list(a.shape)} and {list(b.shape)}.")
    recipe = MapRecipe(lambda px: ((px[0][0] * px[1][0]).sum(axis=-1), np.minimum(px[0][1], px[1][1])),
                       (a.recipe, b.recipe))
    return as_image(image1).with_bands([Band(a.name, FLOAT64, a.projection, recipe, a.extent or b.extent)])


@algorithm("Image.arrayLength", returns=IMG, input=IMG, axis="Integer")
def array_length(input: Image, axis: int) -> Image:
    img = as_image(input, "input")
    band = single_array_band(img, "Image.arrayLength")
    ax = int(axis)
    if not -band.dimensions <= ax < band.dimensions:
        raise InvalidArgument(f"Image.arrayLength: axis {ax} is out of range for {band.dimensions}-D arrays.")
    n = band.shape[ax]
    return img.with_bands([_apply(band, lambda v: np.full(v.shape[:2], float(n)), (), dtype=np.int32)])


_ARRAY_REDUCERS = {"mean": np.mean, "sum": np.sum, "min": np.min, "max": np.max, "median": np.median,
                   "stdDev": np.std, "variance": np.var, "product": np.prod}


@algorithm("Image.arrayReduce", returns=IMG, input=IMG, reducer="Reducer", axes="List<Integer>",
           fieldAxis="Integer")
def array_reduce(input: Image, reducer: Reducer, axes: list, fieldAxis: int | None = None) -> Image:
    """Reduce each pixel's array over `axes`, keeping them with length 1 (as ee.Array.reduce)."""
    op = "Image.arrayReduce"
    img = as_image(input, "input")
    band = single_array_band(img, op)
    if fieldAxis is not None:
        raise InvalidArgument(f"{op}: fieldAxis (multi-input reducers) is not supported by the local backend.")
    if len(reducer.leaves) != 1 or reducer.leaves[0].kind not in _ARRAY_REDUCERS | {"count": None}:
        raise InvalidArgument(f"{op}: reducer must be one of {sorted(_ARRAY_REDUCERS) + ['count']}.")
    kind = reducer.leaves[0].kind
    ax = tuple(2 + int(a) for a in axes)
    if any(not 2 <= a < 2 + band.dimensions for a in ax):
        raise InvalidArgument(f"{op}: axes {axes} are out of range for {band.dimensions}-D arrays.")
    shape = tuple(1 if 2 + i in ax else n for i, n in enumerate(band.shape))
    if kind == "count":
        n = math.prod(band.shape[a - 2] for a in ax)
        return img.with_bands([_apply(band, lambda v: np.full(v.shape[:2] + shape, float(n)), shape)])
    fn = _ARRAY_REDUCERS[kind]
    dtype = band.dtype if kind in ("min", "max") else FLOAT64
    return img.with_bands([_apply(band, lambda v: fn(v, axis=ax, keepdims=True), shape, dtype=dtype)])


@algorithm("Image.arrayLengths", returns=IMG, input=IMG)
def array_lengths(input: Image) -> Image:
    img = as_image(input, "input")
    band = single_array_band(img, "Image.arrayLengths")
    lengths = np.asarray(band.shape, dtype=np.float64)
    return img.with_bands([_apply(band, lambda v: np.broadcast_to(lengths, v.shape[:2] + lengths.shape),
                                  (len(band.shape),), dtype=np.int32)])


@algorithm("Image.arrayDimensions", returns=IMG, input=IMG)
def array_dimensions(input: Image) -> Image:
    """Per band, the number of array dimensions (0 for scalar bands)."""
    img = as_image(input, "input")

    def dims(b: Band) -> Band:
        n = float(b.dimensions if is_array(b) else 0)
        recipe = MapRecipe(lambda px, n=n: (np.full(px[0][1].shape, n), px[0][1]), (b.recipe,))
        return Band(b.name, np.dtype(np.int32), b.projection, recipe, b.extent)

    return img.with_bands([dims(b) for b in img.bands])


@algorithm("Image.arrayArgmax", returns=IMG, image=IMG)
def array_argmax(image: Image) -> Image:
    """The position (one index per axis) of each array's maximum, the first one on ties."""
    img = as_image(image)
    band = single_array_band(img, "Image.arrayArgmax", "image")
    shape = band.shape

    def argmax(v):
        flat = v.reshape(v.shape[:2] + (-1,)).argmax(axis=-1)
        return np.stack(np.unravel_index(flat, shape), axis=-1).astype(np.float64)

    return img.with_bands([_apply(band, argmax, (len(shape),), dtype=np.int32)])


@algorithm("Image.arrayRepeat", returns=IMG, input=IMG, axis="Integer", copies=IMG)
def array_repeat(input: Image, axis: int, copies) -> Image:
    """Each array tiled `copies` times along `axis` (an axis one past the last adds a dimension)."""
    op = "Image.arrayRepeat"
    img = as_image(input, "input")
    band = single_array_band(img, op)
    ax, n = int(axis), int(_constant_number(op, copies, "copies") or 0)
    if not 0 <= ax <= band.dimensions or n < 1:
        raise InvalidArgument(f"{op}: axis must be 0..{band.dimensions} and copies at least 1.")
    inner = band.shape + (1,) if ax == band.dimensions else band.shape
    shape = tuple(s * n if i == ax else s for i, s in enumerate(inner))

    def repeat(v):
        v = v.reshape(v.shape[:2] + inner)
        reps = [1] * v.ndim
        reps[2 + ax] = n
        return np.tile(v, reps)

    return img.with_bands([_apply(band, repeat, shape)])


@algorithm("Image.arrayReshape", returns=IMG, image=IMG, lengths=IMG, dimensions="Integer")
def array_reshape(image: Image, lengths: Image, dimensions: int) -> Image:
    """Arrays reshaped (row-major) to the constant 1-D `lengths` (an ee.Array image); one length may be -1."""
    op = "Image.arrayReshape"
    img = as_image(image)
    band = single_array_band(img, op, "image")
    lens = as_image(lengths, "lengths")
    value = constant_array(lens.bands[0]) if len(lens.bands) == 1 and is_array(lens.bands[0]) else None
    if value is None:
        raise InvalidArgument(f"{op}: 'lengths' must be a 1-D array image of constants, such as "
                              "ee.Image([2, 3]).toArray() or ee.Image(ee.Array([2, 3])); lengths that vary per "
                              "pixel are not supported by the local backend.")
    target = [int(v) for v in value.ravel()]
    if len(target) != int(dimensions):
        raise InvalidArgument(f"{op}: {len(target)} lengths given for {dimensions} dimensions.")
    total = math.prod(band.shape)
    if target.count(-1) == 1:
        known = math.prod(t for t in target if t != -1)
        target[target.index(-1)] = total // known if known else 0
    if math.prod(target) != total:
        raise InvalidArgument(f"{op}: cannot reshape arrays of shape {list(band.shape)} to {target}.")
    shape = tuple(target)
    return img.with_bands([_apply(band, lambda v: v.reshape(v.shape[:2] + shape), shape)])


@algorithm("Image.arraySort", returns=IMG, image=IMG, keys=IMG)
def array_sort(image: Image, keys=None) -> Image:
    """Each array sorted ascending (a stable sort): a 1-D array by its own values or by the parallel `keys`; a
    multi-dimensional one along the single axis on which `keys` is longer than 1 (keys of shape 1 x n reorder the
    columns of every row, n x 1 the rows), as in EE's apidocs (samples/python/apidocs/ee_image_arraysort.py)."""
    op = "Image.arraySort"
    img = as_image(image)
    band = single_array_band(img, op, "image")
    if keys is None:
        if band.dimensions != 1:
            raise InvalidArgument(f"{op}: arrays of shape {list(band.shape)} need 'keys' to be sorted (one axis "
                                  "at a time).")
        return img.with_bands([_apply(band, lambda v: np.sort(v, axis=-1, kind="stable"), band.shape)])
    key = single_array_band(as_image(keys, "keys"), op, "keys")
    long_axes = [i for i, n in enumerate(key.shape) if n != 1]
    if key.dimensions != band.dimensions or len(long_axes) > 1 or any(
            n not in (1, m) for n, m in zip(key.shape, band.shape, strict=True)):
        raise InvalidArgument(f"{op}: keys of shape {list(key.shape)} do not fit arrays of {list(band.shape)}; "
                              "give keys as long as the array along the one axis to sort and 1 along the others.")
    axis = 2 + (long_axes[0] if long_axes else band.dimensions - 1)

    def by_keys(px):
        k = np.broadcast_to(px[1][0], px[0][0].shape)
        order = np.argsort(k, axis=axis, kind="stable")
        return np.take_along_axis(px[0][0], order, axis=axis), np.minimum(px[0][1], px[1][1])

    recipe = MapRecipe(by_keys, (band.recipe, key.recipe))
    return img.with_bands([array_band(band, band.name, recipe, band.shape, band.dtype)])


_ACCUMULATE = {"sum": np.cumsum, "product": np.cumprod, "min": np.minimum.accumulate, "max": np.maximum.accumulate}


@algorithm("Image.arrayAccum", returns=IMG, input=IMG, axis="Integer", reducer="Reducer")
def array_accum(input: Image, axis: int, reducer: Reducer | None = None) -> Image:
    """Running totals along `axis` (default reducer: sum; also product, min, max)."""
    op = "Image.arrayAccum"
    img = as_image(input, "input")
    band = single_array_band(img, op)
    kind = reducer.leaves[0].kind if reducer is not None else "sum"
    if kind not in _ACCUMULATE:
        raise InvalidArgument(f"{op}: the reducer must be one of {', '.join(_ACCUMULATE)}, got {kind}.")
    ax = int(axis)
    if not 0 <= ax < band.dimensions:
        raise InvalidArgument(f"{op}: axis {ax} is out of range for {band.dimensions}-D arrays.")
    fn = _ACCUMULATE[kind]
    return img.with_bands([_apply(band, lambda v: fn(v, axis=2 + ax), band.shape, dtype=FLOAT64)])


@algorithm("Image.arrayPad", returns=IMG, image=IMG, lengths="List<Integer>", pad="Number")
def array_pad(image: Image, lengths: list, pad: float = 0) -> Image:
    """Arrays padded at the end of each axis with `pad` up to `lengths` (longer axes are kept)."""
    op = "Image.arrayPad"
    img = as_image(image)
    band = single_array_band(img, op, "image")
    target = [int(n) for n in lengths]
    if len(target) != band.dimensions:
        raise InvalidArgument(f"{op}: {len(target)} lengths given for {band.dimensions}-D arrays.")
    shape = tuple(max(n, s) for n, s in zip(target, band.shape, strict=True))
    widths = [(0, 0), (0, 0)] + [(0, n - s) for n, s in zip(shape, band.shape, strict=True)]
    return img.with_bands([_apply(band, lambda v: np.pad(v, widths, constant_values=float(pad)), shape)])
