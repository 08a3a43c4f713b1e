"""One evaluated STAC Collection of the public catalog -> its compact facts entry (the facts file's format).

An entry (keys omitted when the catalog says nothing):

    type        IMAGE | IMAGE_COLLECTION | TABLE | TABLE_COLLECTION | BIGQUERY_TABLE
    title       the catalog title, without a " [deprecated]" suffix
    status      "deprecated" or "beta"
    successor   the id of the successor/latest version (deprecated datasets)
    start, end  temporal extent, ISO date ("2021-10-31") or datetime; end null = ongoing
    cadence     collections: {"kind": "cadence" | "revisit" | "climatological" | "single", "unit": "minute" | "hour" |
                "day" | "month" | "year" | "extent", "interval": 16, "source": "catalog" | "id" | "extent"}
                (see `inference.cadence`: the catalog's `gee:interval` unless the id names another)
    bbox        [west, south, east, north] in degrees
    gsd         nominal pixel size in metres (the first band's when bands differ)
    crs         inferred native CRS: "EPSG:4326", "UTM" (each scene its own zone) or "SR-ORG:6974" (MODIS)
    scenes      "WRS2" (Landsat scenes) or "MGRS" (Sentinel-2 tiles): images are scenes of that grid
    platforms   summaries.platform (e.g. ["Sentinel-2A", "Sentinel-2B"])
    bands       [{name, type, gsd?, scale?, offset?, units?, wavelength? (µm), min?, max?, estimated?,
                  display? [min, max], classes? [[value, description, color]],
                  bitmask? {bits, parts: [[first_bit, bit_count, description, [[value, description], ...]]]}}]
    properties  [[name, type, units or null, description (<= 120 chars)]]: image properties of a collection
                or image, columns of a table (`gee:schema`; system:* properties are never listed)
    geometry    tables: inferred "Polygon" | "Point" | "LineString"

`type` of a band is inferred (see `inference.py`); `min`/`max` are stored (raw) values as the catalog gives
them, `estimated` is the catalog's `gee:estimated_range`.
"""

from __future__ import annotations

from ee_assets.local.catalog.public.inference import (
    cadence,
    has_fractional_estimate,
    native_crs,
    pixel_type,
    scene_grid,
    table_geometry,
)

TYPES = {"image": "IMAGE", "image_collection": "IMAGE_COLLECTION", "table": "TABLE",
         "table_collection": "TABLE_COLLECTION", "bigquery_table": "BIGQUERY_TABLE"}
CADENCE_KINDS = {"cadence": "cadence", "revisit_interval": "revisit", "climatological_interval": "climatological"}
DESCRIPTION_CHARS = 120


def _number(v):
    """JSON-stable numbers: integral floats as ints."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _date(s: str | None) -> str | None:
    if s is None:
        return None
    return s[:10] if s.endswith("T00:00:00Z") else s


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1] + "…"


def _gsd(value) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return _number(value) if isinstance(value, int | float) else None


def _display_ranges(summaries: dict) -> dict[str, tuple[float, float]]:
    """band -> (min, max) of the first visualization that shows it."""
    out: dict[str, tuple[float, float]] = {}
    for vis in summaries.get("gee:visualizations", []) or []:
        bv = (vis.get("image_visualization") or {}).get("band_vis") or {}
        bands, mins, maxs = bv.get("bands") or [], bv.get("min") or [], bv.get("max") or []
        if not mins or not maxs:
            continue
        for i, name in enumerate(bands):
            lo, hi = mins[min(i, len(mins) - 1)], maxs[min(i, len(maxs) - 1)]
            if isinstance(lo, int | float) and isinstance(hi, int | float):
                out.setdefault(name, (_number(lo), _number(hi)))
    return out


def _bitmask(spec: dict | None) -> dict | None:
    if not spec:
        return None
    parts = []
    for p in spec.get("bitmask_parts", []):
        values = [[_number(v["value"]), _short(v.get("description"))] for v in p.get("values", []) or []]
        parts.append([p["first_bit"], p["bit_count"], _short(p.get("description")), values])
    parts.sort(key=lambda p: p[0])
    bits = spec.get("total_bit_count") or max((p[0] + p[1] for p in parts), default=8)
    return {"bits": bits, "parts": parts}


def compact_band(band: dict, summaries: dict, dataset_gsd: float | None, display: dict, float_dataset: bool) -> dict:
    name = band["name"]
    rng = summaries.get(name) if isinstance(summaries.get(name), dict) else {}
    minimum, maximum = _number(rng.get("minimum")), _number(rng.get("maximum"))
    scale, offset = _number(band.get("gee:scale")), _number(band.get("gee:offset"))
    classes = [[_number(c["value"]), _short(c.get("description")), c.get("color")]
               for c in band.get("gee:classes", []) or []]
    bitmask = _bitmask(band.get("gee:bitmask"))
    shown = display.get(name)
    estimated = bool(rng.get("gee:estimated_range")) if rng else False
    out: dict = {"name": name,
                 "type": pixel_type(classes, bitmask, minimum, maximum, scale, offset, shown, estimated,
                                    band.get("gee:units"), float_dataset)}
    gsd = _gsd(band.get("gsd")) or dataset_gsd
    extra = {"gsd": gsd, "scale": scale, "offset": offset, "units": band.get("gee:units"),
             "wavelength": _number(band.get("center_wavelength")), "min": minimum, "max": maximum,
             "estimated": rng.get("gee:estimated_range") if rng else None,
             "display": list(shown) if shown else None, "classes": classes or None, "bitmask": bitmask}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def _successor(doc: dict) -> str | None:
    for rel in ("successor-version", "latest-version"):
        for link in doc.get("links", []) or []:
            if link.get("rel") == rel and link.get("title") and link["title"] != doc["id"]:
                return link["title"]
    return None


def _status(doc: dict) -> str | None:
    status = doc.get("gee:status")
    if status in ("deprecated", "beta"):
        return status
    if doc.get("deprecated") is True or str(doc.get("title", "")).endswith("[deprecated]"):
        return "deprecated"
    return None


def _catalog_interval(doc: dict) -> dict | None:
    iv = doc.get("gee:interval")
    if not iv:
        return None
    unit = iv.get("unit") or iv.get("custom_time_unit")
    return {"kind": CADENCE_KINDS.get(iv.get("type"), iv.get("type")), "unit": unit,
            "interval": _number(iv.get("interval", 1))}


def compact_dataset(doc: dict) -> dict:
    """The facts entry of one evaluated Collection document."""
    s = doc.get("summaries") or {}
    kind = TYPES.get(doc.get("gee:type"), str(doc.get("gee:type", "")).upper())
    title = str(doc.get("title", "")).removesuffix(" [deprecated]").strip()
    interval = ((doc.get("extent") or {}).get("temporal") or {}).get("interval") or [[None, None]]
    bbox = ((doc.get("extent") or {}).get("spatial") or {}).get("bbox") or [[-180, -90, 180, 90]]
    bands_in = s.get("eo:bands") or []
    dataset_gsd = _gsd(s.get("gsd")) or next((_gsd(b.get("gsd")) for b in bands_in if b.get("gsd")), None)
    display = _display_ranges(s)
    float_dataset = has_fractional_estimate(s, [b["name"] for b in bands_in])
    bands = [compact_band(b, s, dataset_gsd, display, float_dataset) for b in bands_in]
    entry = {
        "type": kind, "title": title, "status": _status(doc), "successor": _successor(doc),
        "start": _date(interval[0][0]), "end": _date(interval[0][1]),
        "bbox": [_number(v) for v in bbox[0]],
        "platforms": s.get("platform") or None,
    }
    if kind == "IMAGE_COLLECTION":
        entry["cadence"] = cadence(doc["id"], _catalog_interval(doc), entry["start"], entry["end"])
    if kind in ("IMAGE", "IMAGE_COLLECTION"):
        entry["gsd"] = dataset_gsd
        entry["crs"] = native_crs(doc["id"], dataset_gsd)
        entry["scenes"] = scene_grid(doc["id"])
        entry["bands"] = bands
    schema = [[p["name"], p.get("type", "STRING"), p.get("units"), _short(p.get("description"))]
              for p in s.get("gee:schema", []) or []]
    if schema:
        entry["properties"] = schema
    if kind in ("TABLE", "TABLE_COLLECTION", "BIGQUERY_TABLE"):
        entry["geometry"] = table_geometry(title, doc.get("keywords") or [], s.get("gee:visualizations") or [],
                                           [p[0] for p in schema])
    entry = {k: v for k, v in entry.items() if v is not None}
    if "end" not in entry and "start" in entry:
        entry["end"] = None  # ongoing: kept explicit
    return entry
