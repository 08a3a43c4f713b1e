"""Import rules the import-linter contracts (pyproject.toml) cannot state: no module imports another module's
_private name, imports are at module level except for the optional dependencies, and the Dagster definitions with
EE_BACKEND=earthengine do not load the local backend."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import ee_assets

PACKAGE = Path(ee_assets.__file__).parent
# Imported on first use on purpose: SciPy and scikit-learn are heavy and only a few algorithms need them, jsonnet
# only builds the public catalog's facts (the catalog-build extra), tifffile is imported when an uncompressed GeoTIFF is
# first read (its import takes ~0.1 s), redis is the optional `redis` extra, dagster_celery
# the optional `celery` extra (only with EE_CELERY_BROKER_URL), and the Dagster resource starts the local backend only
# when EE_BACKEND=local.
FUNCTION_LEVEL_ALLOWED = {
    ("local/algorithms/support/optional.py", "scipy"),
    ("local/algorithms/support/optional.py", "scipy.sparse"),
    ("local/algorithms/support/optional.py", "sklearn"),
    ("local/catalog/public/snapshot.py", "_jsonnet"),
    ("local/catalog/uncompressed_tiff.py", "tifffile"),
    ("defs/local_backend.py", "ee_assets.local"),
    ("transport/budget.py", "redis"),
    ("defs/executor.py", "dagster_celery"),
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield str(path.relative_to(PACKAGE)), ast.parse(path.read_text())


def test_no_module_imports_a_private_name_of_another():
    found = [f"{name}:{node.lineno}: {node.module}.{alias.name}" for name, tree in _modules() for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ee_assets")
             for alias in node.names if alias.name.startswith("_")]
    assert not found, found


def test_imports_are_at_module_level():
    found = []
    for name, tree in _modules():
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                        if (name, module) not in FUNCTION_LEVEL_ALLOWED:
                            found.append(f"{name}:{node.lineno}: {module}")
    assert not found, found


def test_earthengine_definitions_do_not_load_the_local_backend():
    code = "import ee_assets.definitions, sys; print(sorted(m for m in sys.modules if m.startswith('ee_assets.local')))"
    env = {**os.environ, "EE_BACKEND": "earthengine"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "[]", out.stdout
