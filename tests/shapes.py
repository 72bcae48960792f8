"""Check a raw JSON response against the operation's output shape: botocore's parser drops what it does not know."""
from __future__ import annotations

import json
from typing import Any

from botocore.model import OperationModel, Shape

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (int, float),
    "blob": (str,),
}


def check_value(shape: Shape, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object for {shape.name}, got {value!r}"]
        errors = [f"{path}.{name}: not a member of {shape.name}" for name in value if name not in shape.members]
        errors += [f"{path}.{name}: required by {shape.name}, missing" for name in shape.required_members if name not in value]
        for name, item in value.items():
            if name in shape.members:
                errors += check_value(shape.members[name], item, f"{path}.{name}")
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        return [e for i, item in enumerate(value) for e in check_value(shape.member, item, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {value!r}"]
        return [e for key, item in value.items() for e in check_value(shape.value, item, f"{path}.{key}")]
    allowed = _SCALARS[kind]
    if isinstance(value, bool) and kind != "boolean" or not isinstance(value, allowed):
        return [f"{path}: expected {kind}, got {value!r}"]
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        return [f"{path}: {value!r} is not one of {enum}"]
    return []

# Errors every AWS API may answer, which no service model lists.
COMMON_ERRORS = frozenset({"ThrottlingException"})


def check_raw_response(operation: OperationModel, status: int, body: bytes) -> list[str]:
    where = operation.name
    try:
        document = json.loads(body) if body else {}
    except ValueError:
        return [f"{where}: body is not JSON: {body[:200]!r}"]
    if status >= 300:
        errors = [f"{where}: error without {key}" for key in ("__type", "message") if key not in document]
        modeled = {shape.name for shape in operation.error_shapes} | COMMON_ERRORS
        code = document.get("__type")
        if status < 500 and code not in modeled:
            errors.append(f"{where}: error {code} is not modeled for the operation ({sorted(modeled)})")
        return errors
    if operation.output_shape is None:
        return [] if document == {} else [f"{where}: output shape is empty but body is {document!r}"]
    return [f"{where}{e}" for e in check_value(operation.output_shape, document, "")]
