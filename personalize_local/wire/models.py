"""Request routing by botocore's service models: which operation a request asks for."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from botocore import xform_name
from botocore.model import OperationModel

from ..service_models import SERVICES, service_model
from .serialize import ResultWriter


@dataclass(frozen=True)
class Route:
    service: str
    operation: OperationModel
    # The backend method that answers, and the keyword each input member becomes: worked out once, not per call.
    handler: str = field(init=False)
    keywords: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shape = self.operation.input_shape
        object.__setattr__(self, "handler", xform_name(self.operation.name))
        object.__setattr__(self, "keywords", {name: xform_name(name) for name in (shape.members if shape else ())})

    @cached_property
    def write(self) -> ResultWriter:
        """The operation's successful responses, built at its first (not at start, for every operation)."""
        return ResultWriter(self.operation)


@lru_cache(maxsize=None)
def _targets() -> dict[str, Route]:
    """``AmazonPersonalize.<Op>`` -> route, for the JSON 1.1 control plane."""
    model = service_model("personalize")
    prefix = model.metadata["targetPrefix"]
    return {f"{prefix}.{op}": Route("personalize", model.operation_model(op)) for op in model.operation_names}


@lru_cache(maxsize=None)
def _paths() -> dict[tuple[str, str], Route]:
    """(method, path) -> route, for the REST-JSON events and runtime services."""
    routes: dict[tuple[str, str], Route] = {}
    for service in SERVICES[1:]:
        model = service_model(service)
        for op in model.operation_names:
            operation = model.operation_model(op)
            routes[(operation.http["method"], operation.http["requestUri"])] = Route(service, operation)
    return routes


def route(method: str, path: str, target: str | None) -> Route | None:
    """The operation a request asks for: by ``X-Amz-Target``, else by method and path."""
    if target:
        return _targets().get(target)
    return _paths().get((method.upper(), path.rstrip("/") or "/"))
