"""`output: export`: run the computation as an Earth Engine batch export (no size or time limit) instead of an
interactive request, and where its files go.

```yaml
output: export
export:
  destination: gs://my-bucket/ee       # files: <destination>/<asset>/[<grid>/]<partition>.<ext> (or shards)
  # destination: projects/my-project/assets/ndvi   # an EE asset: <id>_[<grid>_]<partition>
  format: geotiff                      # image: geotiff (cloud-optimized by default); table: geojson or csv
```
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ee_assets.components.options_base import StrictModel

GS_DESTINATION = re.compile(r"gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[^\s]*)?")
ASSET_DESTINATION = re.compile(r"(projects/[a-z0-9-]+/assets|users/[A-Za-z0-9_-]+)(/[A-Za-z0-9_-]+)+")
ExportFormat = Literal["geotiff", "geojson", "csv"]
FILE_FORMATS = {"geotiff": "GeoTIFF", "geojson": "GeoJSON", "csv": "CSV"}
EXTENSIONS = {"geotiff": "tif", "geojson": "geojson", "csv": "csv"}


class ExportOptions(StrictModel):
    """Where and how a batch export writes its result."""

    destination: str = Field(description="gs://bucket/prefix for files, or an EE asset id (projects/<project>/"
                             "assets/<path> or users/<name>/<path>).")
    format: ExportFormat | None = Field(default=None, description="geotiff (images), geojson or csv (tables); "
                                        "default: geotiff for images, geojson for tables.")
    cloud_optimized: bool = Field(default=True, description="Images: write Cloud Optimized GeoTIFFs.")
    file_dimensions: int | tuple[int, int] | None = Field(
        default=None, description="Images: pixels per side of each file (a multiple of shard_size); larger "
                                  "exports are split into <prefix>-<yMin>-<xMin>.tif. Default: EE's.")
    shard_size: int = Field(default=256, gt=0, multiple_of=16, description="Images: GeoTIFF tile size in pixels.")
    max_pixels: int = Field(default=100_000_000, gt=0, description="Images: the most pixels the export may have "
                            "(EE's maxPixels, default 1e8).")
    poll_seconds: float = Field(default=10.0, gt=0, description="First wait between status polls; grows 1.5x "
                                "per poll up to max_poll_seconds.")
    max_poll_seconds: float = Field(default=60.0, gt=0, description="Longest wait between status polls.")

    @field_validator("destination")
    @classmethod
    def _destination(cls, value: str) -> str:
        value = value.rstrip("/")
        if value.startswith("gs://"):
            if not GS_DESTINATION.fullmatch(value):
                raise ValueError(f"destination {value!r} is not gs://bucket[/prefix] with a valid bucket name "
                                 "(3-222 lowercase letters, digits, '-', '_', '.').")
            return value
        if not ASSET_DESTINATION.fullmatch(value):
            raise ValueError(f"destination {value!r} is neither gs://bucket/prefix nor an EE asset id "
                             "(projects/<project>/assets/<path> or users/<name>/<path>).")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ExportOptions:
        dims = self.file_dimensions
        sides = (dims, dims) if isinstance(dims, int) else dims
        if sides is not None and any(s <= 0 or s % self.shard_size for s in sides):
            raise ValueError(f"file_dimensions {dims} must be positive multiples of shard_size ({self.shard_size}).")
        if self.max_poll_seconds < self.poll_seconds:
            raise ValueError("max_poll_seconds must be at least poll_seconds.")
        return self

    @property
    def to_asset(self) -> bool:
        return not self.destination.startswith("gs://")

    def target(self, asset_folder: str, partition: str | None, grid: str | None = None) -> dict[str, str]:
        """The export's destination for one asset, partition and grid: {bucket, prefix} or {asset_id}."""
        leaf = partition or asset_folder.rsplit("/", 1)[-1]
        if self.to_asset:
            suffix = "_".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in (grid, leaf) if p)
            return {"asset_id": f"{self.destination}_{suffix}"}
        bucket, _, base = self.destination[len("gs://"):].partition("/")
        prefix = "/".join(p for p in (base, asset_folder, grid, leaf) if p)
        return {"bucket": bucket, "prefix": prefix}

    def target_uri(self, target: dict[str, str]) -> str:
        """gs://bucket/prefix, or the asset id."""
        return target.get("asset_id") or f"gs://{target['bucket']}/{target['prefix']}"
