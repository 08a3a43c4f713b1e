"""Cloud-masked median composites: the computePixels tutorial (Sentinel-2), parameterized by window and region,
and by bands and cloud mask for other optical collections (Landsat Collection 2: SR_B2..SR_B5, QA_PIXEL bits 3, 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ee

ANALYSIS_BANDS = ("B2", "B3", "B4", "B8")
DEFAULT_COLLECTION = "COPERNICUS/S2_HARMONIZED"


@dataclass(frozen=True)
class CloudMask:
    """Mask the pixels where any of `bits` is set in the QA band `band`: Sentinel-2's QA60 bits 10 (opaque cloud)
    and 11 (cirrus) by default; Landsat Collection 2's QA_PIXEL bits 3 (cloud) and 4 (cloud shadow)."""

    band: str = "QA60"
    bits: tuple[int, ...] = (10, 11)

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> CloudMask | None:
        """From YAML params `{band: QA_PIXEL, bits: [3, 4]}` (None stays None); a clear error for anything else."""
        if params is None:
            return None
        if not isinstance(params, Mapping) or set(params) - {"band", "bits"}:
            raise ValueError(f"cloud_mask takes 'band' (the QA band) and 'bits' (the bits that mean cloud), got "
                             f"{params!r}; e.g. {{band: QA_PIXEL, bits: [3, 4]}}.")
        bits = params.get("bits", cls.bits)
        if not isinstance(bits, Sequence) or not bits or not all(isinstance(b, int) and 0 <= b < 64 for b in bits):
            raise ValueError(f"cloud_mask.bits must be a list of bit numbers (0-63), got {bits!r}.")
        return cls(str(params.get("band", cls.band)), tuple(bits))

    def apply(self, image: ee.Image) -> ee.Image:
        qa = image.select(self.band)
        clear = None
        for bit in self.bits:
            unset = qa.bitwiseAnd(1 << bit).eq(0)
            clear = unset if clear is None else clear.And(unset)
        return image.updateMask(clear)


SENTINEL2_CLOUDS = CloudMask()


def mask_clouds(image: ee.Image) -> ee.Image:
    """Mask pixels flagged as opaque cloud or cirrus in QA60."""
    return SENTINEL2_CLOUDS.apply(image)


def window_images(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION
                  ) -> ee.ImageCollection:
    """The collection's images over `region` with system:time_start in [start, end)."""
    return ee.ImageCollection(collection).filterBounds(region).filterDate(start, end)


def median_composite(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION,
                     bands: Sequence[str] = ANALYSIS_BANDS, cloud_mask: CloudMask = SENTINEL2_CLOUDS) -> ee.Image:
    """Median of the cloud-masked images over `region` with system:time_start in [start, end)."""
    return window_images(start, end, region, collection).map(cloud_mask.apply).median().select(list(bands))


def image_count(start: str, end: str, region: ee.Geometry, collection: str = DEFAULT_COLLECTION) -> ee.Number:
    """How many images the composite for this window and region would combine."""
    return window_images(start, end, region, collection).size()
