"""Earth Engine computations as Dagster assets: the asset factories and the dg components built on them.

A computation is a graph function `fn(start, end, **params)` returning an `ee.FeatureCollection` (table) or an
`ee.Image` (image). Each one becomes an expression asset and a result asset with lineage, checks, previews and
metadata, from a `defs.yaml` (`EarthEngineTableComponent`, `EarthEngineImageComponent`) or from Python
(`ee_table_assets`, `ee_image_assets`).
"""

from ee_assets.components.image import EarthEngineImageComponent, ee_image_assets
from ee_assets.components.table import EarthEngineTableComponent, ee_table_assets

__all__ = ["EarthEngineImageComponent", "EarthEngineTableComponent", "ee_image_assets", "ee_table_assets"]
