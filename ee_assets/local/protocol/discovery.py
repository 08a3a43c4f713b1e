"""The discovery document (`GET /$discovery/rest?version=v1`) of the local EE server.

`ee.Initialize(credentials, url=U, project=P)` builds its API client with googleapiclient from the
document served at `U/$discovery/rest`. googleapiclient turns every declared method into a Python
method whose keyword arguments are exactly the declared parameters, so the document must declare every
method and parameter the `ee.data` functions pass, and nothing the server does not implement.

The document is generated here, method by method, rather than copied from the client's test fixture:
that fixture is v1alpha, lacks `filter`/`view` on `listAssets` and declares many unimplemented methods.
"""

from __future__ import annotations

from typing import Any

VERSION = "v1"

_PROJECT = "^projects/[^/]+$"
_ASSET = "^projects/[^/]+/assets/.*$"
_THUMBNAIL = "^projects/[^/]+/thumbnails/[^/]+$"

_PROJECT_PATH = "projects/{projectsId}"
_ASSET_PATH = "projects/{projectsId}/assets/{assetsId}"


def discovery_document(root_url: str) -> dict:
    """A v1 discovery document (discovery#restDescription) describing exactly the methods this server implements."""
    root = root_url.rstrip("/") + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"earthengine:{VERSION}",
        "name": "earthengine",
        "version": VERSION,
        "title": "Google Earth Engine API (ee_assets local server)",
        "description": "The subset of the Earth Engine REST API implemented by the ee_assets local server.",
        "documentationLink": "https://developers.google.com/earth-engine/reference/rest",
        "protocol": "rest",
        "rootUrl": root,
        "baseUrl": root,
        "basePath": "",
        "servicePath": "",
        "batchPath": "batch",
        "fullyEncodeReservedExpansion": True,
        "parameters": _global_parameters(),
        "schemas": _schemas(),
        "resources": {"projects": _projects_resource()},
    }


# --- parameters -----------------------------------------------------------------------------------


def _param(type_: str, description: str = "", location: str = "query", **extra: Any) -> dict:
    """One method or global parameter."""
    return {"type": type_, "location": location, "description": description, **extra}


def _enum_param(values: list[str], description: str = "", **extra: Any) -> dict:
    """A string query parameter restricted to `values`."""
    return _param("string", description, enum=values, enumDescriptions=[""] * len(values), **extra)


def _path_param(pattern: str, description: str) -> dict:
    """The required resource-name path parameter (expanded with `{+name}`, so it may hold slashes)."""
    return _param("string", description, location="path", pattern=pattern, required=True)


def _global_parameters() -> dict:
    """Standard query parameters accepted by every method (googleapiclient adds them to each method)."""
    return {
        "$.xgafv": _enum_param(["1", "2"], "V1 error format."),
        "access_token": _param("string", "OAuth access token."),
        "alt": _enum_param(["json", "media", "proto"], "Data format for response.", default="json"),
        "callback": _param("string", "JSONP."),
        "fields": _param("string", "Selector specifying which fields to include in a partial response."),
        "key": _param("string", "API key."),
        "oauth_token": _param("string", "OAuth 2.0 token for the current user."),
        "prettyPrint": _param("boolean", "Returns response with indentations and line breaks.", default="true"),
        "quotaUser": _param("string", "Quota user."),
        "uploadType": _param("string", "Legacy upload protocol for media."),
        "upload_protocol": _param("string", "Upload protocol for media."),
    }


def _list_assets_parameters() -> dict:
    """Query parameters of both listAssets methods (`filter`/`view` are needed by `ee.data.listImages`)."""
    return {
        "pageSize": _param("integer", "The maximum number of results per page.", format="int32"),
        "pageToken": _param("string", "A token identifying a page of results the server should return."),
        "filter": _param("string", "An AIP-160 filter on startTime, endTime, intersects() and properties."),
        "view": _enum_param(["EARTH_ENGINE_ASSET_VIEW_UNSPECIFIED", "FULL", "BASIC"], "Detail to return."),
    }


def _workload_tag_parameter() -> dict:
    """`workloadTag`, which `ee.data.getMapId`/`getThumbId` pass as a query parameter, not in the body."""
    return {"workloadTag": _param("string", "User supplied tag to track this computation.")}


# --- methods --------------------------------------------------------------------------------------


def _method(
    method_id: str,
    http_method: str,
    path: str,
    flat_path: str,
    name_param: tuple[str, str],
    query: dict | None = None,
    request: str | None = None,
    response: str | None = None,
) -> dict:
    """One method: `path` uses `{+<name_param>}`, `flat_path` the per-segment `{projectsId}` form."""
    param_name, pattern = name_param
    method = {
        "id": f"earthengine.{method_id}",
        "httpMethod": http_method,
        "path": f"{VERSION}/{path}",
        "flatPath": f"{VERSION}/{flat_path}",
        "description": "",
        "parameterOrder": [param_name],
        "parameters": {param_name: _path_param(pattern, f"The `{param_name}` resource name."), **(query or {})},
    }
    if request is not None:
        method["request"] = {"$ref": request}
    if response is not None:
        method["response"] = {"$ref": response}
    return method


def _projects_resource() -> dict:
    """The `projects` resource and its sub-resources."""
    project = ("project", _PROJECT)
    return {
        "methods": {
            "listAssets": _method(
                "projects.listAssets", "GET", "{+parent}:listAssets", f"{_PROJECT_PATH}:listAssets",
                ("parent", _PROJECT), _list_assets_parameters(), response="ListAssetsResponse",
            ),
        },
        "resources": {
            "algorithms": {"methods": {"list": _method(
                "projects.algorithms.list", "GET", "{+parent}/algorithms", f"{_PROJECT_PATH}/algorithms",
                ("parent", _PROJECT), response="ListAlgorithmsResponse",
            )}},
            "assets": {"methods": {
                "get": _method(
                    "projects.assets.get", "GET", "{+name}", _ASSET_PATH,
                    ("name", _ASSET), response="EarthEngineAsset",
                ),
                "listAssets": _method(
                    "projects.assets.listAssets", "GET", "{+parent}:listAssets", f"{_ASSET_PATH}:listAssets",
                    ("parent", _ASSET), _list_assets_parameters(), response="ListAssetsResponse",
                ),
                "getPixels": _method(
                    "projects.assets.getPixels", "POST", "{+name}:getPixels", f"{_ASSET_PATH}:getPixels",
                    ("name", _ASSET), request="GetPixelsRequest", response="HttpBody",
                ),
            }},
            "tables": {"methods": {
                "create": _method(
                    "projects.tables.create", "POST", "{+parent}/tables", f"{_PROJECT_PATH}/tables",
                    ("parent", _PROJECT), _workload_tag_parameter(), request="Table", response="Table",
                ),
                "getFeatures": _method(
                    "projects.tables.getFeatures", "GET", "{+name}:getFeatures",
                    f"{_PROJECT_PATH}/tables/{{tablesId}}:getFeatures", ("name", "^projects/[^/]+/tables/[^/]+$"),
                    response="HttpBody",
                ),
            }},
            "value": {"methods": {"compute": _method(
                "projects.value.compute", "POST", "{+project}/value:compute", f"{_PROJECT_PATH}/value:compute",
                project, request="ComputeValueRequest", response="ComputeValueResponse",
            )}},
            "table": {"methods": {"computeFeatures": _method(
                "projects.table.computeFeatures", "POST", "{+project}/table:computeFeatures",
                f"{_PROJECT_PATH}/table:computeFeatures",
                project, request="ComputeFeaturesRequest", response="ComputeFeaturesResponse",
            ), "export": _method(
                "projects.table.export", "POST", "{+project}/table:export", f"{_PROJECT_PATH}/table:export",
                project, request="ExportTableRequest", response="Operation",
            )}},
            "image": {"methods": {"computePixels": _method(
                "projects.image.computePixels", "POST", "{+project}/image:computePixels",
                f"{_PROJECT_PATH}/image:computePixels",
                project, request="ComputePixelsRequest", response="HttpBody",
            ), "export": _method(
                "projects.image.export", "POST", "{+project}/image:export", f"{_PROJECT_PATH}/image:export",
                project, request="ExportImageRequest", response="Operation",
            )}},
            "operations": {"methods": _operations_methods()},
            "thumbnails": {"methods": {
                "create": _method(
                    "projects.thumbnails.create", "POST", "{+parent}/thumbnails", f"{_PROJECT_PATH}/thumbnails",
                    ("parent", _PROJECT), _workload_tag_parameter(), request="Thumbnail", response="Thumbnail",
                ),
                "getPixels": _method(
                    "projects.thumbnails.getPixels", "GET", "{+name}:getPixels",
                    f"{_PROJECT_PATH}/thumbnails/{{thumbnailsId}}:getPixels",
                    ("name", _THUMBNAIL), response="HttpBody",
                ),
            }},
            "maps": {
                "methods": {"create": _method(
                    "projects.maps.create", "POST", "{+parent}/maps", f"{_PROJECT_PATH}/maps",
                    ("parent", _PROJECT), _workload_tag_parameter(), request="EarthEngineMap",
                    response="EarthEngineMap",
                )},
                "resources": {"tiles": {"methods": {"get": _method(
                    "projects.maps.tiles.get", "GET", "{+parent}/tiles/{zoom}/{x}/{y}",
                    f"{_PROJECT_PATH}/maps/{{mapsId}}/tiles/{{zoom}}/{{x}}/{{y}}",
                    ("parent", "^projects/[^/]+/maps/[^/]+$"),
                    {k: _param("integer", location="path", required=True, format="int32")
                     for k in ("zoom", "x", "y")},
                    response="HttpBody",
                )}}},
            },
        },
    }


def _operations_methods() -> dict:
    """projects.operations: the batch tasks (list, get, cancel, wait)."""
    operation = ("name", "^projects/[^/]+/operations/.*$")
    flat = f"{_PROJECT_PATH}/operations/{{operationsId}}"
    return {
        "list": _method("projects.operations.list", "GET", "{+name}/operations", f"{_PROJECT_PATH}/operations",
                        ("name", _PROJECT), {"pageSize": _param("integer", format="int32"),
                                             "pageToken": _param("string"), "filter": _param("string")},
                        response="ListOperationsResponse"),
        "get": _method("projects.operations.get", "GET", "{+name}", flat, operation, response="Operation"),
        "cancel": _method("projects.operations.cancel", "POST", "{+name}:cancel", f"{flat}:cancel", operation,
                          request="CancelOperationRequest", response="Empty"),
        "wait": _method("projects.operations.wait", "POST", "{+name}:wait", f"{flat}:wait", operation,
                        request="WaitOperationRequest", response="Operation"),
    }


def _export_schemas() -> list[dict]:
    """The batch export requests and the Operation resource (what the local backend reads and writes of them)."""
    export = {"expression": _ref("Expression"), "description": _string(), "requestId": _string(),
              "fileExportOptions": _any(), "assetExportOptions": _any(), "maxPixels": _any(), "priority": _any(),
              "workloadTag": _string()}
    return [
        _object("ExportImageRequest", "image:export.", **export),
        _object("ExportTableRequest", "table:export.", **export, selectors=_array(_string()),
                maxVertices=_any()),
        _object("Operation", "A long-running batch task.", name=_string(), metadata=_any(),
                done={"type": "boolean", "description": ""}, error=_any(), response=_any()),
        _object("ListOperationsResponse", "A page of operations.", operations=_array(_ref("Operation")),
                nextPageToken=_string()),
        _object("CancelOperationRequest", "Cancel a batch task."),
        _object("WaitOperationRequest", "Wait for a batch task.", timeout=_string(format="google-duration")),
        _object("Empty", "Nothing."),
    ]


# --- schemas --------------------------------------------------------------------------------------


def _any(description: str = "") -> dict:
    return {"type": "any", "description": description}


def _string(description: str = "", **extra: Any) -> dict:
    return {"type": "string", "description": description, **extra}


def _ref(name: str) -> dict:
    return {"$ref": name}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _object(schema_id: str, description: str, /, **properties: dict) -> dict:
    """A named object schema."""
    return {"id": schema_id, "type": "object", "description": description, "properties": properties}


def _schemas() -> dict:
    """Request/response schemas: only the fields the server reads or writes.

    googleapiclient uses them for method docstrings (every `$ref` must resolve) and to generate the
    `*_next` paging helpers, which exist when the response has `nextPageToken` and the request a
    `pageToken` (query parameter or body field).
    """
    schemas = [
        _object(
            "Expression", "A serialized computation graph.",
            result=_string("The key of the value node holding the result."),
            values={"type": "object", "description": "Value nodes by key.", "additionalProperties": _any()},
        ),
        _object(
            "ComputeValueRequest", "Request body of value:compute.",
            expression=_ref("Expression"), workloadTag=_string(),
        ),
        _object("ComputeValueResponse", "Response of value:compute.", result=_any("The computed value.")),
        _object(
            "ComputeFeaturesRequest", "Request body of table:computeFeatures.",
            expression=_ref("Expression"),
            pageSize={"type": "integer", "format": "int32", "description": ""},
            pageToken=_string(), workloadTag=_string(),
        ),
        _object(
            "ComputeFeaturesResponse", "A page of a computed FeatureCollection, as GeoJSON.",
            type=_string("Always \"FeatureCollection\"."),
            features=_array(_any("A GeoJSON Feature.")),
            nextPageToken=_string(),
        ),
        _object(
            "ComputePixelsRequest", "Request body of image:computePixels.",
            expression=_ref("Expression"), fileFormat=_string(), grid=_ref("PixelGrid"),
            bandIds=_array(_string()), visualizationOptions=_ref("VisualizationOptions"), workloadTag=_string(),
        ),
        _object(
            "PixelGrid", "A pixel grid: CRS, affine transform and dimensions.",
            crsCode=_string(), crsWkt=_string(), affineTransform=_any(), dimensions=_any(),
        ),
        _object(
            "VisualizationOptions", "Options rendering pixel values to 8-bit RGB.",
            ranges=_array(_any("{min, max}")), paletteColors=_array(_string()),
            gamma=_any("A number, or {value: number} as the client sends it."),
            opacity={"type": "number", "format": "double", "description": ""},
        ),
        _object(
            "HttpBody", "Raw bytes (the raw client model ignores this schema).",
            contentType=_string(), data=_string(format="byte"), extensions=_array(_any()),
        ),
        _object(
            "Thumbnail", "A thumbnail (getThumbURL / getDownloadURL) to be fetched with :getPixels.",
            name=_string(), expression=_ref("Expression"), fileFormat=_string(), bandIds=_array(_string()),
            visualizationOptions=_ref("VisualizationOptions"), grid=_ref("PixelGrid"), filenamePrefix=_string(),
        ),
        _object(
            "GetPixelsRequest", "Request body of assets.getPixels: an asset's pixels without an expression.",
            fileFormat=_string(), grid=_ref("PixelGrid"), region=_any("A GeoJSON geometry."),
            bandIds=_array(_string()), visualizationOptions=_ref("VisualizationOptions"), workloadTag=_string(),
        ),
        _object(
            "Table", "A table download (FeatureCollection.getDownloadURL) to be fetched with :getFeatures.",
            name=_string(), expression=_ref("Expression"), fileFormat=_string(), selectors=_array(_string()),
            filename=_string(),
        ),
        _object(
            "EarthEngineMap", "A map (getMapId) whose tiles can be fetched.",
            name=_string(), expression=_ref("Expression"), fileFormat=_string(), bandIds=_array(_string()),
            visualizationOptions=_ref("VisualizationOptions"),
        ),
        _object(
            "EarthEngineAsset", "An asset's metadata.",
            type=_string(), name=_string(), id=_string(), updateTime=_string(format="google-datetime"),
            title=_string(), description=_string(),
            properties={"type": "object", "description": "", "additionalProperties": _any()},
            startTime=_string(format="google-datetime"), endTime=_string(format="google-datetime"),
            geometry=_any("GeoJSON."), bands=_array(_any("An ImageBand.")),
            sizeBytes=_string(format="int64"), featureCount=_string(format="int64"),
        ),
        _object(
            "ListAssetsResponse", "A page of assets.",
            assets=_array(_ref("EarthEngineAsset")), nextPageToken=_string(),
        ),
        _object(
            "AlgorithmArgument", "One argument of an algorithm signature.",
            argumentName=_string(), type=_string(), description=_string(),
            optional={"type": "boolean", "description": ""}, defaultValue=_any(),
        ),
        _object(
            "Algorithm", "An algorithm signature.",
            name=_string("algorithms/<name>."), description=_string(), returnType=_string(),
            arguments=_array(_ref("AlgorithmArgument")),
            deprecated={"type": "boolean", "description": ""}, deprecationReason=_string(),
            hidden={"type": "boolean", "description": ""}, preview={"type": "boolean", "description": ""},
        ),
        _object("ListAlgorithmsResponse", "All algorithm signatures.", algorithms=_array(_ref("Algorithm"))),
        *_export_schemas(),
    ]
    return {schema["id"]: schema for schema in schemas}
