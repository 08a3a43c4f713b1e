"""The generated discovery document and algorithm list, checked with the real earthengine-api client.

A throwaway stdlib HTTP server (started inside each test) serves `discovery_document` and
`algorithms_response` plus a few canned answers; the official client is initialized against it and the
requests it sends are recorded and inspected.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import ee
import pytest
from ee import _cloud_api_utils
from google.oauth2.credentials import Credentials

from ee_assets.local.algorithms.registry import Algorithm
from ee_assets.local.protocol import signatures
from ee_assets.local.protocol.discovery import discovery_document
from ee_assets.local.protocol.signatures import (
    IMPLEMENTED_PREFIX,
    NOT_IMPLEMENTED_PREFIX,
    algorithms_response,
    client_signatures,
)

PROJECT = "test-project"
PNG = b"\x89PNG\r\n\x1a\nfake"


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    body: object


class _FakeEE(ThreadingHTTPServer):
    """A loopback server answering the calls the tests make."""

    def __init__(self, implemented: dict[str, Algorithm]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.implemented = implemented
        self.requests: list[_Request] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def sent(self, method: str, path_suffix: str) -> list[_Request]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    def route(self, request: _Request) -> tuple[int, object]:
        method, path = request.method, request.path
        if method == "GET" and path == "/$discovery/rest":
            return 200, discovery_document(self.url)
        if method == "GET" and path == f"/v1/projects/{PROJECT}/algorithms":
            return 200, algorithms_response(self.implemented)
        if method == "GET" and path.endswith(":listAssets"):
            return 200, _assets_page(path, request.query)
        if (method, path.rsplit(":", 1)[-1]) in {("GET", "getPixels"), ("POST", "computePixels")}:
            return 200, PNG
        if method == "GET" and "/assets/" in path:
            return 200, {"type": "IMAGE", "name": path.removeprefix("/v1/")}
        if method == "POST" and path.endswith("/value:compute"):
            return 200, {"result": 42}
        if method == "POST" and path.endswith("/table:computeFeatures"):
            return 200, {"type": "FeatureCollection", "features": [], "nextPageToken": "next"}
        if method == "POST" and path.endswith(("/thumbnails", "/maps")):
            return 200, {"name": f"projects/{PROJECT}/{path.rsplit('/', 1)[1]}/id-1"}
        return 404, {"error": {"code": 404, "message": f"no route for {method} {path}", "status": "NOT_FOUND"}}


def _assets_page(path: str, query: dict[str, str]) -> dict:
    """Two pages of one asset each; each asset echoes the query it was listed with."""
    parent = path.removeprefix("/v1/").removesuffix(":listAssets")
    page = query.get("pageToken", "1")
    asset = {"type": "IMAGE", "name": f"{parent}/img{page}", "properties": dict(query)}
    return {"assets": [asset], "nextPageToken": "2"} if page == "1" else {"assets": [asset]}


class _Handler(BaseHTTPRequestHandler):
    server: _FakeEE

    def do_GET(self) -> None:
        self._respond("GET")

    def do_POST(self) -> None:
        self._respond("POST")

    def _respond(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        request = _Request(method, unquote(url.path), query, json.loads(raw) if raw else None)
        self.server.requests.append(request)
        try:
            status, payload = self.server.route(request)
        except Exception as error:  # a 400 fails the client fast; a dropped connection is retried for ~30 s
            status, payload = 400, {"error": {"code": 400, "message": repr(error), "status": "INVALID_ARGUMENT"}}
        is_bytes = isinstance(payload, bytes)
        data = payload if is_bytes else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "image/png" if is_bytes else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def start_server(monkeypatch):
    """Start fake servers on demand; reset the client's global state and stop the servers afterwards."""
    # ee.Initialize also downloads a deprecated-asset list from storage.googleapis.com (no timeout):
    # keep the tests hermetic.
    monkeypatch.setattr(ee.deprecation, "_FetchDataCatalogStac", lambda: {})
    ee.Reset()
    servers: list[_FakeEE] = []

    def start(implemented: dict[str, Algorithm] | None = None) -> _FakeEE:
        server = _FakeEE(implemented or {})
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    ee.Reset()
    for server in servers:
        server.shutdown()
        server.server_close()


def _initialize(server: _FakeEE) -> None:
    ee.Initialize(Credentials(token="t"), url=server.url, project=PROJECT)


@pytest.fixture
def fake_ee(start_server) -> _FakeEE:
    server = start_server()
    _initialize(server)
    return server


def _local_only(x: int = 1) -> int:
    """A local-only algorithm."""
    return x


# --- the document itself ----------------------------------------------------------------------------


def _declared_methods(resource: dict, prefix: str = "") -> dict[str, dict]:
    methods = {f"{prefix}{name}": method for name, method in resource.get("methods", {}).items()}
    for name, child in resource.get("resources", {}).items():
        methods.update(_declared_methods(child, f"{prefix}{name}."))
    return methods


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_document_declares_exactly_the_implemented_methods():
    doc = discovery_document("http://localhost:1234")
    methods = _declared_methods(doc)
    assert {name: (m["httpMethod"], m["path"]) for name, m in methods.items()} == {
        "projects.listAssets": ("GET", "v1/{+parent}:listAssets"),
        "projects.algorithms.list": ("GET", "v1/{+parent}/algorithms"),
        "projects.assets.get": ("GET", "v1/{+name}"),
        "projects.assets.listAssets": ("GET", "v1/{+parent}:listAssets"),
        "projects.value.compute": ("POST", "v1/{+project}/value:compute"),
        "projects.table.computeFeatures": ("POST", "v1/{+project}/table:computeFeatures"),
        "projects.image.computePixels": ("POST", "v1/{+project}/image:computePixels"),
        "projects.thumbnails.create": ("POST", "v1/{+parent}/thumbnails"),
        "projects.thumbnails.getPixels": ("GET", "v1/{+name}:getPixels"),
        "projects.maps.create": ("POST", "v1/{+parent}/maps"),
        "projects.maps.tiles.get": ("GET", "v1/{+parent}/tiles/{zoom}/{x}/{y}"),
        "projects.assets.getPixels": ("POST", "v1/{+name}:getPixels"),
        "projects.tables.create": ("POST", "v1/{+parent}/tables"),
        "projects.tables.getFeatures": ("GET", "v1/{+name}:getFeatures"),
        "projects.image.export": ("POST", "v1/{+project}/image:export"),
        "projects.table.export": ("POST", "v1/{+project}/table:export"),
        "projects.operations.list": ("GET", "v1/{+name}/operations"),
        "projects.operations.get": ("GET", "v1/{+name}"),
        "projects.operations.cancel": ("POST", "v1/{+name}:cancel"),
        "projects.operations.wait": ("POST", "v1/{+name}:wait"),
    }
    for name, method in methods.items():
        assert method["id"] == f"earthengine.{name}"
        assert method["flatPath"].startswith("v1/projects/{projectsId}")
    for name in ("projects.listAssets", "projects.assets.listAssets"):
        assert {"filter", "view", "pageSize", "pageToken"} <= set(methods[name]["parameters"])
    assert (doc["id"], doc["version"], doc["rootUrl"]) == ("earthengine:v1", "v1", "http://localhost:1234/")
    assert {"alt", "prettyPrint", "fields", "key", "access_token", "$.xgafv"} <= set(doc["parameters"])
    assert set(_refs(doc)) <= set(doc["schemas"])


def test_document_builds_a_client_resource_with_paging_helpers():
    resource = _cloud_api_utils.build_cloud_resource_from_document(discovery_document("http://localhost:1"))
    projects = resource.projects()
    assert callable(projects.listAssets_next)
    assert callable(projects.assets().listAssets_next)
    assert callable(projects.table().computeFeatures_next)


# --- the real client against the document -----------------------------------------------------------


def test_initialize_fetches_discovery_and_algorithms(fake_ee):
    assert [r.path for r in fake_ee.requests] == [
        "/$discovery/rest",
        "/$discovery/rest",
        f"/v1/projects/{PROJECT}/algorithms",
    ]
    assert fake_ee.requests[0].query["version"] == "v1"


def test_get_info_posts_value_compute(fake_ee):
    assert ee.Number(1).getInfo() == 42
    (request,) = fake_ee.sent("POST", f"/v1/projects/{PROJECT}/value:compute")
    assert "expression" in request.body


def test_list_images_sends_filter_and_follows_pages(fake_ee):
    images = ee.data.listImages({
        "parent": "projects/earthengine-public/assets/X/Y",
        "startTime": "2020-01-01T00:00:00Z",
        "endTime": "2020-02-01T00:00:00Z",
    })["images"]
    assert [image["name"] for image in images] == [
        "projects/earthengine-public/assets/X/Y/img1",
        "projects/earthengine-public/assets/X/Y/img2",
    ]
    for image in images:  # the filter is kept on the follow-up page request too
        assert "startTime >=" in image["properties"]["filter"]
        assert "endTime <" in image["properties"]["filter"]
    assert images[1]["properties"]["pageToken"] == "2"


def test_list_assets_at_a_project_root_with_view_and_page_size(fake_ee):
    result = ee.data.listAssets({"parent": f"projects/{PROJECT}/assets", "pageSize": 1, "view": "BASIC"})
    (request,) = fake_ee.sent("GET", f"/v1/projects/{PROJECT}:listAssets")
    assert request.query["view"] == "BASIC" and request.query["pageSize"] == "1"
    assert result["nextPageToken"] == "2"


def test_get_asset(fake_ee):
    asset = ee.data.getAsset("X/Y")
    assert asset["name"] == "projects/earthengine-public/assets/X/Y"


def test_compute_features_sends_paging_in_the_body(fake_ee):
    result = ee.data.computeFeatures({"expression": ee.FeatureCollection([]), "pageSize": 5, "pageToken": "abc"})
    assert result["nextPageToken"] == "next"
    (request,) = fake_ee.sent("POST", "/table:computeFeatures")
    assert (request.body["pageSize"], request.body["pageToken"]) == (5, "abc")


def test_compute_pixels_returns_raw_bytes(fake_ee):
    assert ee.data.computePixels({"expression": ee.Image(1), "fileFormat": "PNG"}) == PNG
    (request,) = fake_ee.sent("POST", f"/v1/projects/{PROJECT}/image:computePixels")
    assert request.body["fileFormat"] == "PNG"


def test_thumbnails_and_maps(fake_ee):
    url = ee.Image(1).getThumbURL({"dimensions": 8})
    assert url == f"{fake_ee.url}/v1/projects/{PROJECT}/thumbnails/id-1:getPixels"
    assert ee.data.getThumbnail({"image": ee.Image(1)}) == PNG  # projects.thumbnails.getPixels (raw)
    with ee.data.workloadTagContext("wt-1"):  # getMapId sends workloadTag as a query parameter
        assert ee.Image(1).getMapId()["mapid"] == f"projects/{PROJECT}/maps/id-1"
    (map_request,) = fake_ee.sent("POST", f"/v1/projects/{PROJECT}/maps")
    assert map_request.query == {"fields": "name", "workloadTag": "wt-1", "alt": "json"}


def test_get_algorithms_marks_unimplemented(fake_ee):
    algorithms = ee.data.getAlgorithms()
    assert algorithms["Image.add"]["description"].startswith(NOT_IMPLEMENTED_PREFIX)
    assert algorithms["Image.add"]["args"][0]["name"] == "image1"


def test_implemented_and_local_only_algorithms(start_server):
    implemented = {
        "Image.add": Algorithm("Image.add", _local_only, returns="Image"),
        "Local.only": Algorithm("Local.only", _local_only, returns="Number", arg_types={"x": "Integer"}),
    }
    _initialize(start_server(implemented))
    algorithms = ee.data.getAlgorithms()
    assert algorithms["Image.add"]["description"].startswith(IMPLEMENTED_PREFIX)
    assert algorithms["Image.subtract"]["description"].startswith(NOT_IMPLEMENTED_PREFIX)
    assert algorithms["Local.only"]["description"] == IMPLEMENTED_PREFIX + "A local-only algorithm."
    assert ee.ApiFunction.call_("Local.only", 3).getInfo() == 42


# --- signatures without a server ----------------------------------------------------------------------


def test_client_signatures_are_cached_copies():
    first = client_signatures()
    assert first is not None and any(s["name"] == "algorithms/Image.add" for s in first)
    first[0]["description"] = "changed"
    assert client_signatures()[0]["description"] != "changed"


def test_algorithms_response_without_client_file(monkeypatch):
    monkeypatch.setattr(signatures, "client_signatures", lambda: None)
    response = algorithms_response({"Local.only": Algorithm("Local.only", _local_only)})
    assert response == {"algorithms": [{
        "name": "algorithms/Local.only",
        "description": IMPLEMENTED_PREFIX + "A local-only algorithm.",
        "returnType": "Object",
        "arguments": [
            {"argumentName": "x", "type": "Object", "description": "", "optional": True, "defaultValue": 1},
        ],
    }]}
