"""Over HTTP: the same dispatcher behind a werkzeug WSGI app, with moto's server app behind it for the rest.

moto's dispatcher routes by the service in the SigV4 credential scope; the three
Personalize services all sign as ``personalize``, so this app takes their requests
first and tells them apart by target header and path. The console's pages are served
under ``/_console/``, a path no AWS API uses.
"""
from __future__ import annotations

import functools
import json
import logging
import signal
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import snapshot
from .backend.auto_training import make_auto_training_due
from .console import CONSOLE_PATH, serve_console
from .durable import DataDir
from .serving import KeepAliveServer
from .state import StateError
from .wire.dispatch import dispatch, find_route, signed_service

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4567
# The emulator's own controls for tests, beside moto's /moto-api/: paths no AWS API uses.
MAKE_AUTO_TRAINING_DUE = "/personalize-local/auto-training/make-due"
HEALTH = "/personalize-local/health"
# A snapshot of the whole state (the file's bytes out), and a snapshot loaded (the file's bytes in).
SNAPSHOT = "/personalize-local/snapshot"
RESTORE = "/personalize-local/restore"
SNAPSHOT_TYPE = "application/vnd.sqlite3"
# One JSON line per call: service, operation, status, milliseconds.
access_log = logging.getLogger("personalize_local.access")
log = logging.getLogger(__name__)


@functools.cache
def package_version() -> str:
    try:
        return version("personalize-local")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _call_of(request: Request) -> tuple[str, str]:
    """(service, operation) of a call moto answers, as far as the request tells: its signing scope and its
    X-Amz-Target or Action, else its method and path."""
    if request.path.startswith("/personalize-local/"):
        return "personalize-local", request.path.removeprefix("/personalize-local/")
    service = signed_service(request.headers) or "unsigned"
    target = request.headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    action = request.args.get("Action")
    return service, action or f"{request.method} {request.path}"


class PersonalizeServer:
    """A WSGI app answering Personalize, Personalize Events and Personalize Runtime, and moto's services."""

    def __init__(self, data_dir: DataDir | None = None) -> None:
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.started = time.monotonic()
        self.data_dir = data_dir  # where the state is kept, if anywhere

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        begun = time.perf_counter()
        request = Request(environ)
        statuses: list[int] = []

        def noting(status: str, headers: Any, *rest: Any) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, *rest)

        found = self._personalize_route(request)
        service, operation = _call_of(request) if found is None else (found.operation.service_model.endpoint_prefix, found.operation.name)
        try:
            return self._answer(request, found, environ, noting)
        finally:
            access_log.info(json.dumps({
                "service": service,
                "operation": operation,
                "status": statuses[0] if statuses else 500,
                "ms": round((time.perf_counter() - begun) * 1000, 2),
            }))

    @staticmethod
    def _personalize_route(request: Request) -> Any:
        if signed_service(request.headers) in (None, "personalize"):
            return find_route(request.method, request.path, request.headers)
        return None

    def _answer(self, request: Request, found: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        control = CONTROLS.get((request.method, request.path))
        if control is not None:
            response = control(self, request)
            if self.data_dir is not None and request.method == "POST":
                self.data_dir.checkpoint()
            return response(environ, start_response)
        if request.path.startswith(CONSOLE_PATH):
            return serve_console(request)(environ, start_response)
        if request.path == CONSOLE_PATH.rstrip("/"):
            return redirect(CONSOLE_PATH)(environ, start_response)
        if found is None:
            answer = self.moto_app(environ, start_response)
            if self.data_dir is not None:
                self.data_dir.after_moto(request.method, request.path)
            return answer
        call = dispatch if self.data_dir is None else self.data_dir.dispatch
        status, headers, body = call(found, request.headers, request.get_data(), request.host)
        return Response(body, status=status, headers=headers)(environ, start_response)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _health(server: PersonalizeServer, request: Request) -> Response:
    return _json({"status": "ok", "version": package_version(), "uptimeSeconds": round(time.monotonic() - server.started, 3)})


def _make_auto_training_due(server: PersonalizeServer, request: Request) -> Response:
    """``{"solutionArn": ...}`` (optional) in; the automatic versions started out."""
    body = request.get_json(force=True, silent=True) or {}
    return _json({"solutionVersionArns": make_auto_training_due(body.get("solutionArn"))})


def _snapshot(server: PersonalizeServer, request: Request) -> Response:
    """The whole state as a snapshot file."""
    try:
        return Response(snapshot.dumps(), status=200, mimetype=SNAPSHOT_TYPE)
    except StateError as error:
        return _json({"message": str(error)}, status=500)


def _restore(server: PersonalizeServer, request: Request) -> Response:
    """A snapshot file in; what it held out. One that can't be read changes nothing and says why."""
    try:
        return _json({"restored": snapshot.loads(request.get_data())})
    except StateError as error:
        return _json({"message": str(error)}, status=400)


# The emulator's own endpoints, by method and path.
CONTROLS: dict[tuple[str, str], Callable[[PersonalizeServer, Request], Response]] = {
    ("GET", HEALTH): _health,
    ("POST", MAKE_AUTO_TRAINING_DUE): _make_auto_training_due,
    ("POST", SNAPSHOT): _snapshot,
    ("POST", RESTORE): _restore,
}


def console_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{CONSOLE_PATH}"


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, ready: Callable[[int], None] | None = None, data_dir: DataDir | None = None
) -> None:
    """Serve in the foreground until SIGTERM or SIGINT; then stop taking calls and let those in flight finish.

    ``ready`` is told the port once the socket listens (port 0 picks a free one). ``data_dir``, opened,
    keeps every acknowledged call; it is closed (the journal folded into a checkpoint) once the last call is done."""
    server = KeepAliveServer(host, port, PersonalizeServer(data_dir))  # server_close() lets the calls in flight finish
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("stopping on %s: finishing the calls in flight", signal.Signals(signum).name)
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready(server.server_port)
        server.serve_forever()
    finally:
        server.server_close()
        if data_dir is not None:
            data_dir.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("stopped")
