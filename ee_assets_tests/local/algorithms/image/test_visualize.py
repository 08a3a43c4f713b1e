"""Image.visualize and randomVisualizer through the real client."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import B, pixels


def test_random_visualizer_gives_equal_values_equal_colours(ee):
    """EE: 'a random color to each unique value of the first band', then the input bands. The colours are not
    EE's; what is checked is that equal values share a colour and distinct ones (here) do not."""
    img = ee.Image("I/ab").select(["b", "a"])
    viz = img.randomVisualizer()
    assert viz.bandNames().getInfo() == ["vis-red", "vis-green", "vis-blue", "b", "a"]
    px = pixels(ee, viz)
    rgb = np.stack([px[n][0] for n in ("vis-red", "vis-green", "vis-blue")], axis=-1)
    assert rgb.min() >= 0 and rgb.max() <= 255
    colours = {}
    for value, colour in zip(B.ravel(), rgb.reshape(-1, 3), strict=True):
        colours.setdefault(value, set()).add(tuple(colour))
    assert all(len(c) == 1 for c in colours.values())
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)
    np.testing.assert_array_equal(px["b"][0], B)
