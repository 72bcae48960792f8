"""Results and errors to HTTP responses, driven by the operation's output and error shapes.

A result goes out as the text ``json.dumps`` would write for it after each member took its shape's JSON form
(timestamps as epoch seconds, numbers as the shape's kind), written in one pass by per-shape writers built once:
every response of an operation walks the same shapes, and a dict of its JSON forms would only be walked again by
the encoder.
"""
from __future__ import annotations

import json
import json.encoder
from datetime import datetime
from json.encoder import encode_basestring_ascii as _string
from typing import Any, Callable, Iterable, Mapping

from botocore.model import OperationModel, ServiceModel, Shape

from ..errors import ServiceError

Response = tuple[int, dict[str, str], bytes]

# A value of a shape to its JSON text, as json.dumps writes it (ASCII, ", " and ": " between members).
Writer = Callable[[Any], str]
_writers: dict[Shape, Writer] = {}
# The encoder json.dumps uses with its defaults: for what the writers do not know themselves.
_encode = json.JSONEncoder().encode
_NOT_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_LITERALS = {True: "true", False: "false"}


def _float(value: float) -> str:
    text = float.__repr__(value)
    return _NOT_FINITE.get(text, text)


def _value(value: Any) -> str:
    """Any value as json.dumps writes it: the usual scalars directly, the rest by its encoder."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is float:
        return _float(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return _LITERALS[value]
    if value is None:
        return "null"
    return _encode(value)


def _key(key: Any) -> str:
    # json.dumps writes a map's non-string keys (numbers, booleans, None) as strings: its own way.
    return _string(key) if type(key) is str else _encode({key: 0})[1:-4]


def _writer(shape: Shape) -> Writer:
    """The shape's writer, built once."""
    if shape not in _writers:
        # Stands in while a recursive shape is built: only a structure's writer refers back to it.
        _writers[shape] = lambda value: built(value)  # noqa: E731
        built = _BUILDERS.get(shape.type_name, lambda _shape: _value)(shape)
        _writers[shape] = built
    return _writers[shape]


# A structure's values to their JSON texts: one call for a whole list of them (25 items of an answer ...).
Objects = Callable[[Iterable[Mapping[str, Any]]], list[str]]
_objects: dict[Shape, Objects] = {}


def _objects_of(shape: Shape) -> Objects:
    """The structure's writer of many values, built once (a recursive shape as :func:`_writer` builds it)."""
    if shape not in _objects:
        _objects[shape] = lambda values: built(values)  # noqa: E731
        built = _structures(shape)
        _objects[shape] = built
    return _objects[shape]


def _structures(shape: Shape) -> Objects:
    # Per member: its key as written, whether it is a string or a double (written here, without a call, when the value
    # is one: most members of most answers), and its writer.
    members = {
        name: (_string(name) + ": ", _INLINE.get(member.type_name), _writer(member)) for name, member in shape.members.items()
    }

    def write(values: Iterable[Mapping[str, Any]]) -> list[str]:
        written = []
        for value in values:
            parts = []
            for name, item in value.items():
                # A member the installed botocore's model doesn't know (the service added it later) is left out:
                # an SDK that old never sees it in the service's answer either, its parser skips it.
                if item is None or (member := members.get(name)) is None:
                    continue
                key, inline, writer = member
                kind = type(item)
                if kind is inline is str:
                    parts.append(key + _string(item))
                elif kind is inline is float:
                    text = float.__repr__(item)
                    parts.append(key + _NOT_FINITE.get(text, text))
                else:
                    parts.append(key + writer(item))
            written.append("{" + ", ".join(parts) + "}")
        return written

    return write


# The member shapes whose values a structure's writer writes itself, when they are of this type.
_INLINE = {"string": str, "double": float, "float": float}


def _structure(shape: Shape) -> Writer:
    objects = _objects_of(shape)
    return lambda value: objects((value,))[0]


# Member shapes whose values json's own encoder writes as the writers would, when a value is exactly of this type.
_PLAIN = {"string": str, "double": float, "float": float, "integer": int, "long": int, "boolean": bool}
# json's C encoder with json.dumps's defaults, called directly: a whole list of plain structures in one call.
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)  # None where CPython's _json is missing
_plain_encode = _c_make_encoder(None, None, _string, None, ": ", ", ", False, False, True) if _c_make_encoder else None


def _list(shape: Shape) -> Writer:
    if shape.member.type_name == "structure":
        objects = _objects_of(shape.member)

        def each(value: Any) -> str:
            return "[" + ", ".join(objects(value)) + "]"

        if _plain_encode is None:
            return each
        encode = _plain_encode
        # Per member of the structure, the one type its values may have for json's encoder to write them (None: never).
        kinds = {name: _PLAIN.get(member.type_name) for name, member in shape.member.members.items()}

        def write(value: Any) -> str:
            # A list of dicts whose members the model knows, each of its plain type (an answer's itemList): nothing to
            # leave out (None, unknown members) or convert (an int for a double), so the C encoder writes the same text.
            if type(value) is not list:
                return each(value)
            get = kinds.get
            for entry in value:
                if type(entry) is not dict:
                    return each(value)
                for name, item in entry.items():
                    if get(name) is not type(item):
                        return each(value)
            return "".join(encode(value, 0))

        return write
    member = _writer(shape.member)
    return lambda value: "[" + ", ".join([member(item) for item in value]) + "]"


def _map(shape: Shape) -> Writer:
    member = _writer(shape.value)
    return lambda value: "{" + ", ".join([_key(key) + ": " + member(item) for key, item in value.items()]) + "}"


def _timestamp(value: Any) -> str:
    # JSON protocols send timestamps as epoch seconds.
    return _float(value.timestamp()) if isinstance(value, datetime) else _value(value)


_BUILDERS: dict[str, Callable[[Shape], Writer]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "timestamp": lambda _shape: _timestamp,
    "float": lambda _shape: lambda value: _float(float(value)),
    "double": lambda _shape: lambda value: _float(float(value)),
    "integer": lambda _shape: lambda value: int.__repr__(int(value)),
    "long": lambda _shape: lambda value: int.__repr__(int(value)),
}


def _content_type(service: ServiceModel) -> str:
    if service.metadata["protocol"] == "json":
        return f"application/x-amz-json-{service.metadata['jsonVersion']}"
    return "application/json"


class ResultWriter:
    """An operation's successful responses: its output shape's writer and its Content-Type, found once."""

    __slots__ = ("_type", "_write")

    def __init__(self, operation: OperationModel) -> None:
        shape = operation.output_shape
        self._write = _writer(shape) if shape is not None else None
        self._type = _content_type(operation.service_model)

    def __call__(self, result: dict[str, Any] | None) -> Response:
        body = self._write(result or {}) if self._write is not None else "{}"
        return 200, {"Content-Type": self._type}, body.encode()


def serialize_error(service: ServiceModel, error: ServiceError) -> Response:
    status = error.status
    if status is None:
        modeled = service.shape_for(error.code) if error.code in service.shape_names else None
        status = (modeled.metadata.get("error") or {}).get("httpStatusCode", 400) if modeled else 400
    headers = {"Content-Type": _content_type(service), "x-amzn-ErrorType": error.code}
    body = {"__type": error.code, "message": error.message}
    return status, headers, json.dumps(body).encode()
