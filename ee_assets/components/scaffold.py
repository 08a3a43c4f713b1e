"""`dg scaffold defs ee_assets.EarthEngineTableComponent NAME` (or ...ImageComponent): a working skeleton.

It writes `defs.yaml` and `graph.py` into the new folder; both run as they are on the local backend's sample
catalog (and on Earth Engine), so the next step is to edit them into your computation.
"""

from __future__ import annotations

import re
import textwrap

import dagster as dg
from dagster.components.component_scaffolding import scaffold_component

TABLE_YAML = """\
# {name}: an Earth Engine table computation. Assets: {name}_expression (the request body) and {name}
# (the GeoJSON and GeoParquet). Check with `dg check defs`; run with
# `dg launch --assets {name}_expression,{name} --partition 2020-06-01`.
type: ee_assets.EarthEngineTableComponent
attributes:
  asset_key: {name}
  # fn(start, end, **params) -> ee.FeatureCollection, called with each month's [start, end)
  graph: graph.py:compute
  params: {{regions: TIGER/2018/States, collection: MODIS/061/MOD13Q1}}
  partitions: {{monthly: {{start: "2020-01-01"}}}}
  # every value of `mean` must lie in [-1, 1]; the metadata shows a map of it
  checks: {{ranges: {{mean: [-1, 1]}}}}
  preview: {{column: mean}}
"""

TABLE_GRAPH = '''\
"""{name}: what Earth Engine computes for each month (edit me)."""

import ee


def compute(start: str, end: str, regions: str, collection: str) -> ee.FeatureCollection:
    """The mean NDVI of each region over the images of [start, end)."""
    images = ee.ImageCollection(collection).filterDate(start, end).select("NDVI")
    ndvi = images.mean().multiply(0.0001).setDefaultProjection(images.first().projection())
    return ndvi.reduceRegions(collection=ee.FeatureCollection(regions), reducer=ee.Reducer.mean())
'''

IMAGE_YAML = """\
# {name}: an Earth Engine image computation. Assets: {name}_expression (the request bodies) and {name}
# (a GeoTIFF and a PNG per grid). Check with `dg check defs`; run with
# `dg launch --assets {name}_expression,{name} --partition 2020-06-01`.
type: ee_assets.EarthEngineImageComponent
attributes:
  asset_key: {name}
  # fn(start, end, region, **params) -> ee.Image; region is each grid's footprint
  graph: graph.py:compute
  params: {{collection: COPERNICUS/S2_HARMONIZED}}
  partitions: {{monthly: {{start: "2020-01-01"}}}}
  # name -> grid; files go to <asset_key>/<grid>/<partition>.tif and .png
  grids:
    delta: {{crs: "EPSG:32610", upper_left: [624030, 4213320], scale: 10, width: 400, height: 400}}
  visualization: {{bands: [NDVI], min: 0, max: 0.8, palette: [white, green]}}
"""

IMAGE_GRAPH = '''\
"""{name}: what Earth Engine computes for each month and grid (edit me)."""

import ee


def compute(start: str, end: str, region: ee.Geometry, collection: str) -> ee.Image:
    """The median NDVI of the images over `region` in [start, end)."""
    images = ee.ImageCollection(collection).filterBounds(region).filterDate(start, end)
    return images.median().normalizedDifference(["B8", "B4"]).rename("NDVI")
'''


def asset_key_for(folder_name: str) -> str:
    """The folder's name as an asset key (letters, digits and '_')."""
    key = re.sub(r"[^A-Za-z0-9_]+", "_", folder_name).strip("_")
    return key or "ee_computation"


class _EarthEngineScaffolder(dg.Scaffolder):
    yaml_template: str
    graph_template: str

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        if request.scaffold_format != "yaml":
            scaffold_component(request, {})
            return
        folder = request.target_path
        folder.mkdir(parents=True, exist_ok=True)
        name = asset_key_for(folder.name)
        (folder / "defs.yaml").write_text(self.yaml_template.format(name=name))
        graph = folder / "graph.py"
        if not graph.exists():
            graph.write_text(textwrap.dedent(self.graph_template.format(name=name)))


class TableScaffolder(_EarthEngineScaffolder):
    yaml_template, graph_template = TABLE_YAML, TABLE_GRAPH


class ImageScaffolder(_EarthEngineScaffolder):
    yaml_template, graph_template = IMAGE_YAML, IMAGE_GRAPH
