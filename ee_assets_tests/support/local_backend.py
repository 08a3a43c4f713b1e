"""What tests need to reach a local server through the real client: its token and project, credentials, catalogs."""

from __future__ import annotations

from pathlib import Path

import yaml
from google.oauth2.credentials import Credentials

TOKEN = "test-token"
PROJECT = "test-project"


def credentials(token: str = TOKEN) -> Credentials:
    return Credentials(token=token)


def write_catalog(folder: Path, assets: dict) -> Path:
    """Write a catalog.yaml into `folder` (for tests that bring their own small data)."""
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump({"assets": assets}, sort_keys=False))
    return path
