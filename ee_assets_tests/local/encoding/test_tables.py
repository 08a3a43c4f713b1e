"""FeatureCollection.getDownloadURL through the real client: tables.create (ee/data.py getTableDownloadId), then a
plain GET of …/tables/<id>:getFeatures (makeTableDownloadUrl), in each format; the expected rows are the features
the test made, read back with the csv, json and zipfile modules."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.etree import ElementTree

import pytest
import requests

ROWS = [("a", 1, 2.5, [0.0, 0.0]), ("b", 2, None, [1.0, 2.0]), ("c", 3, -1.0, [3.5, 4.0])]


def _table(ee):
    return ee.FeatureCollection([
        ee.Feature(ee.Geometry.Point(xy), {"name": n, "k": k, **({"v": v} if v is not None else {})})
        for n, k, v, xy in ROWS])


def _get(url: str) -> requests.Response:
    response = requests.get(url, timeout=30)  # no credentials: the URL is the capability
    assert response.status_code == 200, response.text
    return response


def test_csv_download_has_ee_export_columns(ee_local):
    ee = ee_local
    response = _get(_table(ee).getDownloadURL())
    assert response.headers["Content-Disposition"] == 'attachment; filename="table.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["system:index", "k", "name", "v", ".geo"]
    assert [r["name"] for r in rows] == [n for n, *_ in ROWS]
    assert [r["v"] for r in rows] == ["2.5", "", "-1.0"]
    assert [json.loads(r[".geo"])["coordinates"] for r in rows] == [xy for *_, xy in ROWS]
    chosen = _get(_table(ee).getDownloadURL("csv", ["name", "k"], "mine"))
    assert chosen.headers["Content-Disposition"] == 'attachment; filename="mine.csv"'
    assert chosen.text.splitlines() == ["name,k"] + [f"{n},{k}" for n, k, *_ in ROWS]


def test_geojson_kml_and_kmz_downloads(ee_local):
    ee = ee_local
    gj = _get(_table(ee).getDownloadURL("geojson", ["k"])).json()
    assert gj["type"] == "FeatureCollection"
    assert [f["properties"] for f in gj["features"]] == [{"k": k} for _, k, *_ in ROWS]
    assert [f["geometry"]["coordinates"] for f in gj["features"]] == [xy for *_, xy in ROWS]
    kml = _get(_table(ee).getDownloadURL("kml")).content
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    placemarks = ElementTree.fromstring(kml).findall(".//k:Placemark", ns)
    assert len(placemarks) == len(ROWS)
    coords = [p.find(".//k:coordinates", ns).text for p in placemarks]
    assert coords == [f"{x},{y}" for *_, (x, y) in ROWS]
    kmz = zipfile.ZipFile(io.BytesIO(_get(_table(ee).getDownloadURL("kmz")).content))
    assert kmz.namelist() == ["doc.kml"] and kmz.read("doc.kml") == kml
    with pytest.raises(ee.EEException, match="unsupported fileFormat"):
        _table(ee).getDownloadURL("shp")
