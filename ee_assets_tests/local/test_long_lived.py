"""The local backend freezes module state out of the garbage collector's full passes (local/long_lived.py): when a
server starts and after a request that imported modules, and not at all with freeze_gc=False. Run in a child
interpreter: freezing is for the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from ee_assets_tests.support.image_fixtures import ab_catalog

CHILD = textwrap.dedent("""
    import gc, json, sys, time
    import ee
    from google.oauth2.credentials import Credentials
    from ee_assets.local import LocalServer, long_lived
    from ee_assets.transport.ee_client import initialize_ee

    catalog, freeze = sys.argv[1], sys.argv[2] == "freeze"
    report = {}

    def settled_freezes():  # the worker freezes after handing over the answer: let it finish
        time.sleep(1.0)
        return long_lived.freezes

    with LocalServer(catalog, token="t", freeze_gc=freeze) as server:
        report["frozen_at_start"] = gc.get_freeze_count()  # objects
        report["freezes_at_start"] = long_lived.freezes
        initialize_ee(Credentials(token="t"), url=server.url, project="p", offline=True)
        image = ee.Image("I/ab")
        modules = len(sys.modules)
        image.reduceRegion(ee.Reducer.mean()).getInfo()  # the first reduction imports and compiles
        report["first_imported"] = len(sys.modules) > modules
        report["freezes_after_first"] = settled_freezes()
        image.reduceRegion(ee.Reducer.mean()).getInfo()  # freezes what the client imported after the first
        report["freezes_after_second"] = settled_freezes()
        modules = len(sys.modules)
        image.reduceRegion(ee.Reducer.mean()).getInfo()
        report["third_imported"] = len(sys.modules) > modules
        report["freezes_after_third"] = settled_freezes()
    print(json.dumps(report))
""")


def run(tmp_path, mode: str) -> dict:
    (tmp_path / "catalog.yaml").write_text(json.dumps({"assets": ab_catalog(tmp_path)}))
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "catalog.yaml"), mode], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_module_state_is_frozen_at_start_and_after_requests_that_import(tmp_path):
    report = run(tmp_path, "freeze")
    assert report["frozen_at_start"] > 10_000  # the interpreter, ee, rasterio, the backend's modules
    assert report["freezes_at_start"] == 1
    assert report["first_imported"], "expected the first reduction to import modules (numba's, the kernels')"
    assert report["freezes_after_first"] > report["freezes_at_start"]
    assert not report["third_imported"]
    assert report["freezes_after_third"] == report["freezes_after_second"]  # nothing imported: no freeze


def test_freeze_gc_false_leaves_collection_alone(tmp_path):
    report = run(tmp_path, "no")
    assert report["frozen_at_start"] == report["freezes_at_start"] == report["freezes_after_third"] == 0
