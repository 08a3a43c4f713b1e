"""The per-request budget: what it charges, releases and refuses, and the tile sizes it leads to."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from ee_assets.local import budget
from ee_assets.local.algorithms.image.texture import glcm_texture
from ee_assets.local.algorithms.image_collection.composite import composite
from ee_assets.local.algorithms.kernels import SHAPES
from ee_assets.local.algorithms.lists import flat_length
from ee_assets.local.budget import Budget
from ee_assets.local.errors import ComputationTimedOut, RequestCancelled, UserMemoryLimitExceeded
from ee_assets.local.kernels.tiles import MIN_TILE_PIXELS, TILE_PIXELS, tile_pixels_for
from ee_assets.local.kernels.working_set import bytes_per_pixel
from ee_assets.local.values.elements import Collection
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Image, constant_band

MIB = 1 << 20


def test_without_a_budget_everything_passes():
    budget.require(1 << 40, "anything")
    budget.check()
    with budget.holding(1 << 40, "anything"):
        budget.charge_pixels(1 << 40)


def test_a_value_larger_than_a_quarter_of_the_budget_is_refused_before_it_is_made():
    with budget.active(Budget(64 * MIB, 60)):
        budget.require(16 * MIB, "String.cat")
        with pytest.raises(UserMemoryLimitExceeded, match=r"^User memory limit exceeded\. \(String\.cat would"):
            budget.require(16 * MIB + 1, "String.cat")


def test_pixel_charges_are_released_with_their_scope():
    limit = Budget(64 * MIB, 60)
    with budget.active(limit):
        with budget.pixel_scope():
            budget.charge_pixels(MIB)  # 12 MiB
            assert limit.used == 12 * MIB
        assert limit.used == 0 and limit.peak == 12 * MIB
        with budget.pixel_scope(), pytest.raises(UserMemoryLimitExceeded, match="already in use"):
            for _ in range(6):
                budget.charge_pixels(MIB)
        assert limit.used == 0


def test_a_cancelled_or_late_request_stops_at_its_next_check():
    late = Budget(64 * MIB, time_s=0.0)
    with budget.active(late), pytest.raises(ComputationTimedOut, match=r"^Computation timed out\."):
        budget.charge_pixels(1)
    cancelled = Budget(64 * MIB, 60)
    cancelled.cancel()
    with budget.active(cancelled), pytest.raises(RequestCancelled):
        budget.check()


def test_work_that_cannot_finish_in_time_is_refused_at_once():
    with budget.active(Budget(64 * MIB, 300)):
        budget.require_pixel_time(1e9, "Image.reduceRegion")
        with pytest.raises(ComputationTimedOut, match="would evaluate 1e\\+12 pixels"):
            budget.require_pixel_time(1e12, "Image.reduceRegion")


def _composite(n: int, stat: str = "median") -> Image:
    images = [Image([constant_band(i, "b")]) for i in range(n)]
    return composite(f"reduce.{stat}", Collection(images, {}, "ImageCollection"), stat)


def test_the_working_set_counts_the_inputs_and_what_stacks_them():
    one, streamed, stacked = (bytes_per_pixel(_composite(n, stat).bands) for n, stat in
                              ((1, "median"), (74, "median"), (74, "stdDev")))
    assert one < 74 * 12 <= streamed < stacked  # median streams through its inputs; stdDev stacks them first
    assert stacked >= 74 * (12 + 9)


def test_tiles_shrink_to_fit_the_budget_and_too_little_is_refused():
    bands = _composite(74, "stdDev").bands
    assert tile_pixels_for(bands, 10**8) == TILE_PIXELS  # no budget: the usual tiles
    with budget.active(Budget(1 << 30, 60)):
        tile = tile_pixels_for(bands, 10**8)
        assert MIN_TILE_PIXELS <= tile < TILE_PIXELS
        assert 2 * tile * bytes_per_pixel(bands) <= 1 << 30  # the two tiles evaluated at once fit
    with budget.active(Budget(8 * MIB, 60)), pytest.raises(UserMemoryLimitExceeded, match="does not fit"):
        tile_pixels_for(bands, 10**8)


def test_flatten_counts_shared_lists_as_often_as_it_would_copy_them():
    inner = list(range(1000))
    assert flat_length([inner] * 1000) == 1_000_000
    assert flat_length([[inner, [1, 2]], 3]) == 1003
    assert flat_length(np.arange(3).tolist()) == 3


def test_a_neighbourhood_recipe_sizes_tiles_by_its_scratch_memory_and_holds_it_while_it_computes():
    """glcmTexture stacks a window of pairs per pixel: the tiles shrink for it, and a grid whose scratch memory does
    not fit is refused before any is allocated."""
    plain = Image([constant_band(7, "b")])
    texture = glcm_texture(plain, size=3)
    assert bytes_per_pixel(texture.bands) > bytes_per_pixel(plain.bands) + 49 * 200  # 49 pairs of ~200 bytes
    with budget.active(Budget(1 << 30, 60)):
        assert tile_pixels_for(texture.bands, 10**8) * bytes_per_pixel(texture.bands) <= 1 << 30
    grid = Grid("EPSG:32610", Affine(10, 0, 500_000, 0, -10, 4_200_000), 2000, 2000)
    with budget.active(Budget(256 * MIB, 60)), budget.pixel_scope(), \
            pytest.raises(UserMemoryLimitExceeded, match="GlcmRecipe on 2,000 x 2,000 pixels"):
        texture.bands[0].recipe.evaluate(grid)


def test_a_huge_kernel_is_refused_before_its_grids_are_made():
    kernel = SHAPES["square"](1e6)  # 4e12 cells
    with budget.active(Budget(64 * MIB, 60)), pytest.raises(UserMemoryLimitExceeded, match="kernel of radius"):
        kernel.weights()
    assert SHAPES["square"](1).weights()[0].shape == (3, 3)
