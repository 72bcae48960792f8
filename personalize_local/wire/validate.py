"""Validate request parameters against the operation's input shape, as the service does.

Messages follow the service's own form, e.g.
``Value 'x' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ...``,
so every message names the member at fault.
"""
from __future__ import annotations

import base64
import re
import threading
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from botocore.model import Shape

from ..errors import InvalidInputException

# Java regex classes botocore's models use that Python's ``re`` lacks.
_JAVA_CLASSES = {
    r"\p{ASCII}": r"\x00-\x7F",
    r"\p{L}": r"\w",
    r"\p{N}": r"\d",
    r"\p{Z}": r"\s",
}
# Java's "." stops at line terminators: the service refuses e.g. a location ending in a newline.
_JAVA_DOT = r"[^\n\r\u0085\u2028\u2029]"


@lru_cache(maxsize=None)
def _pattern(java: str) -> re.Pattern[str]:
    """The model's Java regex as a Python one: ``\\p{...}`` classes become bracket ranges, ``.`` Java's dot."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(java):
        java_class = next((c for c in _JAVA_CLASSES if java.startswith(c, i)), None)
        if java_class:
            ranges = _JAVA_CLASSES[java_class]
            out.append(ranges if in_class else f"[{ranges}]")
            i += len(java_class)
            continue
        char = java[i]
        if char == "\\":
            out.append(java[i : i + 2])
            i += 2
            continue
        in_class = {"[": True, "]": False}.get(char, in_class)
        out.append(_JAVA_DOT if char == "." and not in_class else char)
        i += 1
    return re.compile("".join(out))


def _describe(value: Any) -> str:
    return "null" if value is None else f"'{value}'"


def _shown(value: Any) -> Any:
    # The service echoes strings, but not whole lists or maps.
    return value if isinstance(value, str) else f"{type(value).__name__} of {len(value)}"


# A member's check: (value, path, errors) -> the value as the backend takes it; what is wrong goes to ``errors``.
Check = Callable[[Any, str, list[str]], Any]
_checks: dict[Shape, Check] = {}
# Shapes whose check is being built, and the lock that builds: a server's other threads wait for it to be whole.
_unfinished: set[Shape] = set()
_building = threading.RLock()


def _fail(errors: list[str], value: Any, path: str, constraint: str) -> None:
    errors.append(f"Value {_describe(value)} at '{path}' failed to satisfy constraint: {constraint}")


def _check(shape: Shape) -> Check:
    """The shape's check, built once: every request of an operation walks the same shapes."""
    found = _checks.get(shape)
    if found is not None and shape not in _unfinished:
        return found
    with _building:
        if shape not in _checks:
            _unfinished.add(shape)
            _checks[shape] = lambda value, path, errors: built(value, path, errors)  # stands in while a recursive shape is built
            built = _BUILDERS.get(shape.type_name, _scalar)(shape)
            _checks[shape] = built
            _unfinished.discard(shape)
        return _checks[shape]


def _length(shape: Shape, prefix: str) -> Callable[[Any, str, list[str]], None]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, errors: list[str]) -> None:
        if low is not None and len(value) < low:
            _fail(errors, _shown(value), path, f"{prefix} greater than or equal to {low}")
        if high is not None and len(value) > high:
            _fail(errors, _shown(value), path, f"{prefix} less than or equal to {high}")

    return check


def _range(shape: Shape) -> Callable[[float, str, list[str]], None]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: float, path: str, errors: list[str]) -> None:
        if low is not None and value < low:
            _fail(errors, value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            _fail(errors, value, path, f"Member must have value less than or equal to {high}")

    return check


def _structure(shape: Shape) -> Check:
    required = tuple(shape.required_members)
    members = tuple((name, _check(member)) for name, member in shape.members.items())
    ranked = {name: (rank, member) for rank, (name, member) in enumerate(members)}

    def in_order(value: dict[str, Any], prefix: str, errors: list[str]) -> dict[str, Any]:
        """The members, in the shape's order (which the answer and the errors keep)."""
        result: dict[str, Any] = {}
        for name, member in members:
            item = value.get(name)
            if item is not None:
                result[name] = member(item, prefix + name, errors)
        return result

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            _fail(errors, value, path, "Member must be a structure")
            return value
        prefix = f"{path}." if path else ""
        for name in required:
            if value.get(name) is None:
                _fail(errors, None, prefix + name, "Member must not be null")
        if len(value) >= len(members):
            return in_order(value, prefix, errors)
        # Fewer given than the shape has (an event gives 3 or 4 of its 9): the given ones, if in the shape's order.
        result: dict[str, Any] = {}
        last, before = -1, len(errors)
        for name, item in value.items():
            found = ranked.get(name)
            if found is None or item is None:
                continue
            if found[0] < last:  # not in the shape's order: again, in it
                del errors[before:]
                return in_order(value, prefix, errors)
            last = found[0]
            result[name] = found[1](item, prefix + name, errors)
        return result

    return check


def _list(shape: Shape) -> Check:
    length = _length(shape, "Member must have length")
    member = _check(shape.member)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, list):
            _fail(errors, value, path, "Member must be a list")
            return value
        length(value, path, errors)
        return [member(item, f"{path}.{i + 1}.member", errors) for i, item in enumerate(value)]

    return check


def _map(shape: Shape) -> Check:
    length = _length(shape, "Member must have length")
    key_check, value_check = _check(shape.key), _check(shape.value)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            _fail(errors, value, path, "Member must be a map")
            return value
        length(value, path, errors)
        return {key_check(key, f"{path}.key", errors): value_check(item, f"{path}.{key}.member", errors) for key, item in value.items()}

    return check


def _string(shape: Shape) -> Check:
    length = _length(shape, "Member must have length")
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    enum = shape.metadata.get("enum")
    java = shape.metadata.get("pattern")
    pattern = _pattern(java) if java else None

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            _fail(errors, value, path, "Member must be a string")
            return value
        if len(value) < low or (high is not None and len(value) > high):  # the common case, within bounds, costs no call
            length(value, path, errors)
        if enum and value not in enum:
            _fail(errors, value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        if pattern is not None and not pattern.fullmatch(value):
            _fail(errors, value, path, f"Member must satisfy regular expression pattern: {java}")
        return value

    return check


def _integer(shape: Shape) -> Check:
    in_range = _range(shape)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(errors, value, path, "Member must be an integer")
            return value
        in_range(value, path, errors)
        return value

    return check


def _number(shape: Shape) -> Check:
    in_range = _range(shape)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(errors, value, path, "Member must be a number")
            return value
        in_range(value, path, errors)
        return float(value)

    return check


def _boolean(value: Any, path: str, errors: list[str]) -> Any:
    if not isinstance(value, bool):
        _fail(errors, value, path, "Member must be a boolean")
    return value


def _timestamp(value: Any, path: str, errors: list[str]) -> Any:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=timezone.utc)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    _fail(errors, value, path, "Member must be a timestamp")
    return value


def _blob(value: Any, path: str, errors: list[str]) -> Any:
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError):
        _fail(errors, value, path, "Member must be base64-encoded binary")
        return value


def _scalar(shape: Shape) -> Check:
    return lambda value, path, errors: value


_BUILDERS: dict[str, Callable[[Shape], Check]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _number,
    "double": _number,
    "boolean": lambda _shape: _boolean,
    "timestamp": lambda _shape: _timestamp,
    "blob": lambda _shape: _blob,
}


def validate(shape: Shape | None, params: Any) -> dict[str, Any]:
    """The validated parameters (timestamps as datetimes, unknown members dropped), or InvalidInputException."""
    if shape is None:
        return {}
    errors: list[str] = []
    result = _check(shape)(params if params is not None else {}, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise InvalidInputException(f"{count} validation {noun} detected: " + "; ".join(errors))
    return result
