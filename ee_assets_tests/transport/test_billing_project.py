"""Which Cloud project EE bills: every API call carries `X-Goog-User-Project: <the EE project>`, as the official
client sends it (ee/data.py), and never the quota project of application default credentials (the client removes
it, ee/_cloud_api_utils.py). Real credentials, real token endpoint (the local server's), real HTTP."""

from __future__ import annotations

import json

import ee
import google.oauth2.credentials
import pytest

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.local import LocalServer
from ee_assets.local.protocol.oauth import generate_authorized_user, generate_service_account_key
from ee_assets.transport.expression import serialize
from ee_assets_tests.support.defs import clear_ee_env

GRID = {"dimensions": {"width": 300, "height": 200}, "crsCode": "EPSG:4326",
        "affineTransform": {"scaleX": 0.01, "shearX": 0, "translateX": -100.0, "shearY": 0, "scaleY": -0.01,
                            "translateY": 40.0}}


@pytest.fixture()
def server(sample_catalog):
    with LocalServer(sample_catalog, token="unused-static-token") as s:
        yield s
    ee.Reset()


@pytest.fixture()
def adc_file(server, tmp_path, monkeypatch):
    """Application default credentials of a user whose gcloud quota project is not the EE project."""
    clear_ee_env(monkeypatch)
    info = generate_authorized_user(quota_project_id="gcloud-quota-project")
    server.auth.register_user(info)
    path = tmp_path / "application_default_credentials.json"
    path.write_text(json.dumps(info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud configuration of the developer's
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    # google-auth sends every user-credential refresh to Google's token endpoint; here it is the local server's.
    monkeypatch.setattr(google.oauth2.credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", server.token_uri)
    return info


def run_every_kind_of_call(resource: EarthEngineResource, tmp_path) -> None:
    """value:compute, table:computeFeatures (paged) and image:computePixels (a tiled GeoTIFF)."""
    assert resource.connection.project == "ee-project"  # connects: credentials, session, ee.Initialize
    assert resource.compute_value(serialize(ee.Number(20).add(1))) == 21
    states = ee.FeatureCollection("TIGER/2018/States").limit(5)
    assert len(resource.compute_features(serialize(states))["features"]) == 5
    image = ee.ImageCollection("MODIS/061/MOD13Q1").first().select("NDVI")
    result = resource.fetch_geotiff(serialize(image), GRID, tmp_path / "ndvi.tif", ["NDVI"])
    assert result.tiles >= 1


def test_adc_requests_bill_the_ee_project_not_the_credentials_quota_project(server, adc_file, tmp_path):
    resource = EarthEngineResource(backend="earthengine", api_url=server.url, project="ee-project",
                                   page_size=2, max_tile_bytes=100 * 100 * 3)
    run_every_kind_of_call(resource, tmp_path)
    assert server.auth.grants >= 1  # the refresh-token grant of the user credentials ran
    projects = server.user_projects
    assert set(projects) == {"ee-project"}, projects  # the credential's quota project never went out
    assert projects["ee-project"] == sum(server.method_counts.values())  # every API call, ee.Initialize's too


def test_without_ee_project_adc_uses_its_quota_project_as_the_client_does(server, adc_file, tmp_path):
    resource = EarthEngineResource(backend="earthengine", api_url=server.url)
    assert resource.describe()["ee_project"] == "gcloud-quota-project"
    assert resource.compute_value(serialize(ee.Number(1))) == 1
    assert set(server.user_projects) == {"gcloud-quota-project"}


def test_service_account_requests_name_the_project_on_every_call(server, tmp_path, monkeypatch):
    clear_ee_env(monkeypatch)
    key = generate_service_account_key("runner@key-project.iam.gserviceaccount.com", server.token_uri,
                                       project_id="key-project")
    server.auth.register(key)
    monkeypatch.setenv("EE_PROJECT", "ee-project")
    resource = EarthEngineResource(backend="earthengine", api_url=server.url, service_account_key=json.dumps(key),
                                   page_size=2, max_tile_bytes=100 * 100 * 3)
    run_every_kind_of_call(resource, tmp_path)
    projects = server.user_projects
    assert set(projects) == {"ee-project"} and projects["ee-project"] == sum(server.method_counts.values())
