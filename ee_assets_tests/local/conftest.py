"""The `ee` fixture of the local backend tests (a module may define its own): the real client on a server whose
catalog holds the small scene (support/scene.py: I/m, C/s, T/t) and the two-band image I/ab
(support/image_fixtures.py)."""

from __future__ import annotations

import pytest

from ee_assets_tests.support.image_fixtures import ab_catalog
from ee_assets_tests.support.scene import scene_catalog


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on({**scene_catalog(tmp_path), **ab_catalog(tmp_path)})
