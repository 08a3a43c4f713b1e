"""The production install: the code location imports on Earth Engine without the local backend's dependencies.

Each check runs in a fresh interpreter whose import system refuses numba, scikit-learn and scipy, as if they were not
installed (`check_fresh_install.py` next to this file does the same in a real virtualenv with `pip install .`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ee_assets.extras import EXTRAS
from ee_assets_tests.support.defs import REPO
from ee_assets_tests.support.no_network import subprocess_pythonpath

HEAVY = EXTRAS["local"]

BLOCKER = """
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    # Behaves as if the local backend's dependencies were not installed.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
BLOCKED = set(sys.argv[1].split(","))
sys.meta_path.insert(0, Refuse())
"""


def run_without_heavy(tmp_path: Path, code: str, backend: str) -> dict:
    env = {**os.environ, "EE_BACKEND": backend, "PYTHONPATH": subprocess_pythonpath(tmp_path / "guard"),
           "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", BLOCKER + code, ",".join(HEAVY)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_code_location_loads_on_earth_engine_without_the_local_backends_dependencies(tmp_path):
    report = run_without_heavy(tmp_path, """
import json
from ee_assets.definitions import defs
graph = defs.resolve_asset_graph()
print(json.dumps({"assets": len(list(graph.get_all_asset_keys())),
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
                  "local_backend_loaded": any(m.startswith("ee_assets.local") for m in sys.modules)}))
""", backend="earthengine")
    assert report["assets"] >= 5
    assert report["loaded"] == [] and report["local_backend_loaded"] is False


def test_the_local_backend_without_its_extra_says_which_extra_to_install(tmp_path):
    report = run_without_heavy(tmp_path, """
import json
from ee_assets.definitions import defs
try:
    defs.resources["earth_engine"].connect()
except ImportError as e:
    print(json.dumps({"error": str(e)}))
else:
    print(json.dumps({"error": None}))
""", backend="local")
    assert report["error"] is not None
    assert "pip install 'ee_assets[local]'" in report["error"] and "EE_BACKEND=earthengine" in report["error"]
    assert all(module in report["error"] for module in HEAVY)


def test_the_code_location_loads_from_a_built_wheel_without_the_source_tree(tmp_path):
    """An installed wheel has no pyproject.toml: the definitions must not need dg's project file to load."""
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".dagster", "outputs", "test-artifacts", "build", "*.egg-info", "__pycache__", ".*_cache"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                            "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("ee_assets-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:  # what pip install puts in site-packages for a pure-Python wheel
        archive.extractall(site)
    work = tmp_path / "work"
    (work / "dagster_home").mkdir(parents=True)
    env = {**os.environ, "EE_BACKEND": "earthengine", "DAGSTER_HOME": str(work / "dagster_home"),
           "PYTHONPATH": os.pathsep.join([str(site), subprocess_pythonpath(tmp_path / "guard")])}
    done = subprocess.run([sys.executable, "-c", """
import json, ee_assets
from ee_assets.definitions import defs
print(json.dumps({"file": ee_assets.__file__, "assets": len(list(defs.resolve_asset_graph().get_all_asset_keys()))}))
"""], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(site)
    assert report["assets"] >= 5
