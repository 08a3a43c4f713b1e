"""A tile on which EE runs out of memory or time is split and fetched again, a bounded number of times; the file is
the one an unhindered fetch writes. The local server answers EE's messages for requests over a pixel budget."""

from __future__ import annotations

import hashlib

import pytest

from ee_assets import limits
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.transport.rest import EERequestError
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.tiled_geotiff import MAX_LIMIT_SPLITS, checkpoint_dir, fetch_geotiff
from ee_assets.transport.tiling import DEFAULT_TILE_BYTES, plan_tiles
from ee_assets_tests.support.grids import BANDS, client_for, s2_grid
from ee_assets_tests.support.local_backend import TOKEN

TILE_512 = 512 * 512 * 20  # four float32 bands plus EE's mask byte each: 512² tiles


@pytest.fixture()
def s2_expression(ee_local) -> dict:
    from ee_assets.transport.expression import serialize

    return serialize(ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first().select(BANDS).toFloat())


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("budget, message, cause", [
    ("memory_limit_pixels", "User memory limit exceeded.", "memory_limit"),
    ("time_limit_pixels", "Computation timed out.", "time_limit"),
])
def test_a_tile_over_ees_memory_or_time_limit_is_split_and_the_file_is_the_same(tmp_path, sample_catalog,
                                                                                 s2_expression, budget, message,
                                                                                 cause, caplog):
    grid = s2_grid(1024, 10.0)
    with LocalServer(sample_catalog, token=TOKEN) as plain:
        reference = fetch_geotiff(client_for(plain), s2_expression, grid, tmp_path / "ref.tif", BANDS,
                                  max_tile_bytes=TILE_512)
    # 512² tiles (262,144 px) are over a 90,000-px budget; their halves (131,072) too; their quarters (65,536) not.
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(**{budget: 90_000})) as limited:
        stats = TransferStats()
        result = fetch_geotiff(client_for(limited), s2_expression, grid, tmp_path / "split.tif", BANDS,
                               stats=stats, max_tile_bytes=TILE_512)
        sent = limited.method_counts["image:computePixels"]
    assert reference.tiles == result.tiles == 4
    assert stats.tiles_split == 4 * 3 and stats.retries == {cause: 4 * 3}  # each tile: once, then both halves
    assert sent == 1 + 4 * (1 + 2 + 4)  # the probe; per tile the whole, two halves, four quarters
    assert sha256(tmp_path / "split.tif") == sha256(tmp_path / "ref.tif")
    assert not checkpoint_dir(tmp_path / "split.tif").exists()
    assert any(message in r.getMessage() and "split in two" in r.getMessage() for r in caplog.records)


def test_a_tile_that_keeps_hitting_the_limit_fails_after_a_bounded_number_of_splits(tmp_path, sample_catalog,
                                                                                    s2_expression):
    grid = s2_grid(512, 10.0)
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(memory_limit_pixels=100)) as starved:
        with pytest.raises(EERequestError) as caught:
            fetch_geotiff(client_for(starved), s2_expression, grid, tmp_path / "x.tif", BANDS, workers=1,
                          max_tile_bytes=TILE_512)
        sent = starved.method_counts["image:computePixels"]
    error = caught.value
    assert (error.http_status, error.ee_status, error.resource_limit) == (400, "INVALID_ARGUMENT", "memory")
    assert f"after {MAX_LIMIT_SPLITS} splits" in error.message and "User memory limit exceeded." in error.message
    assert "lower max_tile_bytes" in str(error)
    # The probe, then the tile and one piece per split down the first branch: the failure stops the fetch there.
    assert sent == 1 + 1 + MAX_LIMIT_SPLITS
    assert not (tmp_path / "x.tif").exists()


def test_other_calls_fail_at_once_on_a_memory_limit_with_advice(sample_catalog, ee_local):
    from ee_assets.transport.expression import serialize

    image = ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first().select(BANDS).toFloat()
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(memory_limit_pixels=100)) as starved:
        with pytest.raises(EERequestError) as caught:
            client_for(starved).compute_pixels(serialize(image), s2_grid(64, 10.0), "GEO_TIFF", BANDS)
        assert starved.method_counts["image:computePixels"] == 1  # a 400: never retried as is
    assert not caught.value.transient and "User memory limit exceeded." in str(caught.value)
    assert "a smaller request may succeed" in str(caught.value)


def test_tiles_default_to_an_eighth_of_ees_request_limit():
    assert DEFAULT_TILE_BYTES == limits.COMPUTE_PIXELS_MAX_BYTES // 8
    assert EarthEngineResource().max_tile_bytes == DEFAULT_TILE_BYTES
    # The default composite (640², four float64 bands) is fetched in six tiles of at most 6 MiB.
    tiles = plan_tiles(640, 640, 4 * 9, DEFAULT_TILE_BYTES)
    assert len(tiles) == 6 and all(t.width * t.height * 36 <= DEFAULT_TILE_BYTES for t in tiles)
