"""One request in, one response out: route, parse, validate, call the backend, serialize.

Both ways in (the in-process mock and the HTTP server) hand requests to :func:`dispatch`.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping

from botocore import xform_name

from .errors import InvalidInputException, NotYetSupportedException, ServiceError
from .models import Route, route
from .serialize import Response, serialize_error, serialize_result
from .validate import validate

log = logging.getLogger(__name__)

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_HOST_REGION = re.compile(r"^personalize(?:-events|-runtime)?\.([a-z0-9-]+)\.")
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Caller:
    access_key: str | None
    region: str


def caller(headers: Mapping[str, str], host: str) -> Caller:
    """Who is calling and where: from the SigV4 credential scope, else the endpoint's host."""
    match = _CREDENTIAL.search(headers.get("Authorization", "") or "")
    if match:
        return Caller(match.group(1), match.group(2))
    host_match = _HOST_REGION.match(host)
    return Caller(None, host_match.group(1) if host_match else DEFAULT_REGION)


def signed_service(headers: Mapping[str, str]) -> str | None:
    match = _CREDENTIAL.search(headers.get("Authorization", "") or "")
    return match.group(3) if match else None


def find_route(method: str, path: str, headers: Mapping[str, str]) -> Route | None:
    return route(method, path, headers.get("X-Amz-Target"))


def _parse_body(body: bytes | str | None) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as exc:
        raise InvalidInputException(f"The request body is not valid JSON: {exc}") from None


def dispatch(found: Route, headers: Mapping[str, str], body: bytes | str | None, host: str) -> Response:
    from ..backend import backend_for  # the backend imports the wire's errors; keep the cycle lazy

    operation = found.operation
    service = operation.service_model
    try:
        params = validate(operation.input_shape, _parse_body(body))
        who = caller(headers, host)
        backend = backend_for(who.access_key, who.region)
        handler = getattr(backend, xform_name(operation.name), None)
        if handler is None:
            raise NotYetSupportedException(f"{operation.name} is not supported by personalize-local yet.")
        with backend.lock:
            result = handler(**{xform_name(name): value for name, value in params.items()})
        return serialize_result(operation, result)
    except ServiceError as error:
        return serialize_error(service, error)
