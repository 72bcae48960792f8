"""The console: pages to browse, train, deploy and try what the server holds, at a path no AWS API uses.

The pages' JavaScript calls the service's own API on the same server; only what no AWS
API offers (a dataset's rows, item records by ID) comes from the read-only JSON under ``api/``.
"""
from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

from ..backend import PersonalizeBackend, backend_for
from ..errors import InvalidInputException, ServiceError
from ..service_models import service_model
from ..wire.dispatch import caller
from ..wire.serialize import serialize_error
from .reads import dataset_rows, item_records, s3_object, s3_objects

CONSOLE_PATH = "/_console/"
STATIC = Path(__file__).with_name("static")
# Rows a page shows at most, so one request never ships a whole dataset.
MAX_PAGE = 500

# A read answers JSON (a dict) or a file's bytes.
Read = Callable[[PersonalizeBackend, Request], "dict[str, Any] | bytes"]


def _int(request: Request, name: str, default: int, upper: int) -> int:
    value = request.args.get(name, str(default))
    if not value.isdigit() or int(value) > upper:
        raise InvalidInputException(f"Value '{value}' at '{name}' must be a whole number from 0 to {upper}.")
    return int(value)


def _required(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise InvalidInputException(f"Value null at '{name}' failed to satisfy constraint: Member must not be null")
    return value


# api/<name>: the console's reads, by query parameters, each from existing backend state.
READS: dict[str, Read] = {
    "dataset-rows": lambda backend, request: dataset_rows(
        backend,
        _required(request, "datasetArn"),
        offset=_int(request, "offset", 0, 2**31),
        limit=_int(request, "limit", 25, MAX_PAGE),
    ),
    "items": lambda backend, request: item_records(
        backend, _required(request, "datasetGroupArn"), request.args.getlist("itemId")
    ),
    # A job's output in S3, listed and opened (moto's S3 refuses unsigned reads of a private bucket's objects).
    "s3-objects": lambda backend, request: s3_objects(backend, _required(request, "location")),
    "s3-object": lambda backend, request: s3_object(backend, _required(request, "location")),
}


def serve_console(request: Request) -> Response:
    """A static file of the console, or one of its reads; the index for the console's root."""
    name = request.path[len(CONSOLE_PATH) :] if request.path.startswith(CONSOLE_PATH) else ""
    if name.startswith("api/"):
        return _read(request, name[len("api/") :])
    if request.method not in ("GET", "HEAD"):
        return _refusal(405, "MethodNotAllowedException", f"The console's pages are read with GET, not {request.method}.")
    path = _static_file(name or "index.html")
    if path is None:
        return _refusal(404, "NotFoundException", f"No console page or file {name!r}.")
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "no-cache"})


def _static_file(name: str) -> Path | None:
    """The console's file of that name, if it is one: nothing outside ``static/``, no name the file system refuses."""
    if "\x00" in name:
        return None
    try:
        path = (STATIC / name).resolve()
        found = STATIC.resolve() in path.parents and path.is_file()
    except (OSError, ValueError):  # a name too long, or one the file system can't hold
        return None
    return path if found else None


def _refusal(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"__type": code, "message": message}), status=status, mimetype="application/json")


def _read(request: Request, name: str) -> Response:
    read = READS.get(name)
    if read is None or request.method != "GET":
        return _refusal(404, "NotFoundException", f"No console read {name}")
    who = caller(request.headers, request.host)
    backend = backend_for(who.account_id, who.region)
    try:
        with backend.serving():
            result = read(backend, request)
    except ServiceError as error:
        status, headers, body = serialize_error(service_model("personalize"), error)
        return Response(body, status=status, headers=headers)
    if isinstance(result, bytes):
        return Response(result, mimetype="text/plain")
    return Response(json.dumps(result), mimetype="application/json")
