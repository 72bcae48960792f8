"""Environment variables that every call reads, without ``os.environ.get``'s cost for a name that is not set.

``os.environ.get`` of a missing name raises KeyError inside the mapping and catches it again: about a microsecond,
several times a call (the wait budget, quotas, moto's account). The table ``os.environ`` keeps is read directly, as
``os.environ`` itself reads it, so a change made through ``os.environ`` (monkeypatch.setenv ...) shows at once.
"""
from __future__ import annotations

import os
from typing import Any


def environ_value(name: str) -> str | None:
    """``os.environ.get(name)``."""
    environ: Any = os.environ
    data = getattr(environ, "_data", None)
    if data is None:  # not CPython's os._Environ
        return os.environ.get(name)
    key = _keys.get(name)
    if key is None:
        key = _keys[name] = environ.encodekey(name)
    raw = data.get(key)
    return None if raw is None else environ.decodevalue(raw)


# A name as the table's key (its bytes, on POSIX): encoded once, as the same few names are read call after call.
_keys: dict[str, Any] = {}
