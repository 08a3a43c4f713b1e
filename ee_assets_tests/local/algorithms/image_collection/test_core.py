"""ImageCollection algorithms through the real client: merge, combine, getRegion, toBands."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import TO_LONLAT, A, B, pixels


def test_image_collection_merge_combine_and_get_region(ee):
    one = ee.ImageCollection.fromImages([ee.Image("I/ab").select("a").set("system:time_start", 1000)])
    two = ee.ImageCollection.fromImages([ee.Image("I/ab").select("b").set("system:time_start", 2000)])
    merged = one.merge(two)
    assert merged.aggregate_array("system:index").getInfo() == ["1_ab", "2_ab"]
    combined = one.combine(two)
    assert combined.first().bandNames().getInfo() == ["a", "b"]
    lon, lat = TO_LONLAT.transform(1037.0, 1982.0)  # inside native pixel (row 1, col 3)
    table = merged.getRegion(ee.Geometry.Point([lon, lat]), 10, "EPSG:3857").getInfo()
    assert table[0] == ["id", "longitude", "latitude", "time", "a", "b"]
    clon, clat = TO_LONLAT.transform(1035.0, 1985.0)
    assert [row[0] for row in table[1:]] == ["1_ab", "2_ab"]
    np.testing.assert_allclose([table[1][1], table[1][2]], [clon, clat], atol=1e-12)
    assert table[1][3:] == [1000, A[1, 3], None] and table[2][3:] == [2000, None, B[1, 3]]
    with pytest.raises(ee.EEException, match="give 'scale'"):
        merged.getRegion(ee.Geometry.Point([lon, lat])).getInfo()


def test_to_bands_prefixes_image_ids(ee):
    b = ee.Image("I/ab").select("b")
    coll = ee.ImageCollection.fromImages([ee.Image.constant([1, 2]).rename(["a", "b"]), b.multiply(2)])
    stacked = coll.toBands()
    assert stacked.bandNames().getInfo() == ["0_a", "0_b", "ab_b"]  # loaded images keep their own id
    px = pixels(ee, stacked)
    np.testing.assert_array_equal(px["0_b"][0], np.full_like(B, 2))
    np.testing.assert_array_equal(px["ab_b"][0], 2 * B)
