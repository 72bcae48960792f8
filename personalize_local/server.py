"""Over HTTP: the same dispatcher behind a werkzeug WSGI app, with moto's server app behind it for the rest.

moto's dispatcher routes by the service in the SigV4 credential scope; the three
Personalize services all sign as ``personalize``, so this app takes their requests
first and tells them apart by target header and path.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from . import snapshot
from .backend.auto_training import make_auto_training_due
from .state import StateError
from .wire.dispatch import dispatch, find_route, signed_service

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4567
# The emulator's own controls for tests, beside moto's /moto-api/: paths no AWS API uses.
MAKE_AUTO_TRAINING_DUE = "/personalize-local/auto-training/make-due"
# A snapshot of the whole state (the file's bytes out), and a snapshot loaded (the file's bytes in).
SNAPSHOT = "/personalize-local/snapshot"
RESTORE = "/personalize-local/restore"
SNAPSHOT_TYPE = "application/vnd.sqlite3"


class PersonalizeServer:
    """A WSGI app answering Personalize, Personalize Events and Personalize Runtime, and moto's services."""

    def __init__(self) -> None:
        self.moto_app = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        control = CONTROLS.get(request.path) if request.method == "POST" else None
        if control is not None:
            return control(request)(environ, start_response)
        found = None
        if signed_service(request.headers) in (None, "personalize"):
            found = find_route(request.method, request.path, request.headers)
        if found is None:
            return self.moto_app(environ, start_response)
        status, headers, body = dispatch(found, request.headers, request.get_data(), request.host)
        return Response(body, status=status, headers=headers)(environ, start_response)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _make_auto_training_due(request: Request) -> Response:
    """``{"solutionArn": ...}`` (optional) in; the automatic versions started out."""
    body = request.get_json(force=True, silent=True) or {}
    return _json({"solutionVersionArns": make_auto_training_due(body.get("solutionArn"))})


def _snapshot(request: Request) -> Response:
    """The whole state as a snapshot file."""
    try:
        return Response(snapshot.dumps(), status=200, mimetype=SNAPSHOT_TYPE)
    except StateError as error:
        return _json({"message": str(error)}, status=500)


def _restore(request: Request) -> Response:
    """A snapshot file in; what it held out. One that can't be read changes nothing and says why."""
    try:
        return _json({"restored": snapshot.loads(request.get_data())})
    except StateError as error:
        return _json({"message": str(error)}, status=400)


CONTROLS: dict[str, Callable[[Request], Response]] = {
    MAKE_AUTO_TRAINING_DUE: _make_auto_training_due,
    SNAPSHOT: _snapshot,
    RESTORE: _restore,
}


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve in the foreground until interrupted."""
    run_simple(host, port, PersonalizeServer(), threaded=True)
