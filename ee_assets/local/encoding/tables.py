"""Table download bodies (FeatureCollection.getDownloadURL → tables/<id>:getFeatures): CSV, GeoJSON, KML and KMZ
from the features' GeoJSON.

CSV has EE's table-export layout: a column 'system:index', the properties in name order, then '.geo' with each
geometry as GeoJSON text; `selectors` choose and order the columns instead (name '.geo' or 'system:index' to keep
those). GeoJSON is a FeatureCollection (ids = system:index); KML one Placemark per feature with its properties as
ExtendedData; KMZ that KML zipped as doc.kml."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from ee_assets.local.errors import InvalidArgument

FORMATS = {"CSV": ("csv", "text/csv; charset=UTF-8"), "GEO_JSON": ("geojson", "application/geo+json"),
           "KML": ("kml", "application/vnd.google-earth.kml+xml"), "KMZ": ("kmz", "application/vnd.google-earth.kmz")}


def encode_table(features: list[dict], file_format: str, selectors: list[str] | None) -> tuple[bytes, str, str]:
    """(body, content type, file extension) of `features` (GeoJSON Feature dicts) in `file_format`."""
    fmt = str(file_format or "CSV").upper()
    if fmt not in FORMATS:
        raise InvalidArgument(f"Unsupported table fileFormat {file_format!r}; the local backend writes "
                              f"{', '.join(FORMATS)}.")
    extension, content_type = FORMATS[fmt]
    if fmt == "CSV":
        return _csv(features, selectors).encode("utf-8"), content_type, extension
    if fmt == "GEO_JSON":
        return json.dumps(_geojson(features, selectors), separators=(",", ":")).encode(), content_type, extension
    kml = _kml(features, selectors).encode("utf-8")
    if fmt == "KML":
        return kml, content_type, extension
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml)
    return buffer.getvalue(), content_type, extension


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _csv(features: list[dict], selectors: list[str] | None) -> str:
    if selectors:
        columns = list(selectors)
    else:
        names = sorted({k for f in features for k in (f.get("properties") or {})})
        columns = ["system:index", *names, ".geo"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for f in features:
        props = f.get("properties") or {}
        row = []
        for c in columns:
            if c == ".geo":
                row.append(_cell(f.get("geometry")))
            elif c == "system:index":
                row.append(_cell(f.get("id")))
            else:
                row.append(_cell(props.get(c)))
        writer.writerow(row)
    return out.getvalue()


def _geojson(features: list[dict], selectors: list[str] | None) -> dict:
    if selectors:
        keep = set(selectors)
        features = [{**f, "properties": {k: v for k, v in (f.get("properties") or {}).items() if k in keep}}
                    for f in features]
    return {"type": "FeatureCollection", "features": features}


def _coordinates(ring: list) -> str:
    return " ".join(",".join(str(c) for c in point[:3]) for point in ring)


def _kml_geometry(geometry: dict | None) -> str:
    if not geometry:
        return ""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return f"<Point><coordinates>{_coordinates([coords])}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><coordinates>{_coordinates(coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = [f"<outerBoundaryIs><LinearRing><coordinates>{_coordinates(coords[0])}</coordinates></LinearRing>"
                 "</outerBoundaryIs>"]
        rings += [f"<innerBoundaryIs><LinearRing><coordinates>{_coordinates(r)}</coordinates></LinearRing>"
                  "</innerBoundaryIs>" for r in coords[1:]]
        return f"<Polygon>{''.join(rings)}</Polygon>"
    if kind in ("MultiPoint", "MultiLineString", "MultiPolygon"):
        part = kind[len("Multi"):]
        return "<MultiGeometry>" + "".join(_kml_geometry({"type": part, "coordinates": c}) for c in coords) + \
            "</MultiGeometry>"
    if kind == "GeometryCollection":
        return "<MultiGeometry>" + "".join(_kml_geometry(g) for g in geometry.get("geometries", [])) + \
            "</MultiGeometry>"
    return ""


def _kml(features: list[dict], selectors: list[str] | None) -> str:
    placemarks = []
    for f in features:
        props = f.get("properties") or {}
        names = [s for s in selectors if s in props] if selectors else sorted(props)
        data = "".join(f'<Data name="{escape(n, {chr(34): "&quot;"})}"><value>{escape(_cell(props[n]))}</value>'
                       "</Data>" for n in names)
        placemarks.append(f"<Placemark><name>{escape(_cell(f.get('id')))}</name><ExtendedData>{data}"
                          f"</ExtendedData>{_kml_geometry(f.get('geometry'))}</Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            + "".join(placemarks) + "</Document></kml>\n")
