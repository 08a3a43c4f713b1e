"""What an evaluation can see: the data catalog, the project, and the folder standing in for Cloud Storage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ee_assets.local.catalog.catalog import Catalog


@dataclass
class EvalContext:
    catalog: Catalog
    project: str = "local"
    # Where gs://BUCKET/PATH is read from (<bucket_root>/BUCKET/PATH, as exports write it); None: no gs:// reads.
    bucket_root: Path | None = None
