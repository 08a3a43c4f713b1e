"""What to compute: NDVI regions and composite AOIs from a YAML file, plus per-run Dagster Config overrides.

The file is `ee_assets/defs/aois.yaml`, or the one named by $EE_AOI_CONFIG. It is read when a run starts, so
editing it needs no code change and no reload. Run config (the Launchpad) can narrow or override it per run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from pydantic import Field

from ee_assets import limits
from ee_assets.graphs.areas import AreaOfInterest
from ee_assets.graphs.composite import VISUAL_BANDS
from ee_assets.graphs.ndvi import DEFAULT_COLLECTION, DEFAULT_REGIONS, RegionFilter

DEFAULT_CONFIG_PATH = Path(__file__).with_name("aois.yaml")
DEFAULT_S2_COLLECTION = "COPERNICUS/S2_HARMONIZED"
AOI_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class ConfigError(ValueError):
    """The AOI config file is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class NdviSettings:
    """Inputs of the NDVI-by-region computation."""

    regions: str = DEFAULT_REGIONS
    collection: str = DEFAULT_COLLECTION
    region_filter: RegionFilter | None = None


@dataclass(frozen=True)
class ComputeSettings:
    """Everything the config file defines."""

    ndvi: NdviSettings
    aois: tuple[AreaOfInterest, ...]
    source: Path


def config_path() -> Path:
    """$EE_AOI_CONFIG if set, else the packaged aois.yaml."""
    env = os.environ.get("EE_AOI_CONFIG", "").strip()
    return Path(env).expanduser() if env else DEFAULT_CONFIG_PATH


def load_settings(path: Path | None = None) -> ComputeSettings:
    """Parse and validate the config file (see aois.yaml for the format)."""
    path = path or config_path()
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"AOI config file {path} does not exist; fix EE_AOI_CONFIG or unset it to use the "
                          f"packaged {DEFAULT_CONFIG_PATH.name}.") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"AOI config file {path} is not valid YAML: {e}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping with 'ndvi' and 'composite' sections.")
    return ComputeSettings(_ndvi(doc.get("ndvi") or {}, path), _aois(doc.get("composite") or {}, path), path)


def _ndvi(section: dict, path: Path) -> NdviSettings:
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'ndvi' must be a mapping.")
    flt = section.get("region_filter")
    region_filter = None
    if flt:
        if not isinstance(flt, dict) or not flt.get("field") or not flt.get("values"):
            raise ConfigError(f"{path}: ndvi.region_filter must look like {{field: NAME, values: [Maine]}}.")
        values = flt["values"] if isinstance(flt["values"], list) else [flt["values"]]
        region_filter = RegionFilter(str(flt["field"]), tuple(str(v) for v in values))
    return NdviSettings(str(section.get("regions") or DEFAULT_REGIONS),
                        str(section.get("collection") or DEFAULT_COLLECTION), region_filter)


def _number(item: dict, key: str, where: str, default: Any = None, integer: bool = False) -> Any:
    value = item.get(key, default)
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if value is None or isinstance(value, bool) or not ok:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{where}: '{key}' must be {kind}, got {value!r}.")
    return value


def _aois(section: dict, path: Path) -> tuple[AreaOfInterest, ...]:
    if not isinstance(section, dict) or not isinstance(section.get("aois"), list) or not section["aois"]:
        raise ConfigError(f"{path}: 'composite.aois' must be a non-empty list of areas of interest.")
    default_collection = str(section.get("collection") or DEFAULT_S2_COLLECTION)
    aois, names = [], set()
    for i, item in enumerate(section["aois"]):
        where = f"{path}: composite.aois[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a mapping with name, x, y, width, height, scale_m, crs.")
        name = str(item.get("name", ""))
        if not AOI_NAME.match(name):
            raise ConfigError(f"{where}: name {name!r} must be 1-64 letters, digits, '_' or '-' (it names files).")
        if name in names:
            raise ConfigError(f"{where}: duplicate AOI name {name!r}.")
        names.add(name)
        where = f"{path}: AOI {name!r}"
        aoi = AreaOfInterest(
            name=name,
            x=float(_number(item, "x", where)),
            y=float(_number(item, "y", where)),
            width=_number(item, "width", where, 640, integer=True),
            height=_number(item, "height", where, 640, integer=True),
            scale_m=float(_number(item, "scale_m", where, 10.0)),
            crs=str(item.get("crs") or "EPSG:4326"),
            collection=str(item.get("collection") or default_collection),
        )
        _check_aoi(aoi, where)
        aois.append(aoi)
    return tuple(aois)


def _check_aoi(aoi: AreaOfInterest, where: str) -> None:
    """Sizes EE accepts: the analysis GeoTIFF is tiled, but the true-colour PNG is one computePixels request."""
    if aoi.width <= 0 or aoi.height <= 0 or aoi.scale_m <= 0:
        raise ConfigError(f"{where}: width, height and scale_m must be positive.")
    size = limits.compute_pixels_bytes(aoi.width, aoi.height, ["uint8"] * len(VISUAL_BANDS))
    if size > limits.COMPUTE_PIXELS_MAX_BYTES or max(aoi.width, aoi.height) > limits.COMPUTE_PIXELS_MAX_SIDE:
        raise ConfigError(f"{where}: a {aoi.width}x{aoi.height} grid is too large for the single computePixels "
                          f"request of its true-colour PNG ({size} of {limits.COMPUTE_PIXELS_MAX_BYTES} bytes, at "
                          f"most {limits.COMPUTE_PIXELS_MAX_SIDE} px per side); use fewer pixels or a larger "
                          "scale_m.")


class NdviConfig(dg.Config):
    """Per-run overrides of the config file's `ndvi` section (leave empty to use the file)."""

    regions: str | None = Field(default=None, description="FeatureCollection id, e.g. TIGER/2018/States.")
    collection: str | None = Field(default=None, description="ImageCollection id, e.g. MODIS/061/MOD13Q1.")
    region_field: str | None = Field(default=None, description="Keep regions whose property equals a value…")
    region_values: list[str] | None = Field(default=None, description="…in this list, e.g. ['Maine'].")

    def resolve(self, settings: ComputeSettings) -> NdviSettings:
        """The file's NDVI settings with this run's overrides applied."""
        ndvi = settings.ndvi
        if self.regions:
            ndvi = replace(ndvi, regions=self.regions)
        if self.collection:
            ndvi = replace(ndvi, collection=self.collection)
        if bool(self.region_field) != bool(self.region_values):
            raise ConfigError("NdviConfig: set both region_field and region_values, or neither.")
        if self.region_field and self.region_values:
            ndvi = replace(ndvi, region_filter=RegionFilter(self.region_field, tuple(self.region_values)))
        return ndvi


class CompositeConfig(dg.Config):
    """Per-run choice of AOIs (by name) from the config file; empty means all of them."""

    aois: list[str] | None = Field(default=None, description="AOI names from the config file; empty = all.")

    def resolve(self, settings: ComputeSettings) -> tuple[AreaOfInterest, ...]:
        """The selected AOIs, in the file's order."""
        if not self.aois:
            return settings.aois
        known = {a.name for a in settings.aois}
        unknown = sorted(set(self.aois) - known)
        if unknown:
            raise ConfigError(f"CompositeConfig: unknown AOI(s) {unknown}; {settings.source} defines "
                              f"{sorted(known)}.")
        return tuple(a for a in settings.aois if a.name in self.aois)
