"""Run a function once a module is imported, without importing it: how the package hooks into moto for free.

Importing moto costs a quarter of a second and our backend far more; a process that imports this package
(every pytest run, through the plugin) must pay neither unless it uses them. A finder at the head of
``sys.meta_path`` waits for the one module's import, lets the usual finders find it, and runs the function
right after the module's code: before anything that imported it can use it.
"""
from __future__ import annotations

import importlib.util
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Callable, Sequence

Then = Callable[[ModuleType], object]  # what it returns is ignored


def when_imported(name: str, then: Then) -> None:
    """``then(module)`` once module ``name`` is imported: now if it already is, else as soon as it is."""
    module = sys.modules.get(name)
    if module is not None:
        then(module)
    else:
        sys.meta_path.insert(0, _Awaiting(name, then))


class _Awaiting(MetaPathFinder):
    """Finds nothing itself: hands the awaited module's spec on, its loader wrapped, and steps aside."""

    def __init__(self, name: str, then: Then) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once: and the finders below find the module as they would have
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self.then)
        return spec


class _ThenLoader(Loader):
    """The module's own loader, then ``then``; anything else asked of it (resources, source) is the loader's."""

    def __init__(self, loader: Loader, then: Then) -> None:
        self.loader = loader
        self.then = then

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        self.then(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)
