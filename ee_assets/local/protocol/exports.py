"""The export and operations methods of the REST API: image:export, table:export and projects.operations
get / list / cancel / wait, answered by the backend's `ExportService` (ee_assets/local/exports/)."""

from __future__ import annotations

import json
import re

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.exports import ExportService

_PROJECT = r"/v1/projects/(?P<project>[^/:]+)"
_OPERATION = _PROJECT + r"/operations/(?P<operation>[A-Za-z0-9_-]+)"
# (HTTP method, path, LocalBackend method name), added to routes.ROUTES
EXPORT_ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("POST", re.compile(_PROJECT + r"/image:export"), "image_export"),
    ("POST", re.compile(_PROJECT + r"/table:export"), "table_export"),
    ("GET", re.compile(_PROJECT + r"/operations"), "list_operations"),
    ("POST", re.compile(_OPERATION + r":cancel"), "cancel_operation"),
    ("POST", re.compile(_OPERATION + r":wait"), "wait_operation"),
    ("GET", re.compile(_OPERATION), "get_operation"),
]
# Route method -> the API method's name (for request counts)
EXPORT_METHOD_NAMES = {"image_export": "image:export", "table_export": "table:export",
                       "list_operations": "operations.list", "cancel_operation": "operations.cancel",
                       "wait_operation": "operations.wait", "get_operation": "operations.get"}
MAX_WAIT_S = 60.0
MAX_PAGE_SIZE = 500


def _json_body(body: bytes) -> dict:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError as e:
        raise InvalidArgument(f"Invalid JSON payload received: {e}.") from e
    if not isinstance(parsed, dict):
        raise InvalidArgument("Invalid JSON payload received: expected an object.")
    return parsed


def _duration_s(text: object) -> float:
    """A google.protobuf.Duration in JSON ("10s", "1.5s")."""
    if text is None:
        return MAX_WAIT_S
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(text))
    if not match:
        raise InvalidArgument(f"Invalid timeout {text!r}: write a duration in seconds such as \"10s\".")
    return min(MAX_WAIT_S, float(match.group(1)))


class ExportMethods:
    """LocalBackend's export and operations methods (a mixin: `self.exports` is the backend's ExportService,
    `self._compute_request` parses and counts a compute body). Each returns the JSON answer as a dict."""

    exports: ExportService

    def image_export(self, m, params, body, root_url):
        return (self.exports.start(m["project"], "image", self._compute_request(body)))

    def table_export(self, m, params, body, root_url):
        return (self.exports.start(m["project"], "table", self._compute_request(body)))

    def get_operation(self, m, params, body, root_url):
        return (self.exports.get(m["project"], m["operation"]))

    def list_operations(self, m, params, body, root_url):
        try:
            size = int(params.get("pageSize") or MAX_PAGE_SIZE)
        except ValueError:
            raise InvalidArgument(f"Invalid pageSize {params.get('pageSize')!r}.") from None
        size = max(1, min(size, MAX_PAGE_SIZE))
        return (self.exports.list(m["project"], size, params.get("pageToken")))

    def cancel_operation(self, m, params, body, root_url):
        return (self.exports.cancel(m["project"], m["operation"]))

    def wait_operation(self, m, params, body, root_url):
        timeout = _duration_s(_json_body(body).get("timeout"))
        return (self.exports.wait(m["project"], m["operation"], timeout))
