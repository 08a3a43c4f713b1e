"""EE's Operation resource for batch tasks: states, progress, timestamps and the JSON the official client reads.

The JSON follows EE's v1 `Operation` / `OperationMetadata`: `name` is projects/P/operations/ID (24 characters of
[A-Z0-9], as EE's ids), `metadata.state` is PENDING, RUNNING, CANCELLING, SUCCEEDED, CANCELLED or FAILED, timestamps
end in Z with microseconds (the client's parser takes at most 6 digits), and a finished operation has `done` and an
`error` (a google.rpc.Status; code 1 for CANCELLED) or a `response`. A repeated requestId of the same project returns
the operation it started, as EE does.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import Any

from ee_assets.local.errors import InvalidArgument, NotFound

PENDING, RUNNING, CANCELLING, SUCCEEDED, CANCELLED, FAILED = (
    "PENDING", "RUNNING", "CANCELLING", "SUCCEEDED", "CANCELLED", "FAILED")
FINISHED = frozenset({SUCCEEDED, CANCELLED, FAILED})
ID_ALPHABET = string.ascii_uppercase + string.digits
# google.rpc.Code values of the errors a task ends with
CODE_CANCELLED, CODE_INVALID_ARGUMENT, CODE_INTERNAL = 1, 3, 13
METADATA_TYPE = "type.googleapis.com/google.earthengine.v1.OperationMetadata"


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with microseconds and a Z, as EE writes them."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Operation:
    """One batch task: what it is, its state and progress, and how it ended."""

    project: str
    id: str
    type: str  # EXPORT_IMAGE or EXPORT_FEATURES
    description: str
    priority: int
    request_id: str | None
    state: str = PENDING
    progress: float = 0.0
    create_time: dt.datetime = field(default_factory=now)
    update_time: dt.datetime = field(default_factory=now)
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    destination_uris: list[str] = field(default_factory=list)
    eecu_seconds: float = 0.0
    error: dict | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return f"projects/{self.project}/operations/{self.id}"

    @property
    def done(self) -> bool:
        return self.state in FINISHED

    def to_json(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "@type": METADATA_TYPE, "state": self.state, "description": self.description, "type": self.type,
            "priority": self.priority, "createTime": timestamp(self.create_time),
            "updateTime": timestamp(self.update_time), "progress": round(self.progress, 6), "attempt": 1,
        }
        if self.start_time is not None:
            metadata["startTime"] = timestamp(self.start_time)
        if self.end_time is not None:
            metadata["endTime"] = timestamp(self.end_time)
        if self.destination_uris:
            metadata["destinationUris"] = list(self.destination_uris)
        if self.eecu_seconds:
            metadata["batchEecuUsageSeconds"] = round(self.eecu_seconds, 3)
        out: dict[str, Any] = {"name": self.name, "metadata": metadata}
        if self.done:
            out["done"] = True
            if self.error is not None:
                out["error"] = dict(self.error)
            else:
                out["response"] = {"@type": "type.googleapis.com/google.protobuf.Empty"}
        return out


class OperationStore:
    """Every operation of this server, by id and by (project, requestId); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operations: dict[str, Operation] = {}
        self._by_request: dict[tuple[str, str], str] = {}
        self._changed = threading.Condition(self._lock)

    def create(self, project: str, kind: str, description: str, priority: int, request_id: str | None
               ) -> tuple[Operation, bool]:
        """(the operation, True) for a new task, or (the existing one, False) for a requestId seen before."""
        with self._lock:
            if request_id and (project, request_id) in self._by_request:
                return self._operations[self._by_request[(project, request_id)]], False
            op_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(24))
            op = Operation(project, op_id, kind, description, priority, request_id)
            self._operations[op_id] = op
            if request_id:
                self._by_request[(project, request_id)] = op_id
            return op, True

    def forget(self, op: Operation) -> None:
        """Drop an operation that was never queued (the queue was full)."""
        with self._lock:
            self._operations.pop(op.id, None)
            if op.request_id:
                self._by_request.pop((op.project, op.request_id), None)

    def get(self, project: str, op_id: str) -> Operation:
        with self._lock:
            op = self._operations.get(op_id)
        if op is None or op.project != project:
            raise NotFound(f"Operation projects/{project}/operations/{op_id} not found.")
        return op

    def update(self, op: Operation, **changes: Any) -> None:
        """Change fields of `op` (state, progress, ...) and wake `wait` callers."""
        with self._changed:
            for key, value in changes.items():
                setattr(op, key, value)
            op.update_time = now()
            self._changed.notify_all()

    def wait(self, op: Operation, timeout_s: float) -> None:
        """Block until `op` is done or `timeout_s` passes."""
        with self._changed:
            self._changed.wait_for(lambda: op.done, timeout=max(0.0, timeout_s))

    def page(self, project: str, page_size: int, page_token: str | None) -> tuple[list[Operation], str | None]:
        """A page of the project's operations, newest first, and the token of the next page."""
        with self._lock:
            ops = sorted((o for o in self._operations.values() if o.project == project),
                         key=lambda o: o.create_time, reverse=True)
        start = _decode(page_token) if page_token else 0
        end = start + page_size
        return ops[start:end], (_encode(end) if end < len(ops) else None)


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ops:{offset}".encode()).decode().rstrip("=")


def _decode(token: str) -> int:
    try:
        kind, offset = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")
        if kind != "ops":
            raise ValueError
        return int(offset)
    except ValueError as e:
        raise InvalidArgument(f"Invalid page token '{token}' for operations.list.") from e
