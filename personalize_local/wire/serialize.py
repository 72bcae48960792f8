"""Results and errors to HTTP responses, driven by the operation's output and error shapes."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

from botocore.model import OperationModel, ServiceModel, Shape

from ..errors import ServiceError

Response = tuple[int, dict[str, str], bytes]


# A value of a shape to its JSON form; None where the value goes out as it is (strings, booleans ...).
Writer = Callable[[Any], Any]
_writers: dict[Shape, Writer | None] = {}


def _writer(shape: Shape) -> Writer | None:
    """The shape's writer, built once: every response of an operation walks the same shapes."""
    if shape not in _writers:
        # Stands in while a recursive shape is built: only a structure's writer refers back to it.
        _writers[shape] = lambda value: built(value)  # type: ignore[misc]  # a structure's writer is never None  # noqa: E731
        built = _BUILDERS.get(shape.type_name, lambda _shape: None)(shape)
        _writers[shape] = built
    return _writers[shape]


def _structure(shape: Shape) -> Writer:
    members = {name: _writer(member) for name, member in shape.members.items()}

    def write(value: dict[str, Any]) -> dict[str, Any]:
        # A member the installed botocore's model doesn't know (the service added it later) is left out:
        # an SDK that old never sees it in the service's answer either, its parser skips it.
        return {
            name: item if (member := members[name]) is None else member(item)
            for name, item in value.items()
            if item is not None and name in members
        }

    return write


def _list(shape: Shape) -> Writer:
    member = _writer(shape.member)
    return list if member is None else lambda value: [member(item) for item in value]


def _map(shape: Shape) -> Writer:
    member = _writer(shape.value)
    return dict if member is None else lambda value: {key: member(item) for key, item in value.items()}


def _timestamp(value: Any) -> Any:
    # JSON protocols send timestamps as epoch seconds.
    return value.timestamp() if isinstance(value, datetime) else value


_BUILDERS: dict[str, Callable[[Shape], Writer | None]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "timestamp": lambda _shape: _timestamp,
    "float": lambda _shape: float,
    "double": lambda _shape: float,
    "integer": lambda _shape: int,
    "long": lambda _shape: int,
}


def _content_type(service: ServiceModel) -> str:
    if service.metadata["protocol"] == "json":
        return f"application/x-amz-json-{service.metadata['jsonVersion']}"
    return "application/json"


def serialize_result(operation: OperationModel, result: dict[str, Any] | None) -> Response:
    shape = operation.output_shape
    writer = _writer(shape) if shape is not None else None
    body = writer(result or {}) if writer is not None else {}
    headers = {"Content-Type": _content_type(operation.service_model)}
    return 200, headers, json.dumps(body).encode()


def serialize_error(service: ServiceModel, error: ServiceError) -> Response:
    status = error.status
    if status is None:
        modeled = service.shape_for(error.code) if error.code in service.shape_names else None
        status = (modeled.metadata.get("error") or {}).get("httpStatusCode", 400) if modeled else 400
    headers = {"Content-Type": _content_type(service), "x-amzn-ErrorType": error.code}
    body = {"__type": error.code, "message": error.message}
    return status, headers, json.dumps(body).encode()
