"""Outputs of one partition replaced together (`Publication`), on a local folder, a file:// URI and a real S3 API
(moto's server on loopback): nothing changes until every output is staged; a failure before that leaves the previous
objects and no partial or staged ones; a stopped publication says what it replaced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ee_assets.files import write_atomic
from ee_assets.storage import Publication, PublishError, Store
from ee_assets_tests.support.s3_server import objects

TIF, PNG = "s2_composite/delta/2020-06-01.tif", "s2_composite/delta/2020-06-01.png"
FARMS_TIF = "s2_composite/farms/2020-06-01.tif"


def previous_run(store: Store) -> dict[str, bytes]:
    for key in (TIF, PNG, FARMS_TIF):
        store.write_bytes(key, f"previous {key}".encode())
    return objects(store)


def scratch_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()]


def test_nothing_changes_until_every_output_is_staged_then_all_are_replaced_in_order(store, tmp_path):
    before = previous_run(store)
    with Publication(store) as outputs:
        outputs.write_bytes(TIF, b"new delta tif")
        outputs.write_with(PNG, lambda p: p.write_bytes(b"new delta png"))
        write_atomic(outputs.stage(FARMS_TIF), lambda p: p.write_bytes(b"new farms tif"))  # a writer of its own
        assert objects(store) == before | (  # staged beside the files in a folder, in local scratch for S3
            {f"s2_composite/delta/.staged-2020-06-01.{e}": f"new delta {e}".encode() for e in ("tif", "png")}
            | {"s2_composite/farms/.staged-2020-06-01.tif": b"new farms tif"} if store.is_local else {})
        uris = outputs.publish()
    assert list(uris) == [TIF, PNG, FARMS_TIF] and uris[TIF] == store.uri(TIF)
    assert objects(store) == {TIF: b"new delta tif", PNG: b"new delta png", FARMS_TIF: b"new farms tif"}
    assert scratch_files(tmp_path) == []


def test_a_failure_before_publishing_leaves_the_previous_outputs_and_nothing_partial(store, tmp_path):
    before = previous_run(store)

    def second_grid_fails(path: Path) -> None:
        path.write_bytes(b"half a GeoTIFF")
        raise RuntimeError("EE failed on the second grid")

    with pytest.raises(RuntimeError, match="second grid"), Publication(store) as outputs:
        outputs.write_bytes(TIF, b"new delta tif")  # the first grid is complete ...
        outputs.write_bytes(PNG, b"new delta png")
        outputs.write_with(FARMS_TIF, second_grid_fails)  # ... the second is not
        outputs.publish()
    assert objects(store) == before  # the first grid's new files did not replace its old ones
    assert scratch_files(tmp_path) == []


def test_a_writers_checkpoints_next_to_the_staging_path_survive_a_failure(store, tmp_path):
    with pytest.raises(RuntimeError), Publication(store) as outputs:
        path = outputs.stage(TIF)
        (path.parent / f"{path.name}.parts").mkdir()  # what the tiled GeoTIFF fetch keeps to resume
        (path.parent / f"{path.name}.parts" / "0_0.tif").write_bytes(b"tile")
        raise RuntimeError("killed half-way")
    with Publication(store) as outputs:
        again = outputs.stage(TIF)
        assert again == path and (again.parent / f"{again.name}.parts" / "0_0.tif").is_file()  # same place: resume
        again.write_bytes(b"mosaic")
        outputs.publish()
    assert store.read_bytes(TIF) == b"mosaic" and store.keys("s2_composite") == [TIF]


def test_publishing_without_a_staged_file_publishes_nothing(store):
    before = previous_run(store)
    with pytest.raises(FileNotFoundError, match="nothing published"), Publication(store) as outputs:
        outputs.write_bytes(TIF, b"new")
        outputs.stage(PNG)  # a writer that never wrote
        outputs.publish()
    assert objects(store) == before


def test_a_publication_stopped_part_way_names_what_it_replaced(tmp_path):
    store = Store.at(tmp_path / "out")
    previous_run(store)
    store.local_path(FARMS_TIF).unlink()
    store.local_path(FARMS_TIF).mkdir()  # the last replacement fails: a folder is in the way
    with pytest.raises(PublishError) as caught, Publication(store) as outputs:
        for key in (TIF, PNG, FARMS_TIF):
            outputs.write_bytes(key, b"new")
        outputs.publish()
    message = str(caught.value)
    assert f"stopped at {FARMS_TIF}" in message and f"replaced: {TIF}, {PNG}" in message
    assert f"still the previous version: {FARMS_TIF}" in message and "Rerun the partition" in message
    assert store.read_bytes(TIF) == b"new" and not list(tmp_path.rglob(".staged-*"))
