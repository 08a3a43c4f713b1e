"""The code location: `dg` (from the repository root) and `dagster dev -w workspace.yaml` load `defs`.

Everything comes from the `ee_assets/defs/` folder: one folder per computation (a `defs.yaml` for the Earth
Engine components, or plain Python modules) and `resources.py`.

The tree is built from the package itself rather than found through pyproject.toml's `[tool.dg]`, so the code
location also loads from an installed wheel (`pip install ee_assets`), where no pyproject.toml is shipped.
"""

import warnings
from pathlib import Path

import dagster as dg

import ee_assets.defs

with warnings.catch_warnings():  # as load_from_defs_folder does: the component machinery's own beta/preview notes
    warnings.simplefilter("ignore", dg.BetaWarning)
    warnings.simplefilter("ignore", dg.PreviewWarning)
    defs = dg.ComponentTree.from_module(defs_module=ee_assets.defs, project_root=Path(__file__).parents[1]).build_defs()
