"""Check the slim production install in a fresh virtualenv (run by hand; it uses pip, so it may reach PyPI).

    .venv/bin/python ee_assets_tests/packaging/check_fresh_install.py [--keep DIR]

Creates a virtualenv, runs `pip install <repo>` with no extras, and checks that `ee_assets.definitions` imports
with EE_BACKEND=earthengine, that none of the local backend's dependencies got installed, and that EE_BACKEND=local
fails with the error naming the extra. Prints one line per check; exit status 1 if one fails. Not collected by
pytest: tests must not touch the internet.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY_DISTRIBUTIONS = ("numba", "llvmlite", "scikit-learn", "scipy")

PROBE = """
import json, os, sys
from ee_assets.definitions import defs
graph = defs.resolve_asset_graph()
result = {"assets": len(list(graph.get_all_asset_keys())),
          "heavy_loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("numba", "sklearn", "scipy"))}
from ee_assets.defs.resources import EarthEngineResource
try:  # the code location's resource reads EE_BACKEND when the definitions load: ask for the local backend here
    EarthEngineResource(backend="local").connect()
    result["local_error"] = None
except ImportError as e:
    result["local_error"] = str(e)
print(json.dumps(result))
"""


def pip(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "--quiet", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pip {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the virtualenv here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="ee-assets-slim-"))
    venv = root / "venv"
    python = venv / "bin" / "python"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip(python, "install", "--upgrade", "pip")
    # A copy of the source tree, so the build does not write into the repository (egg-info, build/).
    source = root / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".dagster", "outputs", "test-artifacts", "build", "*.egg-info", "__pycache__", ".*_cache"))
    pip(python, "install", str(source))
    installed = {line.split("==")[0].lower() for line in subprocess.run(
        [str(python), "-m", "pip", "freeze"], check=True, capture_output=True, text=True).stdout.splitlines()}
    work = root / "work"
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EE_BACKEND": "earthengine", "DAGSTER_HOME": str(work / "dagster_home")}
    env.pop("PYTHONPATH", None)
    probe = subprocess.run([str(python), "-c", PROBE], cwd=work, env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        print(probe.stderr[-3000:])
        print("FAIL: importing ee_assets.definitions with EE_BACKEND=earthengine")
        return 1
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    checks = [
        (f"pip install . (no extras) into a fresh virtualenv: {len(installed)} distributions", True),
        (f"not installed: {', '.join(HEAVY_DISTRIBUTIONS)}", not installed & set(HEAVY_DISTRIBUTIONS)),
        (f"EE_BACKEND=earthengine: ee_assets.definitions loads {report['assets']} assets", report["assets"] >= 5),
        ("EE_BACKEND=earthengine: imports none of numba, sklearn, scipy", report["heavy_loaded"] == []),
        (f"EE_BACKEND=local says: {report['local_error']}",
         bool(report["local_error"]) and "pip install 'ee_assets[local]'" in report["local_error"]),
    ]
    for text, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {text}")
    print(f"({time.monotonic() - started:.0f} s{f'; virtualenv kept in {venv}' if args.keep else ''})")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
