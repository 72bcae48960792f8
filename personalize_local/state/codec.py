"""Records to JSON trees and blobs, and back: no pickle, and nothing a file names outside a fixed table.

What a state may hold is a :class:`Registry`, written out in records.py: the package's record classes
by tag (each with its declared fields and their types: its annotations), its enums by tag, and named
tables of constants (a use case of the catalog ...). A file names a class only by its tag and a
constant only by its table and key; a name outside the registry is refused, and so is a field a class
does not declare or a value that is not of the field's declared type. Nothing is imported, and no
attribute is looked up by a name from a file.

Values are JSON where JSON holds them (text, numbers, lists, string-keyed dicts), and typed nodes
otherwise: tuples, sets, datetimes, records, NumPy arrays and pandas frames (blobs in NumPy's own
format, see arrays.py), lifecycles (lifecycles.py). An object met twice in one record is encoded once
and referenced by its node id after that, so cycles close; a resource of another record is written as
a reference to that record (``external``), so two resources that shared an object still share it.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import enum
import hashlib
import inspect
import types
import typing
from datetime import date, datetime, time, timedelta
from functools import partial
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Callable, Iterable, Mapping

import numpy as np

PRIMITIVES = (str, int, float, bool, type(None))
FUNCTIONS = (FunctionType, MethodType, BuiltinFunctionType, partial)
# Types JSON reads back exactly as they were written (NaN and infinities included): no node needed.
PLAIN = frozenset(PRIMITIVES)
# A reference to another record: (kind, key).
External = tuple[str, str]


def plain(values: Iterable[Any]) -> bool:
    """Whether every value is of a :data:`PLAIN` type, so a container of them is JSON as it is."""
    return set(map(type, values)) <= PLAIN


class StateError(ValueError):
    """The state cannot be written (something in it is not data) or read (the file holds what this version refuses)."""


# What a state may hold --------------------------------------------------------------------------
def declared_fields(cls: type) -> dict[str, Any]:
    """A record class's fields and their types: its annotations (a dataclass's fields, or class-level ones),
    less its ``TRANSIENT`` ones (caches of a call, never written)."""
    transient: frozenset[str] = getattr(cls, "TRANSIENT", frozenset())
    hints = {
        name: hint
        for name, hint in typing.get_type_hints(cls).items()
        if typing.get_origin(hint) is not typing.ClassVar and name not in transient
    }
    for name in hints:
        member = inspect.getattr_static(cls, name, None)
        if name.startswith("__") or callable(member) or isinstance(member, (property, classmethod, staticmethod)):
            raise TypeError(f"{cls.__qualname__}.{name} is declared as a field but is a method or a dunder")
    return hints


class Registry:
    """The record classes, enums and constant tables a state may hold, each under a stable name."""

    def __init__(
        self, records: Mapping[str, type], enums: Mapping[str, type[enum.Enum]], constants: Mapping[str, Mapping[Any, Any]]
    ) -> None:
        self.records = dict(records)
        self.record_tags = {cls: tag for tag, cls in self.records.items()}
        self.fields = {cls: declared_fields(cls) for cls in self.records.values()}
        # Attributes that are caches of a call, not data: never written (a class's ``TRANSIENT``).
        self.transient = {cls: frozenset(getattr(cls, "TRANSIENT", ())) for cls in self.records.values()}
        # What a class rebuilds once its fields are read (what it does not save, derived from what it does).
        self.restorers: dict[type, Callable[[Any], None]] = {
            cls: getattr(cls, "restored") for cls in self.records.values() if callable(getattr(cls, "restored", None))
        }
        self.enums = dict(enums)
        self.enum_tags = {cls: tag for tag, cls in self.enums.items()}
        self.constants = {name: dict(table) for name, table in constants.items()}
        self.constant_names = {
            id(value): [name, key]
            for name, table in self.constants.items()
            for key, value in table.items()
            if not isinstance(value, PRIMITIVES)
        }

    def record_class(self, tag: Any) -> type:
        cls = self.records.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise StateError(f"The state holds a record of kind {tag!r}, which a snapshot may not hold: refused.")
        return cls

    def constant(self, name: Any, key: Any) -> Any:
        table = self.constants.get(name) if isinstance(name, str) else None
        if table is None or not isinstance(key, (str, int)) or key not in table:
            raise StateError(f"The state refers to the constant {name!r}[{key!r}], which this version does not have: refused.")
        return table[key]


def conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the declared type ``hint``: the outer type (a list, a dict, a record ...), unions
    and optionals followed; NumPy's scalars count as the Python numbers they stand for."""
    if hint is Any or isinstance(hint, (str, typing.TypeVar, typing.ForwardRef)):
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is typing.Annotated:
        return conforms(value, typing.get_args(hint)[0])
    if origin is not None:
        hint = origin
    if hint is type(None):
        return value is None
    if not isinstance(hint, type):
        return True  # a protocol or alias typing can't check at run time
    if hint in NUMBERS:
        return isinstance(value, NUMBERS[hint])
    if hint is collections.abc.Callable or issubclass(hint, type):  # a saved value is never code nor a class
        return False
    return isinstance(value, hint)


# A declared number is also any NumPy scalar of its kind (values computed with NumPy are saved as they are).
NUMBERS: dict[type, tuple[type, ...]] = {
    float: (float, int, np.floating, np.integer),
    int: (int, np.integer),
    bool: (bool, np.bool_),
    complex: (complex, float, int, np.number),
}


class Extension:
    """How one type outside the generic walk is written and read (pandas frames, lifecycles ...).

    ``encode(obj, encoder)`` gives a JSON payload; ``create(payload)`` makes the object (registered
    before ``fill`` runs, so references back to it resolve); ``fill(obj, payload, decoder)`` completes it.
    """

    tag: str
    types: tuple[type, ...]
    shared = True  # encoded once and referenced after that

    def encode(self, obj: Any, encoder: "Encoder") -> Any:
        raise NotImplementedError

    def create(self, payload: Any, decoder: "Decoder") -> Any:
        raise NotImplementedError

    def fill(self, obj: Any, payload: Any, decoder: "Decoder") -> Any:
        """Complete ``obj``; returns the object that stands for the node (usually ``obj``)."""
        return obj


# Encoding --------------------------------------------------------------------------------------
def blob_key(data: bytes) -> str:
    """A blob's name: its content's hash, so an unchanged array is the same blob however often it is written."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Encoder:
    """Encodes values into JSON trees; blobs (bytes) collect in :attr:`blobs`, referenced by their hash.

    ``external`` maps the ids of objects that are records of their own to their (kind, key): they are
    written as references, not encoded here."""

    def __init__(
        self,
        registry: Registry,
        extensions: Iterable[Extension] = (),
        external: Mapping[int, External] | None = None,
        cache: Any = None,
    ) -> None:
        self.registry = registry
        self.blobs: dict[str, bytes] = {}
        self.cache = cache  # what extensions keep between encodings of the same objects (tables.py)
        self._extensions = list(extensions)
        self._external = external or {}
        self._ids: dict[int, int] = {}
        self._kept: list[Any] = []  # keeps every encoded object alive, so no id() is reused meanwhile
        self._path: list[str] = []

    def blob(self, data: bytes) -> str:
        key = blob_key(data)
        self.blobs[key] = data
        return key

    def sub(self) -> "Encoder":
        """An encoder for a part encoded on its own (no node of it refers outside it): its blobs are this one's."""
        part = type(self)(self.registry, self._extensions, self._external, self.cache)
        part.blobs = self.blobs
        return part

    def encode(self, value: Any, step: str | None = None) -> Any:
        if type(value) in PLAIN:
            return value
        if step is not None:
            self._path.append(step)
        try:
            return self._encode(value)
        finally:
            if step is not None:
                self._path.pop()

    def root(self, value: Any) -> Any:
        """Encode ``value`` as a record of its own, though other records refer to it."""
        node = self._new_id(value)
        return self._object(value, node)

    def _new_id(self, value: Any) -> int:
        node = len(self._kept)
        self._kept.append(value)
        self._ids[id(value)] = node
        return node

    def refuse(self, what: str) -> StateError:
        return StateError(f"The state at {''.join(self._path) or 'its root'} holds {what}, which a snapshot cannot hold.")

    def _encode(self, value: Any) -> Any:
        known = self._ids.get(id(value))
        if known is not None:
            return ["r", known]
        external = self._external.get(id(value))
        if external is not None:
            return ["res", *external]
        constant = self.registry.constant_names.get(id(value))
        if constant is not None:
            return ["c", *constant]
        kind = type(value)
        if kind is list:
            node = self._new_id(value)
            if plain(value):
                return ["lp", node, value]
            return ["l", node, [self.encode(v, f"[{i}]") for i, v in enumerate(value)]]
        if kind is dict:
            node = self._new_id(value)
            if set(map(type, value)) == {str} and plain(value.values()):
                return ["dp", node, value]
            if all(type(k) is str for k in value):
                return ["d", node, {k: self.encode(v, f"[{k!r}]") for k, v in value.items()}]
            return ["m", node, [[self.encode(k), self.encode(v, f"[{k!r}]")] for k, v in value.items()]]
        if kind is tuple:
            return ["t", [self.encode(v, f"[{i}]") for i, v in enumerate(value)]]
        if kind is set:
            node = self._new_id(value)
            return ["s", node, [self.encode(v) for v in value]]
        if kind is frozenset:
            return ["f", [self.encode(v) for v in value]]
        if kind is bytes:
            return ["b", self.blob(value)]
        if kind is datetime:
            return ["dt", value.isoformat()]
        if kind is date:
            return ["date", value.isoformat()]
        if kind is time:
            return ["time", value.isoformat()]
        if kind is timedelta:
            return ["td", value.days, value.seconds, value.microseconds]
        for extension in self._extensions:
            if isinstance(value, extension.types):
                if not extension.shared:
                    return ["x", extension.tag, None, extension.encode(value, self)]
                node = self._new_id(value)
                return ["x", extension.tag, node, extension.encode(value, self)]
        if isinstance(value, enum.Enum):
            tag = self.registry.enum_tags.get(kind)
            if tag is None:
                raise self.refuse(f"a member of {kind.__module__}.{kind.__qualname__}, an enum outside the registry")
            return ["e", tag, value.name]
        if isinstance(value, type):
            raise self.refuse(f"the class {value.__module__}.{value.__qualname__}")
        if isinstance(value, FUNCTIONS):
            raise self.refuse(f"a function ({getattr(value, '__qualname__', value)!r}) outside the registry's constants")
        return self._object(value, self._new_id(value))

    def _object(self, value: Any, node: int) -> Any:
        kind = type(value)
        tag = self.registry.record_tags.get(kind)
        if tag is None:
            raise self.refuse(f"an object of class {kind.__module__}.{kind.__qualname__}, outside the registry")
        fields, transient = self.registry.fields[kind], self.registry.transient[kind]
        attributes = {}
        for name, member in _attributes(value).items():
            if name in transient:
                continue
            if name not in fields:
                raise self.refuse(f"an attribute {name!r} that {tag} does not declare")
            attributes[name] = self.encode(member, f".{name}")
        return ["o", node, tag, attributes]


def _attributes(value: Any) -> dict[str, Any]:
    found = dict(vars(value)) if hasattr(value, "__dict__") else {}
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                found[slot] = getattr(value, slot)
    return found


# Decoding --------------------------------------------------------------------------------------
class Decoder:
    """Decodes the trees :class:`Encoder` makes; ``blob(key)`` gives a blob, ``external((kind, key))`` another record."""

    def __init__(
        self,
        registry: Registry,
        blob: Callable[[Any], bytes],
        extensions: Iterable[Extension] = (),
        external: Callable[[External], Any] | None = None,
    ) -> None:
        self.registry = registry
        self.blob = blob
        self._external = external
        self._extension_list = list(extensions)
        self._extensions = {extension.tag: extension for extension in self._extension_list}
        self._nodes: dict[int, Any] = {}
        self._readers: dict[str, Callable[[list[Any]], Any]] = {
            "r": self._reference,
            "res": self._record,
            "c": lambda n: self.registry.constant(n[1], n[2]),
            "l": self._list,
            "lp": lambda n: self.register(n[1], _checked(n[2], list)),
            "d": self._dict,
            "dp": lambda n: self.register(n[1], _checked(n[2], dict)),
            "m": self._mapping,
            "t": lambda n: tuple(self.decode(v) for v in n[1]),
            "s": self._set,
            "f": lambda n: frozenset(self.decode(v) for v in n[1]),
            "b": lambda n: self.blob(n[1]),
            "dt": lambda n: datetime.fromisoformat(n[1]),
            "date": lambda n: date.fromisoformat(n[1]),
            "time": lambda n: time.fromisoformat(n[1]),
            "td": lambda n: timedelta(days=n[1], seconds=n[2], microseconds=n[3]),
            "e": self._enum,
            "x": self._extension,
            "o": self._object,
        }

    def sub(self) -> "Decoder":
        """A decoder for a part encoded on its own (:meth:`Encoder.sub`)."""
        return Decoder(self.registry, self.blob, self._extension_list, self._external)

    def decode(self, tree: Any) -> Any:
        if not isinstance(tree, list):
            if isinstance(tree, dict):
                raise StateError("The state holds a bare JSON object where a value belongs, which this version does not read.")
            return tree
        reader = self._readers.get(tree[0]) if tree and isinstance(tree[0], str) else None
        if reader is None:
            raise StateError(f"The state holds a node of kind {tree[0] if tree else '(empty)'!r}, which this version does not read.")
        return reader(tree)

    def register(self, node: Any, value: Any) -> Any:
        if node is not None:
            if not isinstance(node, int) or isinstance(node, bool):
                raise StateError(f"The state holds a node id {node!r}, which is not a number.")
            self._nodes[node] = value
        return value

    def _reference(self, tree: list[Any]) -> Any:
        try:
            return self._nodes[tree[1]]
        except (KeyError, TypeError):
            raise StateError(f"The state refers to node {tree[1]!r}, which it does not define.") from None

    def _record(self, tree: list[Any]) -> Any:
        if self._external is None:
            raise StateError("The state refers to another record where none may be named.")
        return self._external((tree[1], tree[2]))

    def _list(self, tree: list[Any]) -> list[Any]:
        found: list[Any] = self.register(tree[1], [])
        found.extend(self.decode(v) for v in _checked(tree[2], list))
        return found

    def _dict(self, tree: list[Any]) -> dict[str, Any]:
        found: dict[str, Any] = self.register(tree[1], {})
        for key, value in _checked(tree[2], dict).items():
            found[key] = self.decode(value)
        return found

    def _mapping(self, tree: list[Any]) -> dict[Any, Any]:
        found: dict[Any, Any] = self.register(tree[1], {})
        for key, value in _checked(tree[2], list):
            found[self.decode(key)] = self.decode(value)
        return found

    def _set(self, tree: list[Any]) -> set[Any]:
        found: set[Any] = self.register(tree[1], set())
        found.update(self.decode(v) for v in _checked(tree[2], list))
        return found

    def _enum(self, tree: list[Any]) -> Any:
        cls = self.registry.enums.get(tree[1]) if isinstance(tree[1], str) else None
        if cls is None:
            raise StateError(f"The state holds a member of the enum {tree[1]!r}, which a snapshot may not hold: refused.")
        try:
            return cls[tree[2]]
        except (KeyError, TypeError):
            raise StateError(f"{tree[1]} has no member {tree[2]!r} in this version.") from None

    def _extension(self, tree: list[Any]) -> Any:
        _, tag, node, payload = tree
        extension = self._extensions.get(tag) if isinstance(tag, str) else None
        if extension is None:
            raise StateError(f"The state holds a value of kind {tag!r}, which this version does not read.")
        obj = self.register(node, extension.create(payload, self))
        return self.register(node, extension.fill(obj, payload, self))

    def _object(self, tree: list[Any], register: Callable[[Any], None] | None = None) -> Any:
        _, node, tag, attributes = tree
        cls = self.registry.record_class(tag)
        fields = self.registry.fields[cls]
        obj = self.register(node, cls.__new__(cls))  # type: ignore[call-overload]  # the class's own __new__ (a list's ...)
        if register is not None:
            register(obj)
        for name, value in _checked(attributes, dict).items():
            hint = fields.get(name)
            if hint is None:
                raise StateError(f"The state's {tag} has a field {name!r}, which {tag} does not declare: refused.")
            decoded = self.decode(value)
            if not conforms(decoded, hint):
                raise StateError(
                    f"The state's {tag}.{name} holds a {type(decoded).__name__}, not the {_type_name(hint)} {tag} declares: refused."
                )
            object.__setattr__(obj, name, decoded)
        _fill_missing(obj, cls, tag, fields, attributes)
        restored = self.registry.restorers.get(cls)
        if restored is not None:
            restored(obj)
        return obj

    def root(self, tree: Any, register: Callable[[Any], None]) -> Any:
        """Decode a record's root object, telling ``register`` about it before its fields (cycles through other records close)."""
        if not (isinstance(tree, list) and len(tree) == 4 and tree[0] == "o"):
            raise StateError("The state holds a record that is not an object.")
        return self._object(tree, register)


def _checked(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise StateError(f"The state holds a {type(value).__name__} where a {kind.__name__} belongs.")
    return value


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _fill_missing(obj: Any, cls: type, tag: str, fields: Mapping[str, Any], saved: Mapping[str, Any]) -> None:
    """Fields the saved object lacks (added in a later version) take their defaults; refused without one."""
    defaults = {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    for name in fields:
        if name in saved:
            continue
        field = defaults.get(name)
        if field is not None and field.default is not dataclasses.MISSING:
            object.__setattr__(obj, name, field.default)
        elif field is not None and field.default_factory is not dataclasses.MISSING:
            object.__setattr__(obj, name, field.default_factory())
        elif field is None and hasattr(cls, name):
            continue  # a class-level default
        else:
            raise StateError(f"The state's {tag} lacks the field {name}, which this version needs and has no default for.")


class Fingerprint(Encoder):
    """A record's light encoding, to tell whether it changed since it was written: heavy parts (arrays, frames,
    tables, trained models, large containers) stand as their identity and a summary of their size, not encoded.

    ``summaries`` maps a type to what stands for its objects besides their identity (records.py)."""

    # Containers longer than this are summarized: the package grows them (histories ...) but never edits them in place.
    LARGE = 64

    def __init__(self, registry: Registry, extensions: Iterable[Extension], external: Mapping[int, External], summaries: Mapping[type, Callable[[Any], Any]]) -> None:
        super().__init__(registry, extensions, external)
        self._summaries = summaries

    def _encode(self, value: Any) -> Any:
        summary = self._summaries.get(type(value))
        if summary is not None:
            return ["h", id(value), summary(value)]
        if type(value) in (list, dict, set) and len(value) > self.LARGE:
            return ["h", id(value), len(value)]
        return super()._encode(value)
