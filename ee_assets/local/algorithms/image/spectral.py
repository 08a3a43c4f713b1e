"""More Image algorithms scripts use: paint, clipToCollection, polynomial, unmix, metadata, copyProperties, id,
pixelCoordinates, first/firstNonZero."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio.features import rasterize

from ee_assets.local.algorithms.coerce import as_collection, as_image, as_projection
from ee_assets.local.algorithms.collection import copy_properties as element_copy_properties
from ee_assets.local.algorithms.image import IMG, _binary, clip
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, GridRecipe, Image, MapRecipe, constant_band
from ee_assets.local.values.projection import DEFAULT_PROJECTION

FLOAT64 = np.dtype(np.float64)


# -- paint ----------------------------------------------------------------------------------------------------------
def _feature_value(feature: Feature, spec, name: str) -> float | None:
    """A number, or the value of the feature property named by a string."""
    if isinstance(spec, str):
        value = feature.properties.get(spec)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidArgument(f"Image.paint: property '{spec}' ({name}) must be numeric, got {value!r}.") \
                from None
    return float(spec)


def _painted(grid: Grid, features: list[Feature], color, width) -> tuple[np.ndarray, np.ndarray]:
    """(value, painted?) on `grid`: interiors by the pixel-centre rule, or outlines `width` pixels wide (lines
    narrower than 2 pixels burn every pixel the boundary passes through). Later features paint over earlier ones."""
    pixel = abs(grid.transform.a) or abs(grid.transform.b)
    shapes = []
    for f in features:
        if f.geometry is None:
            continue
        value = _feature_value(f, color, "color")
        if value is None:
            continue
        geom = f.geometry.to(grid.crs)
        if width is not None:
            w = _feature_value(f, width, "width")
            if w is None or w <= 0:
                continue
            boundary = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
            geom = boundary if w < 2 else boundary.buffer(w / 2 * pixel)
        if not geom.is_empty:
            shapes.append((shapely.geometry.mapping(geom), value))
    if not shapes:
        return np.zeros(grid.shape), np.zeros(grid.shape, bool)
    marks = rasterize([(g, i + 1) for i, (g, _) in enumerate(shapes)], out_shape=grid.shape,
                      transform=grid.transform, fill=0, dtype="int32")
    values = np.concatenate([[0.0], [v for _, v in shapes]])
    return values[marks], marks > 0


@algorithm("Image.paint", returns=IMG, image=IMG, featureCollection="FeatureCollection", color="Object",
           width="Object")
def paint(image: Image, featureCollection: Collection, color=0, width=None) -> Image:
    """Replace every band's value with `color` (a number or a property name) where the features are painted;
    painted pixels become unmasked. `width` (pixels, or a property name) paints outlines instead of interiors."""
    img = as_image(image)
    coll = featureCollection if isinstance(featureCollection, Collection) else None
    if coll is None:
        if isinstance(featureCollection, Feature):
            coll = Collection([featureCollection])
        else:
            coll = as_collection(featureCollection, "featureCollection")
    features = [f for f in coll.elements if isinstance(f, Feature)]

    def run(grid: Grid, px):
        v, m = px[0]
        paint_values, painted = _painted(grid, features, color, width)
        return np.where(painted, paint_values, v), np.where(painted, 1.0, m).astype(np.float32)

    return img.with_bands([b.derive(GridRecipe(run, (b.recipe,))) for b in img.bands])


@algorithm("Image.clipToCollection", returns=IMG, input=IMG, collection="FeatureCollection")
def clip_to_collection(input: Image, collection: Collection) -> Image:
    """Clip to the union of the collection's geometries (pixel-centre rule, as Image.clip)."""
    return clip(input, as_collection(collection))


# -- per-pixel models ---------------------------------------------------------------------------------------------
@algorithm("Image.polynomial", returns=IMG, image=IMG, coefficients="List<Float>")
def polynomial(image: Image, coefficients: list) -> Image:
    """Σ coefficients[i] · x^i for every band, from the constant term up; double output."""
    c = [float(v) for v in coefficients]
    if not c:
        raise InvalidArgument("Image.polynomial: 'coefficients' must not be empty.")
    img = as_image(image)

    def run(px):
        x, m = px[0]
        return np.polynomial.polynomial.polyval(x, c), m

    return img.with_bands([b.derive(MapRecipe(run, (b.recipe,)), dtype=FLOAT64) for b in img.bands])


@algorithm("Image.unmix", returns=IMG, image=IMG, endmembers="List<List<Float>>", sumToOne="Boolean",
           nonNegative="Boolean")
def unmix(image: Image, endmembers: list, sumToOne: bool = False, nonNegative: bool = False) -> Image:
    """Least-squares fractions of the endmembers (each a list with one value per band) in every pixel; bands
    'band_0', 'band_1', …. sumToOne adds the equality constraint Σ fractions = 1 exactly (Lagrange multiplier)."""
    img = as_image(image)
    e = np.asarray(endmembers, dtype=float)
    if e.ndim != 2 or e.shape[1] != len(img.bands):
        raise InvalidArgument(f"Image.unmix: each endmember needs one value per band ({len(img.bands)}), "
                              f"got shape {list(e.shape)}.")
    if nonNegative:
        raise InvalidArgument("Image.unmix: nonNegative is not supported by the local backend; unmix without it "
                              "and clamp, or use Earth Engine.")
    k = len(e)
    design = e.T  # (bands, k)
    if sumToOne:
        kkt = np.block([[design.T @ design, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
        solve = np.linalg.pinv(kkt)
    else:
        solve = np.linalg.pinv(design)
    inputs = tuple(b.recipe for b in img.bands)

    def run_all(px):
        y = np.stack([p[0] for p in px], axis=-1)  # (h, w, bands)
        mask = np.min(np.stack([p[1] for p in px]), axis=0)
        if sumToOne:
            rhs = np.concatenate([y @ design, np.ones(y.shape[:-1] + (1,))], axis=-1)
            fractions = (rhs @ solve.T)[..., :k]
        else:
            fractions = y @ solve.T
        return fractions, mask

    first = img.bands[0]
    shared = MapRecipe(run_all, inputs)
    bands = [Band(f"band_{i}", FLOAT64, first.projection, MapRecipe(lambda px, i=i: (px[0][0][..., i], px[0][1]),
                                                                     (shared,)), first.extent)
             for i in range(k)]
    return img.with_bands(bands)


# -- properties as images and back --------------------------------------------------------------------------------
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
    return element_copy_properties(destination, source, properties, exclude)


@algorithm("Image.id", returns="String", element="Element")
def image_id(element: Image) -> str | None:
    """The image's id within its collection (system:index)."""
    return as_image(element, "element").properties.get("system:index")


@algorithm("Image.pixelCoordinates", returns=IMG, projection="Projection")
def pixel_coordinates(projection) -> Image:
    """Bands 'x' and 'y': each pixel centre's coordinates in the CRS of `projection`."""
    proj = as_projection(projection, "projection")

    def coordinate(axis: int):
        def run(grid: Grid, px):
            c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
            t = grid.transform
            x, y = t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f
            if grid.crs != proj.crs:
                from ee_assets.local.values.geometry import transformer

                x, y = transformer(grid.crs, proj.crs).transform(x, y)
            return (x if axis == 0 else y), np.ones(grid.shape, np.float32)
        return GridRecipe(run)

    return Image([Band("x", FLOAT64, DEFAULT_PROJECTION, coordinate(0), None),
                  Band("y", FLOAT64, DEFAULT_PROJECTION, coordinate(1), None)])


# -- first / firstNonZero ----------------------------------------------------------------------------------------
def _first(nonzero: bool):
    def fn(image1, image2) -> Image:
        op = "firstNonZero" if nonzero else "first"
        a, b = as_image(image1, "image1"), as_image(image2, "image2")
        out = _binary(op, a, b, lambda x, y: x, lambda p, q: np.result_type(p, q))
        bands = []
        for ob, (ba, bb) in zip(out.bands, _matched(a, b), strict=True):
            def pick(px):
                (x, mx), (y, my) = px
                take = (mx > 0) & ((x != 0) if nonzero else True)
                return np.where(take, x, y), np.where(take, mx, my).astype(np.float32)
            bands.append(ob.derive(MapRecipe(pick, (ba.recipe, bb.recipe))))
        return out.with_bands(bands)
    return fn


def _matched(a: Image, b: Image):
    from ee_assets.local.algorithms.image import _pairs

    return [(x, y) for x, y, _ in _pairs("first", a, b)]


_FIRST_DOC = ("The first image's value where it is unmasked{}, else the second's; the mask follows the value taken.")
for _name, _nonzero in (("first", False), ("firstNonZero", True), ("first_nonzero", True)):
    _impl = _first(_nonzero)
    _impl.__doc__ = _FIRST_DOC.format(" and non-zero" if _nonzero else "")
    algorithm(f"Image.{_name}", returns=IMG, image1=IMG, image2=IMG)(_impl)


# -- interpolate ---------------------------------------------------------------------------------------------------
@algorithm("Image.interpolate", returns=IMG, image=IMG, x="List<Float>", y="List<Float>", behavior="String")
def interpolate(image: Image, x: list, y: list, behavior: str = "extrapolate") -> Image:
    """The first band through the piecewise-linear function through (x, y); outside [x0, xn]: 'extrapolate'
    (from the two nearest points), 'clamp' (the nearest point's y), 'input' (the value unchanged) or 'mask'."""
    op = "Image.interpolate"
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    if xs.ndim != 1 or xs.shape != ys.shape or len(xs) < 2:
        raise InvalidArgument(f"{op}: x and y must be lists of equal length, at least 2.")
    if np.any(np.diff(xs) <= 0):
        raise InvalidArgument(f"{op}: the x values must be strictly increasing.")
    if behavior not in ("extrapolate", "clamp", "input", "mask"):
        raise InvalidArgument(f"{op}: behavior must be extrapolate, clamp, input or mask, got {behavior!r}.")
    img = as_image(image)
    band = img.bands[0]

    def run(px):
        v, m = px[0]
        out = np.interp(v, xs, ys)
        low, high = v < xs[0], v > xs[-1]
        if behavior == "extrapolate":
            out = np.where(low, ys[0] + (v - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0]), out)
            out = np.where(high, ys[-1] + (v - xs[-1]) * (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]), out)
        elif behavior == "input":
            out = np.where(low | high, v, out)
        mask = np.where(low | high, 0.0, m).astype(np.float32) if behavior == "mask" else m
        return out, mask

    return Image([band.derive(MapRecipe(run, (band.recipe,)), dtype=FLOAT64)], img.properties)


# -- random --------------------------------------------------------------------------------------------------------
_MIX1, _MIX2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _splitmix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: a well-mixed 64-bit hash of each input (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def pixel_uniforms(grid: Grid, seed: int, stream: int = 0) -> np.ndarray:
    """Uniform [0, 1) numbers that depend only on each pixel centre's coordinates (to a micro-unit), the seed and
    the stream: the same pixel gets the same number whichever request or tile asks for it."""
    c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    t = grid.transform
    x = np.rint((t.a * c + t.b * r + t.c) * 1e6).astype(np.int64).view(np.uint64)
    y = np.rint((t.d * c + t.e * r + t.f) * 1e6).astype(np.int64).view(np.uint64)
    key = np.uint64((int(seed) * 4 + stream) & 0xFFFFFFFFFFFFFFFF)
    h = _splitmix(_splitmix(_splitmix(x ^ key) ^ y) ^ key)
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


@algorithm("Image.random", returns=IMG, seed="Long", distribution="String")
def random(seed: int = 0, distribution: str = "uniform") -> Image:
    """Band 'random': uniform in [0, 1) or standard normal (Box-Muller), a deterministic function of the pixel's
    location and the seed (not EE's sequence, which is unpublished)."""
    if distribution not in ("uniform", "normal"):
        raise InvalidArgument(f"Image.random: distribution must be 'uniform' or 'normal', got {distribution!r}.")

    def run(grid: Grid, px):
        u = pixel_uniforms(grid, seed, 0)
        if distribution == "normal":
            v = pixel_uniforms(grid, seed, 1)
            u = np.sqrt(-2 * np.log1p(-u)) * np.cos(2 * np.pi * v)
        return u, np.ones(grid.shape, np.float32)

    return Image([Band("random", FLOAT64, DEFAULT_PROJECTION, GridRecipe(run), None)])


# -- spectral distance -----------------------------------------------------------------------------------------------
def _spectral(metric: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between per-pixel spectra a, b shaped (bands, h, w)."""
    with np.errstate(all="ignore"):
        if metric == "sed":
            return ((a - b) ** 2).sum(axis=0)
        if metric == "sam":
            cos = (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
            return np.arccos(np.clip(cos, -1.0, 1.0))
        p, q = a / a.sum(axis=0), b / b.sum(axis=0)
        if metric == "sid":
            return (p * np.log(p / q) + q * np.log(q / p)).sum(axis=0)
        return np.abs(np.cumsum(p, axis=0) - np.cumsum(q, axis=0)).sum(axis=0)  # emd of 1-D distributions


@algorithm("Image.spectralDistance", returns=IMG, image1=IMG, image2=IMG, metric="String")
def spectral_distance(image1: Image, image2: Image, metric: str = "sam") -> Image:
    """Per pixel, the distance between the two images' spectra: 'sam' (spectral angle, radians), 'sid' (spectral
    information divergence), 'sed' (squared Euclidean distance) or 'emd' (earth mover's distance of the normalized
    spectra). One band named 'distance' (EE does not document the name)."""
    a, b = as_image(image1, "image1"), as_image(image2, "image2")
    if metric not in ("sam", "sid", "sed", "emd"):
        raise InvalidArgument(f"Image.spectralDistance: metric must be sam, sid, sed or emd, got {metric!r}.")
    if len(a.bands) != len(b.bands) or not a.bands:
        raise InvalidArgument(f"Image.spectralDistance: the images need the same number of bands, got "
                              f"{len(a.bands)} and {len(b.bands)}.")
    n = len(a.bands)

    def run(px):
        va, vb = np.stack([p[0] for p in px[:n]]), np.stack([p[0] for p in px[n:]])
        mask = np.min(np.stack([p[1] for p in px]), axis=0)
        d = _spectral(metric, va, vb)
        ok = np.isfinite(d)
        return np.where(ok, d, 0.0), np.where(ok, mask, 0.0).astype(np.float32)

    first = a.bands[0]
    recipe = MapRecipe(run, tuple(x.recipe for x in a.bands) + tuple(x.recipe for x in b.bands))
    return a.with_bands([Band("distance", FLOAT64, first.projection, recipe, first.extent)])


@algorithm("Image.randomVisualizer", returns=IMG, image=IMG)
def random_visualizer(image: Image) -> Image:
    """Bands 'vis-red', 'vis-green', 'vis-blue' (a colour per distinct first-band value, from a hash of the
    value, so equal values share a colour in every request), followed by the input bands."""
    img = as_image(image)
    if not img.bands:
        raise InvalidArgument("Image.randomVisualizer: the image has no bands.")
    first = img.bands[0]

    def colour(channel: int):
        def run(px):
            v, m = px[0]
            h = _splitmix(np.ascontiguousarray(v, dtype=np.float64).view(np.uint64))
            return ((h >> np.uint64(8 * channel)) & np.uint64(255)).astype(np.float64), m
        return MapRecipe(run, (first.recipe,))

    vis = [Band(name, np.dtype(np.uint8), first.projection, colour(i), first.extent)
           for i, name in enumerate(("vis-red", "vis-green", "vis-blue"))]
    return img.with_bands(vis + list(img.bands))
