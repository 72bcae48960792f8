"""personalize-local: Amazon Personalize, emulated locally, for tests and offline development."""
from __future__ import annotations

from .backend.auto_training import make_auto_training_due
from .mock import install as _install
from .mock import mock_personalize
from .progress import progress_of

__all__ = ["mock_personalize", "make_auto_training_due", "progress_of", "ThreadedServer"]
__version__ = "0.1.0"

# Loaded on first use (PEP 562): the server's modules are heavy, and most users only mock.
_LAZY = {"ThreadedServer": "threaded"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_LAZY[name]}", __name__), name)

# Importing the package is enough for moto's own mock_aws to serve Personalize from here.
_install()
