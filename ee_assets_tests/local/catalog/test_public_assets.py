"""Public Earth Engine datasets through the official client and real HTTP on loopback, offline: for the popular ids
(popular_datasets.py), `ee.ImageCollection(id).filterDate(...).filterBounds(...)`, `ee.Image(id)` and
`ee.FeatureCollection(id).filterBounds(...)` answer with the bands, pixel types and properties the public catalog's
facts give, identical requests give identical bytes, and the answers say they are synthetic. Also: user entries
win, filters are pushed down into the generator, assets.get / listAssets / listImages, deprecation warnings.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import ee
import numpy as np
import pytest
import requests
import shapely

from ee_assets.local import LocalServer
from ee_assets.local.catalog import provenance
from ee_assets.local.catalog.catalog import Catalog
from ee_assets.local.catalog.public import assets as public_assets
from ee_assets.local.catalog.public import synthetic, tables
from ee_assets.local.catalog.public.facts import DatasetFacts
from ee_assets.local.values import lazy_collection
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.local.catalog.popular_datasets import (
    IMAGE_COLLECTIONS,
    IMAGES,
    TABLES,
    native_window,
    place,
    sample_image,
)
from ee_assets_tests.support.local_backend import PROJECT, TOKEN, credentials, write_catalog

UTC = dt.UTC
SAN_FRANCISCO = (-122.42, 37.77)


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    """A server whose own catalog is empty: every id below is a public dataset, generated."""
    catalog = Catalog.from_dict({"assets": {}}, root=tmp_path_factory.mktemp("empty"))
    with LocalServer(catalog, token=TOKEN) as server:
        yield server


@pytest.fixture()
def client(public_server):
    initialize_ee(credentials(), url=public_server.url, project=PROJECT, offline=True)
    yield ee
    ee.Reset()


def post(server: LocalServer, method: str, body: dict) -> requests.Response:
    """One REST call over loopback, as the client sends it; the raw answer (bytes and headers)."""
    response = requests.post(f"{server.url}/v1/projects/{PROJECT}/{method}", json=body, timeout=120,
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response


def expression(obj) -> dict:
    return ee.serializer.encode(obj, for_cloud_api=True)


def pixel_type(dtype: np.dtype) -> dict:
    """EE's PixelType for a numpy type (ee.PixelType: int with its range, float, double)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return {"type": "PixelType", "precision": "int", "min": int(info.min), "max": int(info.max)}
    return {"type": "PixelType", "precision": "float" if dtype.itemsize == 4 else "double"}


def check_bands(info: dict, img: synthetic.SyntheticImage) -> None:
    ds = img.ds
    assert [b["id"] for b in info["bands"]] == [b.name for b in ds.bands]
    for band, facts in zip(info["bands"], ds.bands, strict=True):
        assert band["data_type"] == pixel_type(facts.dtype), facts.name
        grid = img.grid(facts.name)
        assert band["crs"] == grid.crs and band["dimensions"] == [grid.width, grid.height]
        assert band["crs_transform"] == pytest.approx(list(grid.transform))


def check_properties(props: dict, ds: DatasetFacts) -> None:
    """Every documented property the generator can give is there, with the documented type, and synthetic."""
    assert props["synthetic"] is True
    for p in ds.properties:
        if p.type in ("GEOMETRY", "RECORD", "RECORD_LIST"):
            continue
        assert p.name in props, p.name
        kind = {"INT": int, "DOUBLE": (int, float), "STRING": str}.get(p.type.removesuffix("_LIST"))
        value = props[p.name][0] if p.type.endswith("_LIST") else props[p.name]
        if kind:
            assert isinstance(value, kind) and not isinstance(value, bool), (p.name, value)


def check_pixels(server: LocalServer, image_id: str, img: synthetic.SyntheticImage) -> None:
    """computePixels (NPY) of a small native window of the first band and of a class or bitmask band: the type of
    the catalog's facts, values in the documented range, the same bytes twice, and the synthetic header."""
    names = [img.ds.bands[0].name] + [b.name for b in img.ds.bands if b.classes or b.bits][:1]
    for name in dict.fromkeys(names):
        facts = img.ds.band(name)
        crs, transform, width, height = native_window(img, name, 24)
        grid = {"dimensions": {"width": width, "height": height}, "crsCode": crs,
                "affineTransform": dict(zip(("scaleX", "shearX", "translateX", "shearY", "scaleY", "translateY"),
                                            transform[:6], strict=True))}
        band = ee.Image(image_id).select(name)
        body = {"expression": expression(band), "fileFormat": "NPY", "grid": grid}
        first, second = post(server, "image:computePixels", body), post(server, "image:computePixels", body)
        assert first.content == second.content
        assert image_id.startswith(first.headers[provenance.SYNTHETIC_HEADER].split(",")[0])
        values = np.load(io.BytesIO(first.content))[name]
        mask = np.load(io.BytesIO(post(server, "image:computePixels", {**body, "expression": expression(
            band.mask())}).content))[name]
        assert values.dtype == facts.dtype and values.shape == (height, width)
        assert mask.any(), f"{name}: the window is entirely masked"
        lo, hi = facts.value_range
        inside = values[mask > 0].astype(float)
        assert lo <= inside.min() and inside.max() <= hi, (name, inside.min(), inside.max(), lo, hi)
        if facts.classes:
            assert set(np.unique(inside)) <= {float(c[0]) for c in facts.classes}


def day_window(img: synthetic.SyntheticImage) -> tuple[dt.datetime, dt.datetime]:
    t0 = dt.datetime(img.start.year, img.start.month, img.start.day, tzinfo=UTC)
    return t0, t0 + dt.timedelta(days=1)


def point_in(img: synthetic.SyntheticImage) -> tuple[float, float]:
    lon, lat = place(img.ds)
    if not img.footprint.contains(shapely.Point(lon, lat)):
        p = img.footprint.representative_point()
        lon, lat = p.x, p.y
    return lon, lat


@pytest.mark.parametrize("collection_id", IMAGE_COLLECTIONS)
def test_a_public_image_collection_filtered_to_a_day_and_a_place(client, public_server, collection_id):
    ds = synthetic.dataset(collection_id)
    t0, t1 = day_window(sample_image(collection_id))
    lon, lat = point_in(sample_image(collection_id))
    box = (lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    expected = next(synthetic.list_images(collection_id, t0, t1, shapely.box(*box)))

    filtered = (ee.ImageCollection(collection_id).filterDate(t0.isoformat(), t1.isoformat())
                .filterBounds(ee.Geometry.Rectangle(list(box))))
    info = filtered.first().getInfo()
    assert info["id"] == expected.id and info["properties"]["system:index"] == expected.index
    check_bands(info, expected)
    props = info["properties"]
    check_properties(props, ds)
    assert t0.timestamp() * 1000 <= props["system:time_start"] < t1.timestamp() * 1000
    assert shapely.geometry.shape(props["system:footprint"]).intersects(shapely.box(*box))
    check_pixels(public_server, expected.id, expected)


@pytest.mark.parametrize("image_id", IMAGES)
def test_a_public_image(client, public_server, image_id):
    img = synthetic.load_image(image_id)
    info = ee.Image(image_id).getInfo()
    assert info["id"] == image_id
    check_bands(info, img)
    check_properties(info["properties"], img.ds)
    check_pixels(public_server, image_id, img)


@pytest.mark.parametrize("table_id", TABLES)
def test_a_public_table_filtered_to_a_region(client, public_server, table_id):
    ds = synthetic.dataset(table_id)
    lon, lat = place(ds)
    r = min(1.5, 3 * tables.cell_size(ds))
    region = ee.Geometry.Rectangle([lon - r, lat - r, lon + r, lat + r])
    fc = ee.FeatureCollection(table_id).filterBounds(region).limit(20)
    first = post(public_server, "table:computeFeatures", {"expression": expression(fc)})
    second = post(public_server, "table:computeFeatures", {"expression": expression(fc)})
    assert first.content == second.content and first.headers[provenance.SYNTHETIC_HEADER] == table_id
    features = first.json()["features"]
    assert features, "no feature in the region"
    box = shapely.box(lon - r, lat - r, lon + r, lat + r)
    for f in features:
        assert f["geometry"]["type"] == ds.geometry and shapely.geometry.shape(f["geometry"]).intersects(box)
        check_properties(f["properties"], ds)
    assert fc.size().getInfo() == len(features)


def test_the_popular_list_has_at_least_50_ids():
    assert len(set(IMAGE_COLLECTIONS + IMAGES + TABLES)) >= 50


# -- the catalog's own entries win; switching the public datasets off ----------------------------------------
def test_the_sample_catalog_entries_win_over_the_public_ones(ee_local):
    modis = ee.ImageCollection("MODIS/061/MOD13Q1").filterDate("2020-01-01", "2021-01-01")
    assert modis.size().getInfo() == 23  # the sample's 16-day images of 2020, not the public dataset's
    assert modis.first().bandNames().getInfo() == ["NDVI", "EVI", "SummaryQA"]  # the public one has 12 bands
    assert ee.FeatureCollection("TIGER/2018/States").size().getInfo() == 52
    # An id the sample does not have is the public dataset's.
    assert len(ee.Image("USGS/SRTMGL1_003").bandNames().getInfo()) == 1


def test_an_image_id_under_a_user_collection_is_not_looked_up_in_the_public_catalog(ee_local):
    with pytest.raises(ee.EEException, match="not found"):
        ee.Image("COPERNICUS/S2_HARMONIZED/20200601T184921_20200601T185833_T10SEG").getInfo()


def test_public_datasets_can_be_switched_off(tmp_path):
    path = write_catalog(tmp_path, {})
    path.write_text(path.read_text() + "public_datasets: false\n")
    with LocalServer(path, token=TOKEN) as server:
        initialize_ee(credentials(), url=server.url, project=PROJECT, offline=True)
        try:
            with pytest.raises(ee.EEException, match="'LANDSAT/LC09/C02/T1_L2' not found"):
                ee.ImageCollection("LANDSAT/LC09/C02/T1_L2").size().getInfo()
        finally:
            ee.Reset()
    path.write_text(path.read_text().replace("false", "maybe"))
    with pytest.raises(ValueError, match="'public_datasets' must be true or false"):
        Catalog.from_file(path)


# -- filters pushed down: only what the request needs is generated -------------------------------------------
@pytest.fixture()
def generated(monkeypatch):
    """The ids of the synthetic images turned into evaluator images, in order (the server runs in-process)."""
    made = []
    original = public_assets.image_value

    def counting(img):
        made.append(img.id)
        return original(img)

    monkeypatch.setattr(public_assets, "image_value", counting)
    return made


def test_filter_date_and_bounds_are_pushed_down(client, generated):
    point = ee.Geometry.Point(*SAN_FRANCISCO)
    landsat = ee.ImageCollection("LANDSAT/LC09/C02/T1_L2")
    june = landsat.filterDate("2022-06-01", "2022-07-01").filterBounds(point)
    ids = june.aggregate_array("system:index").getInfo()
    expected = [i.index for i in synthetic.list_images("LANDSAT/LC09/C02/T1_L2", dt.datetime(2022, 6, 1, tzinfo=UTC),
                                                       dt.datetime(2022, 7, 1, tzinfo=UTC), shapely.Point(
                                                           *SAN_FRANCISCO))]
    assert ids == expected and len(generated) == len(ids)  # nothing else of 40 years x the globe was generated
    # The same in any order, through Filter.and, and with a property filter on top.
    generated.clear()
    both = landsat.filter(ee.Filter.And(ee.Filter.bounds(point), ee.Filter.date("2022-06-01", "2022-07-01")))
    assert both.filter(ee.Filter.lt("CLOUD_COVER", 101)).aggregate_array("system:index").getInfo() == expected
    assert len(generated) == len(ids)


def test_first_and_limit_generate_only_what_they_return(client, generated):
    landsat = ee.ImageCollection("LANDSAT/LC09/C02/T1_L2")
    first = landsat.first().get("system:index").getInfo()
    assert len(generated) == 1 and generated[0].endswith(first)
    generated.clear()
    assert len(landsat.limit(3).aggregate_array("system:index").getInfo()) == 3 and len(generated) == 3


def test_an_unfiltered_world_collection_asks_to_be_filtered_instead_of_listing_it(client, monkeypatch):
    monkeypatch.setattr(lazy_collection, "MAX_ELEMENTS", 500)  # the server's 10,000 takes a while to reach
    with pytest.raises(ee.EEException, match="filterDate and filterBounds"):
        ee.ImageCollection("COPERNICUS/S2_SR_HARMONIZED").filterDate("2022-01-01", "2022-03-01").size().getInfo()


# -- assets.get, listAssets, listImages -------------------------------------------------------------------------
def test_get_asset_of_a_collection_an_image_and_a_table(client):
    coll = ee.data.getAsset("LANDSAT/LC09/C02/T1_L2")
    assert coll["type"] == "IMAGE_COLLECTION" and coll["properties"]["synthetic"] is True
    assert coll["startTime"] == "2021-10-31T00:00:00Z"
    image = ee.data.getAsset("projects/earthengine-public/assets/LANDSAT/LC09/C02/T1_L2/LC09_044034_20220603")
    assert image["type"] == "IMAGE" and image["properties"]["WRS_PATH"] == 44
    sr_b4 = next(b for b in image["bands"] if b["id"] == "SR_B4")
    assert sr_b4["dataType"] == {"precision": "INT", "range": {"min": 0, "max": 65535}}
    assert sr_b4["grid"]["crsCode"] == "EPSG:32610" and sr_b4["grid"]["affineTransform"]["scaleX"] == 30
    assert shapely.geometry.shape(image["geometry"]).contains(shapely.Point(*SAN_FRANCISCO))
    assert ee.data.getAsset("FAO/GAUL/2015/level1")["type"] == "TABLE"
    dem = ee.data.getAsset("USGS/SRTMGL1_003")
    assert dem["type"] == "IMAGE" and [b["id"] for b in dem["bands"]] == ["elevation"]


def test_list_images_pages_through_a_filtered_window(client):
    region = json.dumps({"type": "Point", "coordinates": list(SAN_FRANCISCO)})
    params = {"parent": "LANDSAT/LC08/C02/T1_L2", "startTime": "2021-01-01T00:00:00Z",
              "endTime": "2022-01-01T00:00:00Z", "region": region}
    everything = ee.data.listImages(params)["images"]
    expected = [i.id for i in synthetic.list_images("LANDSAT/LC08/C02/T1_L2", dt.datetime(2021, 1, 1, tzinfo=UTC),
                                                    dt.datetime(2022, 1, 1, tzinfo=UTC), shapely.Point(
                                                        *SAN_FRANCISCO))]
    assert [i["id"] for i in everything] == expected and len(expected) > 20  # every 16 days
    pages, token = [], None
    while True:
        page = ee.data.listImages({**params, "pageSize": 10, **({"pageToken": token} if token else {})})
        pages.append(page["images"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert [i["id"] for p in pages for i in p] == expected and all(len(p) == 10 for p in pages[:-1])
    clear = ee.data.listImages({**params, "properties": ["CLOUD_COVER < 20"]})["images"]
    assert clear and all(i["properties"]["CLOUD_COVER"] < 20 for i in clear) and len(clear) < len(expected)


def test_list_assets_of_public_folders(client):
    assert [a["id"] for a in ee.data.listAssets({"parent": "projects/earthengine-public/assets/LANDSAT/LC09"})[
        "assets"]] == ["LANDSAT/LC09/C02"]
    children = {a["id"]: a["type"] for a in ee.data.listAssets(
        {"parent": "projects/earthengine-public/assets/LANDSAT/LC09/C02"})["assets"]}
    assert children["LANDSAT/LC09/C02/T1_L2"] == "IMAGE_COLLECTION" and len(children) >= 4
    top = {a["id"] for a in ee.data.listAssets({"parent": "projects/earthengine-public/assets"})["assets"]}
    assert {"LANDSAT", "COPERNICUS", "MODIS", "USGS"} <= top


# -- deprecated and removed datasets ----------------------------------------------------------------------------
def test_deprecated_ids_resolve_with_the_clients_own_warning(client, caplog, monkeypatch):
    monkeypatch.setattr(public_assets, "_warned", set())  # the server logs once per process
    # The client warns from the list of deprecated datasets it read at ee.Initialize (ee/deprecation.py), here the
    # one the local server publishes in place of Google's; the text is the client's own.
    with pytest.warns(DeprecationWarning) as warned:
        collection = ee.ImageCollection("LANDSAT/LC08/C01/T1_SR")
    [warning] = [w for w in warned if "LANDSAT/LC08/C01/T1_SR" in str(w.message)]
    assert "You are using a deprecated asset" in str(warning.message)
    assert "superseded by LANDSAT/LC08/C02/T1_L2" in str(warning.message)
    with caplog.at_level(logging.WARNING, logger="ee_assets.local"):
        size = collection.filterDate("2019-06-01", "2019-07-01").filterBounds(
            ee.Geometry.Point(*SAN_FRANCISCO)).size().getInfo()
    assert size > 0  # EE removed it in 2024; the local backend still serves it (synthetic), and says so
    assert any("LANDSAT/LC08/C01/T1_SR" in r.getMessage() and "removed it" in r.getMessage()
               for r in caplog.records)


def test_the_deprecation_list_is_the_catalogs(public_server):
    stac = requests.get(f"{public_server.url}/earthengine-stac/catalog/catalog_deprecated.json", timeout=30).json()
    listed = {link["title"]: link for link in stac["links"]}
    deprecated = [i for i in synthetic.dataset_ids() if synthetic.dataset(i).deprecated]
    assert sorted(listed) == deprecated and "MODIS/006/MOD13Q1" in listed
    assert listed["MODIS/006/MOD13Q1"]["gee:replacement_id"] == "MODIS/061/MOD13Q1"
    assert ee.deprecation.DeprecatedAsset.FromStacLink(listed["LANDSAT/LC08/C01/T1"]).removal_date is not None
