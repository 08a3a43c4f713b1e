"""What an Earth Engine computation's YAML (or the factory's keyword arguments) may say, validated.

Unknown keys are errors (`dg check yaml` names their line), sizes must be positive and within EE's request
limits, CRSs must be known to pyproj and cover their grids. The graph functions are checked separately, once
their files can be found (`ee_assets.components.graph_functions`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from matplotlib import colormaps
from pydantic import Field, field_validator, model_validator

from ee_assets import limits
from ee_assets.components.automation import AutomationOptions, FreshnessOptions, ScheduleOptions
from ee_assets.components.export_options import ExportOptions
from ee_assets.components.grids import GridOptions
from ee_assets.components.options_base import StrictModel
from ee_assets.components.partitions import PartitionsOptions

ASSET_KEY = r"^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*$"
NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
GRID_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
FUNCTION_REF = r"^[^:\s]+:[A-Za-z_][A-Za-z0-9_]*$"
DEFAULT_POOL = "earth_engine"


class AssetOptions(StrictModel):
    """What every Earth Engine computation has: the assets, the graph, partitions, metadata and automation."""

    asset_key: str = Field(pattern=ASSET_KEY, description="The result asset's key (parts joined by '/'); the "
                           "expression asset is <asset_key>_expression.")
    graph: str = Field(pattern=FUNCTION_REF, description="'graph.py:function' (a file next to defs.yaml) or "
                       "'package.module:function': fn(start, end, **params) returning the EE object.")
    params: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the graph function.")
    partitions: PartitionsOptions | None = Field(default=None, description="{monthly|daily|weekly|yearly: "
                                                 "{start: YYYY-MM-DD}}; unset: one unpartitioned asset.")
    counts: str | None = Field(default=None, pattern=FUNCTION_REF, description=(
        "A function with the graph's arguments returning an ee.Dictionary of counts (or an ee.Number): recorded "
        "as metadata, a zero count fails the partition before computing, and a table must have their product "
        "of rows."))
    group: str | None = Field(default=None, pattern=NAME, description="Asset group; default: the asset key's "
                              "last part.")
    owners: list[str] = Field(default_factory=list, description="e.g. ['team:earth-observation', 'me@x.org'].")
    kinds: list[str] = Field(default_factory=list, description="Kinds added to the defaults (earthengine, ...).")
    tags: dict[str, str] = Field(default_factory=dict, description="Asset tags.")
    description: str | None = Field(default=None, description="The result asset's description.")
    pool: str = Field(default=DEFAULT_POOL, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Concurrency pool of the step that calls Earth Engine.")
    schedule: ScheduleOptions | None = None
    automation: AutomationOptions | None = None
    freshness: FreshnessOptions | None = None
    output: Literal["compute", "export"] = Field(default="compute", description=(
        "compute: an interactive request (computeFeatures / computePixels) whose answer is stored in the output "
        "store; export: an EE batch export (no size or time limit) to `export.destination`."))
    export: ExportOptions | None = Field(default=None, description="Where and how `output: export` writes.")

    @model_validator(mode="after")
    def _output(self) -> AssetOptions:
        if self.output == "export" and self.export is None:
            raise ValueError("output: export needs an `export:` block with a destination (gs://bucket/prefix or an "
                             "EE asset id).")
        if self.output != "export" and self.export is not None:
            raise ValueError("export: is set but output is 'compute'; add `output: export` to export, or remove "
                             "the export block.")
        return self

    @property
    def exporting(self) -> bool:
        return self.output == "export"


class TableChecksOptions(StrictModel):
    """The table's checks: the row count (always) and declared value ranges per property."""

    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Property -> [min, max]: every non-null value must lie inside, "
                                          "e.g. {NDVI: [-1, 1]}.")
    blocking: bool = Field(default=True, description="A failed check stops assets downstream.")

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (lo, hi) in ranges.items():
            if lo > hi:
                raise ValueError(f"ranges.{name}: [{lo}, {hi}] has min > max.")
        return ranges


class TablePreviewOptions(StrictModel):
    """A choropleth of one numeric property (its mean per region when a region has several rows)."""

    column: str = Field(description="The numeric property to map, e.g. NDVI.")
    colormap: str = Field(default="YlGn", description="A matplotlib colormap name.")

    @field_validator("colormap")
    @classmethod
    def _known_colormap(cls, name: str) -> str:
        if name not in colormaps:
            raise ValueError(f"colormap {name!r} is not a matplotlib colormap (e.g. YlGn, viridis, RdBu).")
        return name


class TableOptions(AssetOptions):
    """A table computation: table:computeFeatures over all pages, stored as GeoJSON and GeoParquet."""

    checks: TableChecksOptions = Field(default_factory=TableChecksOptions)
    preview: TablePreviewOptions | None = None

    @model_validator(mode="after")
    def _export_format(self) -> TableOptions:
        if self.export is not None:
            if self.export.format == "geotiff":
                raise ValueError("export.format: a table exports as geojson or csv, not geotiff.")
            if self.export.file_dimensions is not None:
                raise ValueError("export.file_dimensions applies to image exports only.")
        return self


class ImageChecksOptions(StrictModel):
    """The image's checks: not entirely masked, and the GeoTIFF has the requested grid."""

    blocking: bool = Field(default=True, description="A failed check stops assets downstream.")


class VisualizationOptions(StrictModel):
    """How to render the picture (EE's visualizationOptions): 1 or 3 bands stretched from min to max."""

    bands: list[str] = Field(min_length=1, max_length=3, description="1 band (grey or palette) or 3 (RGB).")
    min: float | list[float] = Field(default=0, description="Value shown black (one per band, or one for all).")
    max: float | list[float] = Field(default=1, description="Value shown white.")
    gamma: float | None = Field(default=None, gt=0)
    palette: list[str] | None = Field(default=None, min_length=2, description="Colours ('ff0000' or 'red'); "
                                      "one band only.")

    @model_validator(mode="after")
    def _consistent(self) -> VisualizationOptions:
        if len(self.bands) == 2:
            raise ValueError("visualization.bands must be 1 band or 3 (red, green, blue).")
        for name in ("min", "max"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) not in (1, len(self.bands)):
                raise ValueError(f"visualization.{name} needs one value or one per band ({len(self.bands)}).")
        if self.palette and len(self.bands) != 1:
            raise ValueError("visualization.palette needs exactly one band.")
        return self

    def request_options(self) -> dict:
        """computePixels' visualizationOptions."""
        count = len(self.bands)
        lows = self.min if isinstance(self.min, list) else [self.min]
        highs = self.max if isinstance(self.max, list) else [self.max]
        lows, highs = lows * (count if len(lows) == 1 else 1), highs * (count if len(highs) == 1 else 1)
        options: dict[str, Any] = {"ranges": [{"min": lo, "max": hi} for lo, hi in zip(lows, highs, strict=True)]}
        if self.gamma is not None:
            options["gamma"] = {"value": self.gamma}
        if self.palette:
            options["paletteColors"] = list(self.palette)
        return options


PictureFormat = Literal["png", "jpeg"]
ImageFormat = Literal["geotiff", "png", "jpeg"]


class ImageOptions(AssetOptions):
    """An image computation: image:computePixels on each grid, stored as a GeoTIFF (and a picture)."""

    grids: dict[Annotated[str, Field(pattern=GRID_NAME)], GridOptions] = Field(
        min_length=1, description="Grid name (1-64 letters, digits, '_' or '-') -> grid; files go to "
                                  "<asset_key>/<grid>/<partition>.<ext>.")
    bands: list[str] | None = Field(default=None, min_length=1, description="Bands of the analysis GeoTIFF; "
                                    "unset: all the image's bands.")
    visualization: VisualizationOptions | None = Field(default=None, description="Render a picture (PNG) too.")
    formats: list[ImageFormat] | None = Field(default=None, min_length=1, description=(
        "Files per grid: geotiff (always) and png or jpeg (need visualization); default: geotiff, plus png "
        "when visualization is given."))
    checks: ImageChecksOptions = Field(default_factory=ImageChecksOptions)

    @model_validator(mode="after")
    def _formats(self) -> ImageOptions:
        if self.export is not None:
            if self.export.format not in (None, "geotiff"):
                raise ValueError(f"export.format: an image exports as geotiff, not {self.export.format}.")
            if self.formats is not None and self.formats != ["geotiff"]:
                raise ValueError("formats: output: export writes GeoTIFFs only; remove the picture format.")
        formats = self.output_formats()
        if "geotiff" not in formats:
            raise ValueError("formats must include geotiff: the analysis file the checks read.")
        if len(formats) != len(set(formats)):
            raise ValueError(f"formats lists a format twice: {formats}.")
        pictures = [f for f in formats if f != "geotiff"]
        if len(pictures) > 1:
            raise ValueError("formats may hold one picture format (png or jpeg).")
        if pictures and self.visualization is None:
            raise ValueError(f"{pictures[0]} needs visualization (bands, min, max) to render the picture.")
        if pictures:
            self._check_picture_size(len(self.visualization.bands))
        return self

    def _check_picture_size(self, bands: int) -> None:
        """The picture is one computePixels request: it must fit EE's request limits as EE counts them — the
        visualization's bands before rendering, each with a mask byte. Their types are known only when the graph
        runs, so each counts at the widest type (8 bytes): a picture that validates is never refused for its size."""
        for name, options in self.grids.items():
            grid = options.pixel_grid()
            size = limits.compute_pixels_bytes_at_most(grid.width, grid.height, bands)
            if max(grid.width, grid.height) > limits.COMPUTE_PIXELS_MAX_SIDE or size > limits.COMPUTE_PIXELS_MAX_BYTES:
                raise ValueError(
                    f"grids.{name}: a {grid.width}x{grid.height} picture is too large for one computePixels request "
                    f"({size} of {limits.COMPUTE_PIXELS_MAX_BYTES} bytes, at most {limits.COMPUTE_PIXELS_MAX_SIDE} "
                    f"px per side): EE counts its {bands} band(s) before visualization, each up to 8 bytes plus a "
                    "mask byte per pixel. Use fewer pixels or a larger scale, or drop the picture format (the "
                    "GeoTIFF is fetched in tiles, any size).")

    def output_formats(self) -> list[str]:
        if self.export is not None:
            return ["geotiff"]
        if self.formats is not None:
            return list(self.formats)
        return ["geotiff", "png"] if self.visualization is not None else ["geotiff"]

    def picture_format(self) -> PictureFormat | None:
        return next((f for f in self.output_formats() if f != "geotiff"), None)  # type: ignore[return-value]
