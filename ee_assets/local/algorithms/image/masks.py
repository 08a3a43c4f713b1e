"""Image masks: updateMask, mask, unmask, selfMask, clip, clipToCollection, and where and blend, which combine images
by their masks."""

from __future__ import annotations

import numpy as np
from rasterio.features import geometry_mask

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import inside_extent, matched_bands
from ee_assets.local.algorithms.support.coerce import as_collection, as_geometry, as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, GridRecipe, Image, MapRecipe

IMG = "Image<unknown bands>"


@algorithm("Image.updateMask", returns=IMG, image=IMG, mask=IMG)
def update_mask(image: Image, mask: Image) -> Image:
    img, m = as_image(image), as_image(mask, "mask")
    pairs = matched_bands("updateMask", img, m)
    out = []
    for bi, bm, _ in pairs:
        def combine(px):
            (v, mi), (mv, mm) = px
            new = np.where(mm > 0, np.clip(mv, 0, 1), 0.0).astype(np.float32)
            return v, np.minimum(mi, new)
        out.append(bi.derive(MapRecipe(combine, (bi.recipe, bm.recipe))))
    if len(img.bands) == 1 and len(m.bands) > 1:
        raise InvalidArgument("Image.updateMask: the mask has more bands than the image.")
    return img.with_bands(out)


@algorithm("Image.mask", returns=IMG, image=IMG, mask=IMG)
def mask(image: Image, mask: Image | None = None) -> Image:
    img = as_image(image)
    if mask is not None:
        return update_mask(img, mask)
    bands = [b.derive(MapRecipe(lambda px: (px[0][1].astype(np.float64), np.ones_like(px[0][1])), (b.recipe,)),
                      dtype=np.float32) for b in img.bands]
    return img.with_bands(bands)


@algorithm("Image.unmask", returns=IMG, input=IMG, value=IMG, sameFootprint="Boolean")
def unmask(input: Image, value=None, sameFootprint: bool = True) -> Image:
    img = as_image(input, "input")
    fill = as_image(0 if value is None else value, "value")
    out = []
    for bi, bf, _ in matched_bands("unmask", img, fill):
        def fill_fn(grid: Grid, px, extent=bi.extent, same=sameFootprint):
            (v, m), (fv, fm) = px
            valid = m > 0
            values = np.where(valid, v, fv)
            new_mask = np.where(valid, m, fm)
            if same and extent is not None:
                new_mask = new_mask * inside_extent(grid, extent)
            return values, new_mask.astype(np.float32)
        out.append(bi.derive(GridRecipe(fill_fn, (bi.recipe, bf.recipe))))
    return img.with_bands(out)


@algorithm("Image.clip", returns=IMG, input=IMG, geometry="Object")
def clip(input: Image, geometry) -> Image:
    img = as_image(input, "input")
    geom = as_geometry(geometry)

    def clip_fn(grid: Grid, px):
        v, m = px[0]
        shape = geom.to(grid.crs)
        if shape.is_empty:
            return v, np.zeros_like(m)
        outside = geometry_mask([shape], out_shape=grid.shape, transform=grid.transform, all_touched=False)
        return v, np.where(outside, 0.0, m).astype(np.float32)

    return img.with_bands([b.derive(GridRecipe(clip_fn, (b.recipe,))) for b in img.bands],
                          **{"system:footprint": geom})


@algorithm("Image.where", returns=IMG, input=IMG, test=IMG, value=IMG)
def where(input: Image, test: Image, value: Image) -> Image:
    """EE: where `test` is unmasked and nonzero and `value` is unmasked, output `value`; elsewhere the input.
    The input's mask is kept."""
    img, tst, val = as_image(input, "input"), as_image(test, "test"), as_image(value, "value")
    out = []
    for bi, bt, _ in matched_bands("where", img, tst):
        bv = val.bands[0] if len(val.bands) == 1 else val.bands[img.bands.index(bi)]

        def pick(px):
            (v, m), (t, tm), (x, xm) = px
            use = (tm > 0) & (t != 0) & (xm > 0)
            return np.where(use, x, v), m

        dtype = np.result_type(bi.dtype, bv.dtype)
        out.append(bi.derive(MapRecipe(pick, (bi.recipe, bt.recipe, bv.recipe)), dtype=dtype))
    if len(val.bands) not in (1, len(img.bands)):
        raise InvalidArgument(f"Image.where: 'value' must have 1 or {len(img.bands)} bands, got {len(val.bands)}.")
    return img.with_bands(out)


@algorithm("Image.selfMask", returns=IMG, image=IMG)
def self_mask(image: Image) -> Image:
    """updateMask(image): pixels whose value is 0 become masked (EE)."""
    img = as_image(image)
    return img.with_bands([update_mask(Image([b]), Image([b])).bands[0] for b in img.bands])


@algorithm("Image.blend", returns=IMG, bottom=IMG, top=IMG)
def blend(bottom: Image, top: Image) -> Image:
    """Alpha-composite `top` over `bottom` using the masks as opacity (the 'over' operator):
    mask = mt + mb(1 - mt), value = (vt mt + vb mb (1 - mt)) / mask. Band names come from `bottom` (from `top`
    when a one-band bottom is replicated over a multi-band top)."""
    b_img, t_img = as_image(bottom, "bottom"), as_image(top, "top")
    out = []
    for bb, bt, name in matched_bands("blend", b_img, t_img):
        def over(px):
            (vb, mb), (vt, mt) = px
            mb, mt = mb.astype(np.float64), mt.astype(np.float64)
            mask = mt + mb * (1 - mt)
            with np.errstate(all="ignore"):
                value = np.where(mask > 0, (vt * mt + vb * mb * (1 - mt)) / np.where(mask > 0, mask, 1), 0.0)
            return value, mask.astype(np.float32)

        dtype = np.result_type(bb.dtype, bt.dtype)
        out.append(Band(name, dtype, bb.projection, MapRecipe(over, (bb.recipe, bt.recipe)), bb.extent or bt.extent))
    return b_img.with_bands(out)


@algorithm("Image.clipToCollection", returns=IMG, input=IMG, collection="FeatureCollection")
def clip_to_collection(input: Image, collection: Collection) -> Image:
    """Clip to the union of the collection's geometries (pixel-centre rule, as Image.clip)."""
    return clip(input, as_collection(collection))
