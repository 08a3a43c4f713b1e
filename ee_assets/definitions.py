"""The code location: `dg` (from the repository root) and `dagster dev -w workspace.yaml` load `defs`.

Everything comes from the `ee_assets/defs/` folder: one folder per computation (a `defs.yaml` for the Earth
Engine components, or plain Python modules) and `resources.py`.
"""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
