"""Results and errors to HTTP responses, driven by the operation's output and error shapes."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from .errors import ServiceError

Response = tuple[int, dict[str, str], bytes]


class ShapeMismatch(AssertionError):
    """The backend produced a member its output shape lacks: a bug here, never the caller's."""


def _to_wire(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        unknown = set(value) - set(shape.members)
        if unknown:
            raise ShapeMismatch(f"{path or shape.name}: members {sorted(unknown)} are not in shape {shape.name}")
        return {
            name: _to_wire(shape.members[name], item, f"{path}.{name}")
            for name, item in value.items()
            if item is not None
        }
    if kind == "list":
        return [_to_wire(shape.member, item, f"{path}[]") for item in value]
    if kind == "map":
        return {key: _to_wire(shape.value, item, f"{path}.{key}") for key, item in value.items()}
    if kind == "timestamp":
        # JSON protocols send timestamps as epoch seconds.
        return value.timestamp() if isinstance(value, datetime) else value
    if kind in ("float", "double"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    return value


def _content_type(service: ServiceModel) -> str:
    if service.metadata["protocol"] == "json":
        return f"application/x-amz-json-{service.metadata['jsonVersion']}"
    return "application/json"


def serialize_result(operation: OperationModel, result: dict[str, Any] | None) -> Response:
    shape = operation.output_shape
    body = _to_wire(shape, result or {}, "") if shape is not None else {}
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
