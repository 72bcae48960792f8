"""Validate request parameters against the operation's input shape, as the service does.

Messages follow the service's own form, e.g.
``Value 'x' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ...``,
so every message names the member at fault.
"""
from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from botocore.model import Shape

from .errors import InvalidInputException

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


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, value: Any, path: str, constraint: str) -> None:
        self.errors.append(f"Value {_describe(value)} at '{path}' failed to satisfy constraint: {constraint}")

    def check(self, shape: Shape, value: Any, path: str) -> Any:
        checker = _CHECKERS.get(shape.type_name, _Validator.check_scalar)
        return checker(self, shape, value, path)

    def check_structure(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.fail(value, path, "Member must be a structure")
            return value
        result: dict[str, Any] = {}
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(None, _join(path, name), "Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                result[name] = self.check(member, value[name], _join(path, name))
        return result

    def check_list(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.fail(value, path, "Member must be a list")
            return value
        self.check_length(shape, value, path, "Member must have length")
        return [self.check(shape.member, item, f"{path}.{i + 1}.member") for i, item in enumerate(value)]

    def check_map(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.fail(value, path, "Member must be a map")
            return value
        self.check_length(shape, value, path, "Member must have length")
        return {
            self.check(shape.key, key, f"{path}.key"): self.check(shape.value, item, f"{path}.{key}.member")
            for key, item in value.items()
        }

    def check_string(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            self.fail(value, path, "Member must be a string")
            return value
        self.check_length(shape, value, path, "Member must have length")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            self.fail(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            self.fail(value, path, f"Member must satisfy regular expression pattern: {pattern}")
        return value

    def check_integer(self, shape: Shape, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(value, path, "Member must be an integer")
            return value
        self.check_range(shape, value, path)
        return value

    def check_number(self, shape: Shape, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(value, path, "Member must be a number")
            return value
        self.check_range(shape, value, path)
        return float(value)

    def check_boolean(self, shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            self.fail(value, path, "Member must be a boolean")
        return value

    def check_timestamp(self, shape: Shape, value: Any, path: str) -> Any:
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return datetime.fromtimestamp(value, tz=timezone.utc)
            if isinstance(value, str):
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except (ValueError, OverflowError, OSError):
            pass
        self.fail(value, path, "Member must be a timestamp")
        return value

    def check_blob(self, shape: Shape, value: Any, path: str) -> Any:
        try:
            return base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            self.fail(value, path, "Member must be base64-encoded binary")
            return value

    def check_scalar(self, shape: Shape, value: Any, path: str) -> Any:
        return value

    def check_length(self, shape: Shape, value: Any, path: str, prefix: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and len(value) < low:
            self.fail(_shown(value), path, f"{prefix} greater than or equal to {low}")
        if high is not None and len(value) > high:
            self.fail(_shown(value), path, f"{prefix} less than or equal to {high}")

    def check_range(self, shape: Shape, value: float, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            self.fail(value, path, f"Member must have value less than or equal to {high}")


_CHECKERS: dict[str, Callable[[_Validator, Shape, Any, str], Any]] = {
    "structure": _Validator.check_structure,
    "list": _Validator.check_list,
    "map": _Validator.check_map,
    "string": _Validator.check_string,
    "integer": _Validator.check_integer,
    "long": _Validator.check_integer,
    "float": _Validator.check_number,
    "double": _Validator.check_number,
    "boolean": _Validator.check_boolean,
    "timestamp": _Validator.check_timestamp,
    "blob": _Validator.check_blob,
}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(value: Any) -> Any:
    # The service echoes strings, but not whole lists or maps.
    return value if isinstance(value, str) else f"{type(value).__name__} of {len(value)}"


def validate(shape: Shape | None, params: Any) -> dict[str, Any]:
    """The validated parameters (timestamps as datetimes, unknown members dropped), or InvalidInputException."""
    if shape is None:
        return {}
    validator = _Validator()
    result = validator.check(shape, params if params is not None else {}, "")
    if validator.errors:
        count = len(validator.errors)
        noun = "error" if count == 1 else "errors"
        raise InvalidInputException(f"{count} validation {noun} detected: " + "; ".join(validator.errors))
    return result
