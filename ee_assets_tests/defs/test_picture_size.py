"""A picture's size is validated the way the server counts it: the visualization's bands before rendering, each
with a mask byte (EE's 48 MiB computePixels limit) — so a grid that validates is never refused at run time.

Before, the picture was counted as its 8-bit rendering: a 1500 × 1500 composite passed validation, and every run
then failed on EE's "Total request size" error.
"""

from __future__ import annotations

import ee
import pytest
from pydantic import ValidationError

from ee_assets.components.options import ImageOptions
from ee_assets.defs.s2_composite.graph import composite
from ee_assets.graphs.areas import grid_region

UPPER_LEFT = [-121.58626826832939, 38.059141484827485]  # the tutorial's point (defs/s2_composite/defs.yaml)
VISUALIZATION = {"bands": ["B4", "B3", "B2"], "min": 0, "max": 3000}


def composite_options(width: int, height: int) -> ImageOptions:
    """s2_composite's options (as in its defs.yaml) on a grid of width × height pixels of 10 m."""
    return ImageOptions(asset_key="s2_composite", graph="graph.py:composite", params={
        "collection": "COPERNICUS/S2_HARMONIZED"}, partitions={"monthly": {"start": "2020-01-01"}},
        grids={"delta": {"crs": "EPSG:4326", "upper_left": UPPER_LEFT, "scale_m": 10, "width": width,
                         "height": height}}, bands=["B2", "B3", "B4", "B8"], visualization=VISUALIZATION)


def server_picture(image: ee.Image, grid: dict) -> str:
    """'ok', or the server's error message, for the picture request the component sends."""
    try:
        ee.data.computePixels({"expression": image, "fileFormat": "PNG", "grid": grid, "bandIds": ["B4", "B3", "B2"],
                               "visualizationOptions": {"ranges": [{"min": 0, "max": 3000}] * 3}})
        return "ok"
    except ee.EEException as e:
        return str(e)


def test_a_picture_that_validates_is_never_refused_for_its_size(ee_local):
    """The issue's case: the composite's picture on a 1500² grid. The server refuses it (float bands before
    visualization); validation now refuses it too, naming the count."""
    grid = composite_options(640, 640).grids["delta"].model_copy(update={"width": 1500, "height": 1500})
    image = composite("2020-06-01", "2020-07-01", grid_region(grid.pixel_grid()), "COPERNICUS/S2_HARMONIZED")
    assert "Total request size (60750000 bytes) must be less than or equal to 50331648" in server_picture(
        image, grid.pixel_grid().to_json())
    with pytest.raises(ValidationError) as caught:
        composite_options(1500, 1500)
    assert "a 1500x1500 picture is too large for one computePixels request (60750000 of 50331648 bytes" in str(
        caught.value)
    assert "before visualization" in str(caught.value)


@pytest.mark.parametrize("side, fits", [(1365, True), (1366, False)])
def test_validation_and_the_server_agree_at_the_limit_for_the_widest_bands(ee_local, side, fits):
    """Three float64 bands (EE's widest type): 27 bytes a pixel; 1365² fits in 48 MiB, 1366² does not."""
    image = ee.Image.constant([100, 200, 300]).toDouble().rename(["B4", "B3", "B2"])
    grid = {"crsCode": "EPSG:32610", "dimensions": {"width": side, "height": side},
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 600000, "shearY": 0, "scaleY": -10,
                                "translateY": 4300000}}
    answer = server_picture(image, grid)
    assert (answer == "ok") is fits, answer
    if fits:
        composite_options(side, side)
    else:
        with pytest.raises(ValidationError, match=f"a {side}x{side} picture is too large"):
            composite_options(side, side)
