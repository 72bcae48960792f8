"""Object graphs to JSON trees and blobs, and back: no pickle, and no class outside the allowlist.

The encoder walks what it is given generically: containers, dataclasses and other objects of the
package's own classes by their attributes (``__dict__`` and slots), NumPy arrays as blobs in NumPy's
own format, SciPy sparse matrices by their component arrays, pandas frames column by column
(numeric columns as arrays, text columns as JSON), datetimes, enums, and a few types with an
encoding of their own (:data:`frames.TYPES`). An object met twice is encoded once, and referenced
by its node id after that, so two resources that shared an object still share one after a load,
and cycles (a lifecycle and its owner) close. Objects that are the package's module-level
constants (a use case of the catalog, a table of functions) are written as references to them.

Anything else (a lambda, a lock, an object of another library) is refused with the path to it.
Decoding imports only modules of the package (and ``lightfm.lightfm`` for ``LightFM``).
"""
from __future__ import annotations

import dataclasses
import enum
import importlib
import sys
from datetime import date, datetime, time, timedelta
from functools import partial
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Callable, Iterable, Mapping

PACKAGE = "personalize_local"
# Classes of other packages whose instances are data: module -> class names.
EXTRA_CLASSES: Mapping[str, frozenset[str]] = {"lightfm.lightfm": frozenset({"LightFM"})}
PRIMITIVES = (str, int, float, bool, type(None))
FUNCTIONS = (FunctionType, MethodType, BuiltinFunctionType, partial)
# Types JSON reads back exactly as they were written (NaN and infinities included): no node needed.
PLAIN = frozenset(PRIMITIVES)


def plain(values: Iterable[Any]) -> bool:
    """Whether every value is of a :data:`PLAIN` type, so a container of them is JSON as it is."""
    return set(map(type, values)) <= PLAIN


class StateError(ValueError):
    """The state cannot be written (something in it is not data) or read (the file holds what this version refuses)."""


def _own_module(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def allowed_class(module: str, qualname: str) -> bool:
    if "<" in qualname:  # <locals>, <lambda>: nothing a reader could find again
        return False
    return _own_module(module) or qualname in EXTRA_CLASSES.get(module, ())


def resolve(module: str, qualname: str) -> Any:
    """The object ``module``.``qualname``, importing only allowlisted modules."""
    if not (_own_module(module) or module in EXTRA_CLASSES):
        raise StateError(f"The state names {module}.{qualname}, outside the modules a snapshot may use ({PACKAGE}, lightfm).")
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise StateError(f"The state names {module}.{qualname}, which this version of {PACKAGE} does not have.") from None
    return found


def resolve_class(module: str, qualname: str) -> type:
    if not allowed_class(module, qualname):
        raise StateError(f"The state holds an object of class {module}.{qualname}, which a snapshot may not hold: refused.")
    found = resolve(module, qualname)
    if not isinstance(found, type):
        raise StateError(f"The state names {module}.{qualname} as a class; it is not one.")
    return found


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


# Constants ------------------------------------------------------------------------------------
def _is_constant(module: str, name: str, value: Any) -> bool:
    """UPPER_CASE names (constants by convention, never caches), and the module's own functions and classes."""
    if name.startswith("__") or isinstance(value, PRIMITIVES) or type(value).__name__ == "module":
        return False
    if isinstance(value, (type, FunctionType)):
        return value.__module__ == module
    bare = name.lstrip("_")
    return bare.upper() == bare and any(c.isalpha() for c in bare)


def constants() -> dict[int, tuple[Any, list[Any]]]:
    """Objects that are module-level constants of the package: id -> (object, [module, name] or [module, name, key]).

    Constants and the values of constant dicts, lists and tuples (a catalog of use cases, a table of functions).
    """
    found: dict[int, tuple[Any, list[Any]]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not _own_module(module_name):
            continue
        for name, value in list(vars(module).items()):
            if not _is_constant(module_name, name, value):
                continue
            found.setdefault(id(value), (value, [module_name, name]))
            members: Iterable[tuple[Any, Any]] = ()
            if type(value) is dict:
                members = ((k, v) for k, v in value.items() if isinstance(k, (str, int)))
            elif type(value) in (list, tuple):
                members = enumerate(value)
            for key, member in members:
                if not isinstance(member, PRIMITIVES):
                    found.setdefault(id(member), (member, [module_name, name, key]))
    return found


def constant(reference: list[Any]) -> Any:
    module, name, *key = reference
    if not _own_module(module):
        raise StateError(f"The state refers to {module}.{name}, outside {PACKAGE}: refused.")
    value = resolve(module, name)
    if key:
        try:
            value = value[key[0]]
        except (KeyError, IndexError, TypeError):
            raise StateError(f"The state refers to {module}.{name}[{key[0]!r}], which this version does not have.") from None
    return value


# Encoding --------------------------------------------------------------------------------------
class Encoder:
    """Encodes values into JSON trees; blobs (bytes) collect in :attr:`blobs`, referenced by position."""

    def __init__(self, extensions: Iterable[Extension] = ()) -> None:
        self.blobs: list[bytes] = []
        self._extensions = list(extensions)
        self._ids: dict[int, int] = {}
        self._kept: list[Any] = []  # keeps every encoded object alive, so no id() is reused meanwhile
        self._constants = constants()
        self._path: list[str] = []

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

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
        if id(value) in self._constants:
            return ["c", self._constants[id(value)][1]]
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
            if not allowed_class(kind.__module__, kind.__qualname__):
                raise self.refuse(f"a member of {kind.__module__}.{kind.__qualname__}")
            return ["e", kind.__module__, kind.__qualname__, value.name]
        if isinstance(value, type):
            if not allowed_class(value.__module__, value.__qualname__):
                raise self.refuse(f"the class {value.__module__}.{value.__qualname__}")
            return ["cls", value.__module__, value.__qualname__]
        if isinstance(value, FUNCTIONS):
            raise self.refuse(f"a function ({getattr(value, '__qualname__', value)!r}) that is no module-level constant")
        return self._object(value)

    def _object(self, value: Any) -> Any:
        kind = type(value)
        if not allowed_class(kind.__module__, kind.__qualname__):
            raise self.refuse(f"an object of class {kind.__module__}.{kind.__qualname__}")
        node = self._new_id(value)
        attributes = {name: self.encode(member, f".{name}") for name, member in _attributes(value).items()}
        return ["o", node, kind.__module__, kind.__qualname__, attributes]


def _attributes(value: Any) -> dict[str, Any]:
    found = dict(vars(value)) if hasattr(value, "__dict__") else {}
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                found[slot] = getattr(value, slot)
    return found


# Decoding --------------------------------------------------------------------------------------
class Decoder:
    """Decodes the trees :class:`Encoder` makes; ``blob(n)`` gives the n-th blob."""

    def __init__(self, blob: Callable[[int], bytes], extensions: Iterable[Extension] = ()) -> None:
        self.blob = blob
        self._extensions = {extension.tag: extension for extension in extensions}
        self._nodes: dict[int, Any] = {}
        self._readers: dict[str, Callable[[list[Any]], Any]] = {
            "r": self._reference,
            "c": lambda n: constant(n[1]),
            "l": self._list,
            "lp": lambda n: self.register(n[1], n[2]),
            "d": self._dict,
            "dp": lambda n: self.register(n[1], n[2]),
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
            "cls": lambda n: resolve_class(n[1], n[2]),
            "x": self._extension,
            "o": self._object,
        }

    def decode(self, tree: Any) -> Any:
        if not isinstance(tree, list):
            return tree
        reader = self._readers.get(tree[0]) if tree else None
        if reader is None:
            raise StateError(f"The state holds a node of kind {tree[0] if tree else '(empty)'!r}, which this version does not read.")
        return reader(tree)

    def register(self, node: int | None, value: Any) -> Any:
        if node is not None:
            self._nodes[node] = value
        return value

    def _reference(self, tree: list[Any]) -> Any:
        try:
            return self._nodes[tree[1]]
        except KeyError:
            raise StateError(f"The state refers to node {tree[1]}, which it does not define.") from None

    def _list(self, tree: list[Any]) -> list[Any]:
        found: list[Any] = self.register(tree[1], [])
        found.extend(self.decode(v) for v in tree[2])
        return found

    def _dict(self, tree: list[Any]) -> dict[str, Any]:
        found: dict[str, Any] = self.register(tree[1], {})
        for key, value in tree[2].items():
            found[key] = self.decode(value)
        return found

    def _mapping(self, tree: list[Any]) -> dict[Any, Any]:
        found: dict[Any, Any] = self.register(tree[1], {})
        for key, value in tree[2]:
            found[self.decode(key)] = self.decode(value)
        return found

    def _set(self, tree: list[Any]) -> set[Any]:
        found: set[Any] = self.register(tree[1], set())
        found.update(self.decode(v) for v in tree[2])
        return found

    def _enum(self, tree: list[Any]) -> Any:
        cls = resolve_class(tree[1], tree[2])
        try:
            return cls[tree[3]]
        except KeyError:
            raise StateError(f"{tree[1]}.{tree[2]} has no member {tree[3]} in this version.") from None

    def _extension(self, tree: list[Any]) -> Any:
        _, tag, node, payload = tree
        extension = self._extensions.get(tag)
        if extension is None:
            raise StateError(f"The state holds a value of kind {tag!r}, which this version does not read.")
        obj = self.register(node, extension.create(payload, self))
        return self.register(node, extension.fill(obj, payload, self))

    def _object(self, tree: list[Any]) -> Any:
        _, node, module, qualname, attributes = tree
        cls = resolve_class(module, qualname)
        obj = self.register(node, cls.__new__(cls))
        for name, value in attributes.items():
            object.__setattr__(obj, name, self.decode(value))
        _fill_new_fields(obj, cls, attributes)
        return obj


def _fill_new_fields(obj: Any, cls: type, saved: Mapping[str, Any]) -> None:
    """Dataclass fields the saved object lacks (added in a later version) take their defaults; refused without one."""
    if not dataclasses.is_dataclass(cls):
        return
    for field in dataclasses.fields(cls):
        if field.name in saved:
            continue
        if field.default is not dataclasses.MISSING:
            object.__setattr__(obj, field.name, field.default)
        elif field.default_factory is not dataclasses.MISSING:
            object.__setattr__(obj, field.name, field.default_factory())
        else:
            raise StateError(
                f"The state's {cls.__module__}.{cls.__qualname__} lacks the field {field.name}, "
                "which this version needs and has no default for."
            )
