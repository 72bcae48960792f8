"""Over HTTP: the same dispatcher behind a werkzeug WSGI app, with moto's server app behind it for the rest.

moto's dispatcher routes by the service in the SigV4 credential scope; the three
Personalize services all sign as ``personalize``, so this app takes their requests
first and tells them apart by target header and path. The console's pages are served
under ``/_console/``, a path no AWS API uses.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .backend.auto_training import make_auto_training_due
from .console import CONSOLE_PATH, serve_console
from .wire.dispatch import dispatch, find_route, signed_service

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4567
# The emulator's own controls for tests, beside moto's /moto-api/: paths no AWS API uses.
MAKE_AUTO_TRAINING_DUE = "/personalize-local/auto-training/make-due"


class PersonalizeServer:
    """A WSGI app answering Personalize, Personalize Events and Personalize Runtime, and moto's services."""

    def __init__(self) -> None:
        self.moto_app = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.method == "POST" and request.path == MAKE_AUTO_TRAINING_DUE:
            return self._make_auto_training_due(request)(environ, start_response)
        if request.path.startswith(CONSOLE_PATH):
            return serve_console(request)(environ, start_response)
        if request.path == CONSOLE_PATH.rstrip("/"):
            return redirect(CONSOLE_PATH)(environ, start_response)
        found = None
        if signed_service(request.headers) in (None, "personalize"):
            found = find_route(request.method, request.path, request.headers)
        if found is None:
            return self.moto_app(environ, start_response)
        status, headers, body = dispatch(found, request.headers, request.get_data(), request.host)
        return Response(body, status=status, headers=headers)(environ, start_response)

    @staticmethod
    def _make_auto_training_due(request: Request) -> Response:
        """``{"solutionArn": ...}`` (optional) in; the automatic versions started out."""
        body = request.get_json(force=True, silent=True) or {}
        started = make_auto_training_due(body.get("solutionArn"))
        return Response(json.dumps({"solutionVersionArns": started}), status=200, mimetype="application/json")


def console_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{CONSOLE_PATH}"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve in the foreground until interrupted."""
    run_simple(host, port, PersonalizeServer(), threaded=True)
