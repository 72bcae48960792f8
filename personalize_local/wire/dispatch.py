"""One request in, one response out: route, parse, validate, call the backend, serialize.

Every way in (the in-process mock, our HTTP server, moto's servers) hands requests to :func:`dispatch`,
or to :func:`answer` where a request may name no operation.
"""
from __future__ import annotations

import json
import logging
import re
from json.scanner import make_scanner
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Union, cast

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import get_account_id_from

from ..backend import backend_for, faults
from ..backend.environ import environ_value
from ..errors import InternalFailure, NotYetSupportedException, SerializationException, ServiceError, UnknownOperationException
from ..service_models import service_model
from .models import Route, route
from .partitions import global_arns
from .serialize import Response, serialize_error
from .validate import validate

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers as ServerHeaders

# A request's headers, read by name: botocore's (a mapping) in-process, werkzeug's on the server.
Headers = Union[Mapping[str, str], "ServerHeaders"]

log = logging.getLogger(__name__)

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_HOST_REGION = re.compile(r"^personalize(?:-events|-runtime)?\.([a-z0-9-]+)\.")
DEFAULT_REGION = "us-east-1"


class Caller(NamedTuple):
    account_id: str
    region: str


def _credential(authorization: str) -> re.Match[str] | None:
    """``_CREDENTIAL.search``, tried first where "Credential=" first appears: a search over the whole header, which
    a signature makes long, costs more than the call's other regular expressions together."""
    at = authorization.find("Credential=")
    if at < 0:
        return None
    return _CREDENTIAL.match(authorization, at) or _CREDENTIAL.search(authorization, at + 1)


def caller(headers: Headers, host: str) -> Caller:
    """Who is calling and where: the account as moto resolves it, the region from the credential scope or host."""
    match = _credential(headers.get("Authorization", "") or "")
    if match:
        region = match.group(2)
    else:
        host_match = _HOST_REGION.match(host)
        region = host_match.group(1) if host_match else DEFAULT_REGION
    # tuple.__new__ at once, rather than through the named tuple's own __new__ (a Python function): every call has one.
    return tuple.__new__(Caller, (_account(headers, match.group(1) if match else None), region))


def _account(headers: Headers, access_key: str | None) -> str:
    """moto's order: MOTO_ACCOUNT_ID, then the x-moto-account-id header, then the access key's account."""
    account = environ_value("MOTO_ACCOUNT_ID")
    if account is not None:
        return account
    if headers.get("x-moto-account-id"):
        return headers["x-moto-account-id"]
    return get_account_id_from(access_key) if access_key else DEFAULT_ACCOUNT_ID


def signed_service(headers: Headers) -> str | None:
    match = _credential(headers.get("Authorization", "") or "")
    return match.group(3) if match else None


def find_route(method: str, path: str, headers: Headers) -> Route | None:
    return route(method, path, headers.get("X-Amz-Target"))


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


# json.loads' own scanner (strict, as json.loads is): for a body as botocore sends it, without json.loads' steps around it.
_scan: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed names the class


def _parse_body(body: bytes | str | None) -> dict[str, Any]:
    """The request's JSON object; a body that is not one is the service's SerializationException."""
    if not body:
        return {}
    # An object in UTF-8 from its first byte to its last (json.loads reads b"{" then a non-zero byte as UTF-8): scanned
    # at once. Anything else, or anything wrong, goes the whole way below, which words the error.
    if type(body) is bytes and body[:1] == b"{" and body[1:2] != b"\x00":
        text = ""
        try:
            text = body.decode("utf-8", "surrogatepass")
            parsed, end = _scan(text, 0)
        except (ValueError, StopIteration, RecursionError):
            end = -1
        if end == len(text):
            return cast("dict[str, Any]", parsed)  # an object: it began with "{"
    try:
        parsed = json.loads(body)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise SerializationException(f"The request body is not valid JSON: {exc}") from None
    except RecursionError:  # json's parser recurses once per level: a body nested deeper than the stack
        raise SerializationException("The request body is JSON nested too deeply to be read.") from None
    if not isinstance(parsed, dict):
        raise SerializationException(f"The request body must be a JSON object, not {_JSON_KINDS.get(type(parsed), 'a value')}.")
    return parsed


def unknown_operation(method: str, path: str, target: str | None) -> Response:
    """Personalize's ``UnknownOperationException``: 400 on its JSON control plane (``/``), 404 on another path."""
    if target or path == "/":
        service = service_model("personalize")
        asked = f"X-Amz-Target {target!r}" if target else f"{method} / without an X-Amz-Target"
        error = UnknownOperationException(f"{asked} names no operation of {service.metadata['serviceFullName']}.")
    else:
        service = service_model("personalize-runtime")
        error = UnknownOperationException(f"{method} {path} is no operation of Amazon Personalize.")
        error.status = 404
    return serialize_error(service, error)


def answer(method: str, path: str, headers: Headers, body: bytes | str | None, host: str) -> Response:
    """A request to any of the three services: its operation's answer, or the service's ``UnknownOperationException``."""
    found = route(method, path, headers.get("X-Amz-Target"))
    if found is None:
        return unknown_operation(method, path, headers.get("X-Amz-Target"))
    return dispatch(found, headers, body, host)


def dispatch(found: Route, headers: Headers, body: bytes | str | None, host: str) -> Response:
    operation = found.operation
    try:
        account_id, region = caller(headers, host)
        # Faults armed for tests: a throttle answers before anything is read, as the service's front door would.
        with faults.calling(account_id, region, operation.name):
            params = validate(operation.input_shape, _parse_body(body))
            backend = backend_for(account_id, region)
            handler = backend.handler(found.handler)
            if handler is None:
                raise NotYetSupportedException(f"{operation.name} is not supported by personalize-local yet.")
            keywords = found.keywords
            arns = global_arns(backend.partition)
            if arns.trades:
                params = arns.members(operation.input_shape, params)
                with backend.serving(operation.name, params), arns.messages():
                    result = handler(**{keywords[name]: value for name, value in params.items()})
                result = arns.members(operation.output_shape, result)
            else:  # the catalog's own partition: nothing to trade, and no layer around the call for it
                with backend.serving(operation.name, params):
                    result = handler(**{keywords[name]: value for name, value in params.items()})
        return found.write(result)
    except ServiceError as error:
        return serialize_error(operation.service_model, error)
    except Exception as error:  # a bug here: the service's InternalFailure code, on a status clients don't retry; say it loudly
        log.exception("%s failed", operation.name)
        return serialize_error(operation.service_model, InternalFailure(f"{operation.name} failed inside personalize-local: {error!r}"))
