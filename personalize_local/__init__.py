"""personalize-local: Amazon Personalize, emulated locally, for tests and offline development.

Importing the package costs next to nothing (the pytest plugin imports it in every pytest run): what it
exports loads on first use, and it hooks into moto once moto itself is imported.
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

from .after_import import when_imported

__all__ = ["mock_personalize", "make_auto_training_due", "progress_of", "ThreadedServer", "inject_faults"]
__version__ = "0.1.0"

# Loaded on first use (PEP 562): the backend and the server's modules are heavy, moto is not light,
# and most users only mock.
_LAZY = {
    "mock_personalize": "mock",
    "make_auto_training_due": "backend",
    "progress_of": "backend",
    "ThreadedServer": "threaded",
    "inject_faults": "faults",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_LAZY[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def _mock() -> ModuleType:
    return import_module(".mock", __name__)  # importing it puts its handler in the place of moto's


# Importing the package is enough for moto's own mock_aws to serve Personalize from here, and for moto's
# servers and moto.backends.get_backend to reach this emulator's backends; moto's modules are not imported here.
when_imported("moto", lambda _moto: _mock())
when_imported("moto.personalize", lambda moto_personalize: _mock().lend_backends(moto_personalize))
