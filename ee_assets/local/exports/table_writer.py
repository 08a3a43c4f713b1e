"""Table exports written feature by feature: GeoJSON (a FeatureCollection, ids = system:index) and CSV in EE's
export layout ('system:index', the properties in name order, '.geo' as GeoJSON text; `selectors` choose the
columns), so memory holds one feature's text at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ee_assets.local.errors import InvalidArgument

EXTENSIONS = {"CSV": "csv", "GEO_JSON": "geojson"}
# The client's names (Export.table fileFormat) as they arrive, and EE's enum names.
ALIASES = {"GEOJSON": "GEO_JSON", "GEO_JSON": "GEO_JSON", "CSV": "CSV"}


def table_format(value: str | None) -> str:
    """EE's file format name for an export (CSV by default); InvalidArgument for what the local backend lacks."""
    fmt = ALIASES.get(str(value or "CSV").upper())
    if fmt is None:
        raise InvalidArgument(f"Unsupported table export fileFormat {value!r}; the local backend exports "
                              f"{', '.join(EXTENSIONS)}.")
    return fmt


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def write_table(path: Path, features: Callable[[], Iterable[dict]], fmt: str, selectors: Sequence[str] | None,
                on_feature: Callable[[int], None]) -> int:
    """Write the features (GeoJSON dicts from a fresh iterator per call) as `fmt` at `path`; their count.

    CSV without selectors reads the features twice: once for the column names, once for the rows.
    `on_feature(n)` is called every 1000 features and at the end.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        if fmt == "GEO_JSON":
            keep = set(selectors) if selectors else None
            out.write('{"type":"FeatureCollection","features":[')
            for f in features():
                if keep is not None:
                    f = {**f, "properties": {k: v for k, v in (f.get("properties") or {}).items() if k in keep}}
                out.write(("," if count else "") + json.dumps(f, separators=(",", ":")))
                count += 1
                if count % 1000 == 0:
                    on_feature(count)
            out.write("]}\n")
        else:
            columns = list(selectors) if selectors else [
                "system:index", *sorted({k for f in features() for k in (f.get("properties") or {})}), ".geo"]
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            for f in features():
                props = f.get("properties") or {}
                writer.writerow([_cell(f.get("geometry")) if c == ".geo" else _cell(f.get("id"))
                                 if c == "system:index" else _cell(props.get(c)) for c in columns])
                count += 1
                if count % 1000 == 0:
                    on_feature(count)
    on_feature(count)
    return count
