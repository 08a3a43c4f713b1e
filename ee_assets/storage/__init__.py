"""Output storage without Dagster: a local folder, file://, s3:// or gs:// root with atomic writes per store."""

from ee_assets.storage.locations import SUPPORTED, Location, UnsupportedLocationError, parse_location
from ee_assets.storage.publication import Publication, PublishError
from ee_assets.storage.store import Store, output_key, scratch_root

__all__ = ["SUPPORTED", "Location", "Publication", "PublishError", "Store", "UnsupportedLocationError", "output_key",
           "parse_location", "scratch_root"]
