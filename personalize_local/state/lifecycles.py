"""Lifecycles in saved state: not data, but where a resource stands; read back settled, with no work behind them."""
from __future__ import annotations

import threading
from typing import Any

from ..backend.core import Resource
from ..backend.lifecycle import MODELS, PREFIX, SETTLED, Lifecycle
from .codec import Decoder, Encoder, Extension, StateError


class Lifecycles(Extension):
    """A resource's lifecycle as its model, the status it resumes in (:meth:`Lifecycle.resumable`) and its owner."""

    tag, types = "lifecycle", (Lifecycle,)

    def __init__(self, condition: threading.Condition | None = None) -> None:
        self._condition = condition  # the backend's, which the lifecycles read back wait on

    def encode(self, obj: Lifecycle, encoder: Encoder) -> Any:
        status, reason = obj.resumable()
        return [obj.model_name.removeprefix(PREFIX), status, reason, encoder.encode(obj._owner, "._owner")]

    def create(self, payload: Any, decoder: Decoder) -> Any:
        model, status, reason, _ = payload
        assert self._condition is not None, "reading lifecycles needs the backend's condition"
        if not isinstance(model, str) or model not in MODELS:
            raise StateError(f"The state holds a lifecycle of {PREFIX}{model}, a model this version does not have.")
        if status not in SETTLED or not isinstance(reason, (str, type(None))):
            raise StateError(f"The state holds a {model} in status {status!r}, which a saved resource can't be in.")
        return Lifecycle.settled(model, None, self._condition, status, reason)

    def fill(self, obj: Lifecycle, payload: Any, decoder: Decoder) -> Any:
        owner = decoder.decode(payload[3])
        if not isinstance(owner, Resource):
            raise StateError(f"The state holds a lifecycle owned by a {type(owner).__name__}, not a resource.")
        obj._owner = owner
        return obj
