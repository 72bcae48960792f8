"""Over HTTP: the same dispatcher behind a werkzeug WSGI app, with moto's server app behind it for the rest.

moto's dispatcher routes by the service in the SigV4 credential scope; the three
Personalize services all sign as ``personalize``, so this app takes their requests
first and tells them apart by target header and path; one signed for Personalize that
names no operation of it is answered ``UnknownOperationException`` here, never handed to
moto. The console's pages are served under ``/_console/``, a path no AWS API uses.

Browsers: the emulator's own endpoints and moto's (``/personalize-local/``, ``/moto-api/``)
change state only for a request without an ``Origin`` header (SDKs, curl, the CLI) or from
the server's own origin with a JSON (non-simple) content type, so no page elsewhere can
reset or replace the state; and no answer allows a foreign origin to read it (CORS), but
for an S3 bucket whose own CORS configuration (PutBucketCors) allows that origin.
An exception no handler expected is answered ``InternalFailure`` in JSON, never an HTML page.

Calls of the three services that no browser sent, and the health check, take :meth:`PersonalizeServer.answer_plain`,
the same answer and access log line without a WSGI environ, Request or Response (serving.py reads the request for it).
"""
from __future__ import annotations

import functools
import json
import logging
import signal
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response
from moto.s3.utils import bucket_name_from_url, cors_matches_origin
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import faults, snapshot
from .backend import make_auto_training_due
from .console import CONSOLE_PATH, serve_console
from .durable import DataDir
from .errors import InternalFailure
from .service_models import service_model
from .serving import Answer, CannotListen, KeepAliveServer, PlainRequest, run_app
from .state import StateError
from .wire.dispatch import Headers, dispatch, find_route, signed_service, unknown_operation
from .wire.models import Route
from .wire.serialize import serialize_error

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4567
# The emulator's own controls for tests, beside moto's /moto-api/: paths no AWS API uses.
MAKE_AUTO_TRAINING_DUE = "/personalize-local/auto-training/make-due"
HEALTH = "/personalize-local/health"
# A snapshot of the whole state (the file's bytes out), and a snapshot loaded (the file's bytes in).
SNAPSHOT = "/personalize-local/snapshot"
RESTORE = "/personalize-local/restore"
SNAPSHOT_TYPE = "application/vnd.sqlite3"
# Faults armed for tests (personalize_local/faults.py): GET lists them, POST arms more, DELETE clears them.
FAULTS = "/personalize-local/faults"
# Where the emulator's and moto's own endpoints are: any method but these changes state there.
OWN_PREFIX = "/personalize-local/"
CONTROL_PREFIXES = (OWN_PREFIX, "/moto-api/")
# Paths whose requests the WSGI app answers, whatever they name: the emulator's and moto's endpoints, the console.
NOT_PLAIN = (*CONTROL_PREFIXES, CONSOLE_PATH.rstrip("/"))
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Content types a page may send to another origin without a preflight (a CORS "simple" request).
SIMPLE_TYPES = frozenset({"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
DEFAULT_PORTS = {"http": 80, "https": 443}
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
        foreign: str | None = None

        def noting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            if foreign is not None:
                headers = _without_cors_allowance(request, foreign, headers)
            return start_response(status, headers, exc_info)

        found = None
        service, operation = "unknown", f"{request.method} {request.path}"
        try:
            foreign = _foreign_origin(request)
            found = _personalize_route(request.method, request.path, request.headers)
            service, operation = _call_of(request) if found is None else (found.operation.service_model.endpoint_prefix, found.operation.name)
            return self._answer(request, found, environ, noting)
        except Exception as error:  # a bug: said loudly, answered in JSON on a status clients don't retry
            log.exception("%s %s failed", request.method, request.path)
            failure = _internal_failure(found, f"{operation} failed inside personalize-local: {error!r}")
            return failure(environ, functools.partial(noting, exc_info=sys.exc_info()))
        finally:
            _log_access(service, operation, statuses[-1] if statuses else 500, begun)

    def answer_plain(self, request: PlainRequest) -> Answer | None:
        """A call of one of the three services, or the health check, answered as :meth:`__call__` answers it (the
        same bytes, the same access log line) without a WSGI environ, Request or Response; None for any other
        request: one a browser sent (``Origin``), to the emulator's other endpoints or the console, or for moto."""
        if "Origin" in request.headers:
            return None
        if request.path.startswith(NOT_PLAIN):
            return self._plain_health() if request.path == HEALTH and request.method == "GET" else None
        found = _personalize_route(request.method, request.path, request.headers)
        if found is None:
            return None
        begun = time.perf_counter()
        answer: Answer | None = None
        try:
            call = dispatch if self.data_dir is None else self.data_dir.dispatch
            answer = _as_sent(request.method, *call(found, request.headers, request.body(), request.host))
        except Exception as error:  # a bug: as __call__ answers it
            log.exception("%s %s failed", request.method, request.path)
            failure = _internal_failure(found, f"{found.operation.name} failed inside personalize-local: {error!r}")
            answer = run_app(failure, {"REQUEST_METHOD": request.method})
        finally:
            status = int(answer[0].split(" ", 1)[0]) if answer is not None else 500
            _log_access(found.operation.service_model.endpoint_prefix, found.operation.name, status, begun)
        return answer

    def _plain_health(self) -> Answer:
        begun = time.perf_counter()
        answer = _as_sent("GET", 200, {"Content-Type": "application/json"}, json.dumps(self.health()).encode())
        _log_access("personalize-local", HEALTH.removeprefix(OWN_PREFIX), 200, begun)
        return answer

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "version": package_version(), "uptimeSeconds": round(time.monotonic() - self.started, 3)}

    def _answer(self, request: Request, found: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refusal = _browser_refusal(request)
        if refusal is not None:
            return refusal(environ, start_response)
        control = CONTROLS.get((request.method, request.path))
        if control is not None:
            response = control(self, request)
            if self.data_dir is not None and request.method == "POST":
                self.data_dir.checkpoint()
            return response(environ, start_response)
        if request.path.startswith(OWN_PREFIX):
            return _no_control(request)(environ, start_response)
        if request.path.startswith(CONSOLE_PATH):
            return serve_console(request)(environ, start_response)
        if request.path == CONSOLE_PATH.rstrip("/"):
            return redirect(CONSOLE_PATH)(environ, start_response)
        if found is None and _asks_personalize(request):
            return _unknown_operation(request)(environ, start_response)
        if found is None:
            if self.data_dir is None:
                return _json_error_pages(self.moto_app, environ, start_response)
            return self._kept_by_moto(request, environ, start_response)
        call = dispatch if self.data_dir is None else self.data_dir.dispatch
        status, headers, body = call(found, request.headers, request.get_data(), request.host)
        return Response(body, status=status, headers=headers)(environ, start_response)


    def _kept_by_moto(self, request: Request, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """moto's answer once what it changed is kept in the data directory; if that can't be, the change is undone
        and the answer is S3's 503 (botocore retries it a few times, then gives up)."""
        started: list[Any] = []

        def holding(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers, exc_info]
            return lambda data: None

        answer = _json_error_pages(self.moto_app, environ, holding)
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        assert self.data_dir is not None
        if self.data_dir.after_moto(request.method, request.path):
            start_response(*started)
            return [body]
        unavailable = Response(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ServiceUnavailable</Code><Message>The data directory "
            f"could not keep this request; nothing of it was applied. Free space and try again.</Message></Error>",
            status=503,
            mimetype="application/xml",
        )
        return unavailable(environ, start_response)


def _log_access(service: str, operation: str, status: int, begun: float) -> None:
    """The call's access log line: ``{"service": ..., "operation": ..., "status": ..., "ms": ...}``. Its record is the
    one ``access_log.info`` makes, but for the caller's place, which is always this function (not looked up each call)."""
    if access_log.isEnabledFor(logging.INFO):
        line = f"{_access_head(service, operation)}{status}, \"ms\": {round((time.perf_counter() - begun) * 1000, 2)!r}}}"
        access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, _ACCESS_LINE, line, (), None, "_log_access"))


_ACCESS_LINE = _log_access.__code__.co_firstlineno


@functools.lru_cache(maxsize=1024)
def _access_head(service: str, operation: str) -> str:
    """An access log line up to its status, as json.dumps writes it (which writes a float as its repr): made once."""
    return json.dumps({"service": service, "operation": operation, "status": 0})[:-2]


def _personalize_route(method: str, path: str, headers: Headers) -> Route | None:
    if signed_service(headers) in (None, "personalize"):
        return find_route(method, path, headers)
    return None


@functools.cache
def _status(code: int) -> str:
    """The status werkzeug's Response gives a code: ``200 OK``, ``400 BAD REQUEST``, ``520 UNKNOWN``."""
    return Response(status=code).status


def _as_sent(method: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    """What ``Response(body, status=status, headers=headers)`` hands the server for a request of ``method``, made
    without it: its status, the headers with a Content-Type (text/plain, if none) and the body's Content-Length
    after them, and the body (none for HEAD). Answers werkzeug has more rules for go through it."""
    names = {name.lower() for name in headers}
    if not names.isdisjoint(("location", "content-location", "content-length")) or status < 200 or status in (204, 304):
        return run_app(Response(body, status=status, headers=headers), {"REQUEST_METHOD": method})
    listed = list(headers.items())
    if "content-type" not in names:
        listed.append(("Content-Type", "text/plain; charset=utf-8"))
    listed.append(("Content-Length", str(len(body))))
    return _status(status), listed, b"" if method == "HEAD" else body


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


# Requests from browsers --------------------------------------------------------------------------


def _origin(text: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an origin or a base URL; None for one that names none (``null``)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS.get(scheme)


def _own_origin(request: Request) -> str:
    """The origin the request was addressed to: its scheme and Host header."""
    return f"{request.scheme}://{request.host}"


def _foreign_origin(request: Request) -> str | None:
    """The request's ``Origin``, if it has one that is not the server's own (a page elsewhere sent it)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    own = _origin(_own_origin(request))
    return None if own is not None and _origin(origin) == own else origin


def _browser_refusal(request: Request) -> Response | None:
    """The refusal of a change to the emulator's or moto's state (reset, restore, state manager ...) a browser
    page may have sent: from another origin, or with a content type a page sends without a preflight.

    A request without ``Origin`` is no page's (browsers send it on every cross-origin request, and on every
    POST): SDKs, curl and the ``personalize-local`` command change the state with any content type."""
    if request.method in SAFE_METHODS or not request.path.startswith(CONTROL_PREFIXES):
        return None
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if _foreign_origin(request) is not None:
        return _json({
            "__type": "AccessDeniedException",
            "message": f"Refused {request.method} {request.path} from origin {origin}: the emulator's own endpoints change "
            f"its state only for requests from {_own_origin(request)} or without an Origin header.",
        }, status=403)
    if request.mimetype in SIMPLE_TYPES:
        return _json({
            "__type": "UnsupportedMediaTypeException",
            "message": f"Refused {request.method} {request.path} with Content-Type {request.mimetype or '(none)'}: from a browser, "
            "the emulator's own endpoints take application/json (or the snapshot's application/vnd.sqlite3).",
        }, status=415)
    return None


def _without_cors_allowance(request: Request, origin: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An answer to a foreign origin, without moto's blanket CORS allowance (it allows every origin everything):
    only an S3 bucket's own CORS configuration allows a page elsewhere to read the answer."""
    if not any(name.lower().startswith("access-control-") for name, _ in headers) or _bucket_allows(request, origin):
        return headers
    return [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]


def _bucket_allows(request: Request, origin: str) -> bool:
    """Whether the request is S3's, on a bucket whose CORS rules (PutBucketCors) allow the origin."""
    if request.path.startswith(CONTROL_PREFIXES) or signed_service(request.headers) not in (None, "s3"):
        return False
    try:
        if S3Response.subdomain_based_buckets(request):
            name = bucket_name_from_url(request.url)
        else:
            name = request.path.lstrip("/").split("/", 1)[0]
        located = s3_backends.bucket_accounts.get(name) if name else None
        if not name or located is None:
            return False
        partition, account_id = located
        bucket = s3_backends[account_id][partition].buckets.get(name)
        return bucket is not None and any(
            rule.allowed_origins and cors_matches_origin(origin, rule.allowed_origins) for rule in bucket.cors
        )
    except Exception:  # moto's S3 internals moved: allow nothing rather than fail the answer
        log.exception("could not read the CORS configuration of the bucket of %s", request.path)
        return False


# Requests for Personalize that name no operation of it, and failures ----------------------------


def _asks_personalize(request: Request) -> bool:
    """Whether a request no route matched is for Personalize: signed for it, naming its target prefix, or a
    browser's preflight of its control plane (``OPTIONS /``), which moto can't answer either."""
    signed = signed_service(request.headers)
    if signed == "personalize":
        return True
    if signed is not None:
        return False
    target = request.headers.get("X-Amz-Target") or ""
    prefix = service_model("personalize").metadata["targetPrefix"]
    if target.startswith(prefix + "."):
        return True
    return request.method == "OPTIONS" and request.path == "/" and not S3Response.subdomain_based_buckets(request)


def _unknown_operation(request: Request) -> Response:
    status, headers, body = unknown_operation(request.method, request.path, request.headers.get("X-Amz-Target"))
    return Response(body, status=status, headers=headers)


def _internal_failure(found: Any, message: str) -> Response:
    """``InternalFailure``, in the operation's protocol when the request had one, else in JSON."""
    error = InternalFailure(message)
    if found is not None:
        status, headers, body = serialize_error(found.operation.service_model, error)
        return Response(body, status=status, headers=headers)
    return _json({"__type": error.code, "message": message}, status=error.status or 520)


def _health(server: PersonalizeServer, request: Request) -> Response:
    return _json(server.health())


def _make_auto_training_due(server: PersonalizeServer, request: Request) -> Response:
    """``{"solutionArn": ...}`` (optional) in; the automatic versions started out."""
    body = request.get_json(force=True, silent=True) or {}
    solution_arn = body.get("solutionArn") if isinstance(body, dict) else body
    if solution_arn is not None and not isinstance(solution_arn, str):
        return _json({"__type": "SerializationException", "message": 'The body is {"solutionArn": "..."} (optional), or none.'}, status=400)
    return _json({"solutionVersionArns": make_auto_training_due(solution_arn)})


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


def _faults(server: PersonalizeServer, request: Request) -> Response:
    status, body = faults.control(request.method, request.get_data())
    return _json(body, status=status)


# The emulator's own endpoints, by method and path.
CONTROLS: dict[tuple[str, str], Callable[[PersonalizeServer, Request], Response]] = {
    ("GET", HEALTH): _health,
    ("POST", MAKE_AUTO_TRAINING_DUE): _make_auto_training_due,
    ("POST", SNAPSHOT): _snapshot,
    ("POST", RESTORE): _restore,
    **{(method, FAULTS): _faults for method in ("GET", "POST", "DELETE")},
}


def _no_control(request: Request) -> Response:
    """A path under /personalize-local/ that is none of the emulator's endpoints, or a method it does not take."""
    methods = sorted(method for method, path in CONTROLS if path == request.path)
    if methods:
        response = _json({
            "__type": "MethodNotAllowedException", "message": f"{request.path} takes {' or '.join(methods)}, not {request.method}.",
        }, status=405)
        response.headers["Allow"] = ", ".join(methods)
        return response
    return _json({"__type": "NotFoundException", "message": f"{request.path} is none of personalize-local's endpoints."}, status=404)


def _json_error_pages(app: Callable[..., Any], environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """moto's answers, but for the HTML error pages of its web framework (a path or method it does not route)
    given as JSON: ``{"__type": "NotFoundException", "message": ...}``."""
    started: list[Any] = []

    def holding(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers, exc_info]
        return lambda data: None  # moto's apps return their body, never write it

    answer = app(environ, holding)
    status, headers, exc_info = started
    code = int(status.split(" ", 1)[0])
    html = any(name.lower() == "content-type" and value.startswith("text/html") for name, value in headers)
    if code < 400 or not html:
        start_response(status, headers, exc_info)
        return answer
    try:
        page = b"".join(answer)
    finally:
        getattr(answer, "close", lambda: None)()
    if not page.lstrip().lower().startswith(b"<!doctype html"):  # moto's own short answers (text, JSON) labeled text/html
        start_response(status, headers, exc_info)
        return [page]
    phrase = status.split(" ", 1)[1] if " " in status else "Error"
    error = _json({"__type": "".join(phrase.title().split()) + "Exception", "message": f"{environ.get('REQUEST_METHOD')} "
                   f"{environ.get('PATH_INFO')}: {phrase.capitalize()}."}, status=code)
    return error(environ, start_response)


def console_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{CONSOLE_PATH}"


def listen(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, data_dir: DataDir | None = None) -> KeepAliveServer:
    """The server listening on ``host``:``port`` (port 0 picks a free one), not serving yet; :class:`CannotListen`
    if it can't, and ``data_dir`` (opened) is then closed."""
    try:
        app = PersonalizeServer(data_dir)
        return KeepAliveServer(host, port, app, plain=app.answer_plain)
    except CannotListen:
        if data_dir is not None:
            data_dir.close()
        raise


def serve_until_shutdown(
    server: KeepAliveServer, data_dir: DataDir | None = None, ready: Callable[[int], None] | None = None
) -> None:
    """Serve, in this thread (any), until ``server.shutdown()``; then stop taking calls, let those in flight finish
    and close ``data_dir``, the server's (the journal folded into a checkpoint), once the last call is done.
    ``ready`` is told the port first."""
    try:
        if ready is not None:
            ready(server.server_port)
        server.serve_forever()
    finally:
        server.server_close()  # lets the calls in flight finish
        if data_dir is not None:
            data_dir.close()
        log.info("stopped")


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, ready: Callable[[int], None] | None = None, data_dir: DataDir | None = None
) -> None:
    """Serve in the foreground (the command, in the main thread) until SIGTERM or SIGINT; then stop taking calls and
    let those in flight finish. Only this installs signal handlers: from another thread, see threaded.ThreadedServer.

    ``ready`` is told the port once the socket listens (port 0 picks a free one). ``data_dir``, opened,
    keeps every acknowledged call; it is closed once the last call is done."""
    server = listen(host, port, data_dir)
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("stopping on %s: finishing the calls in flight", signal.Signals(signum).name)
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        serve_until_shutdown(server, data_dir, ready)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
