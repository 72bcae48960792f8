"""HTTP for the server: werkzeug's threaded WSGI server, keeping connections open between calls.

werkzeug's development server closes the connection after every response: once the app is done
it can't tell where the request's body ends and the next request begins. SDKs keep a pool of open
connections, and a new TCP connection and a new thread for every call cost more than most calls
do. So a request whose body has a known length (its Content-Length, or none) is answered on a
connection kept open (HTTP/1.1 keep-alive): after the app ran, what it left of the body is read,
and the response goes out in one write. A chunked body is read whole before the app runs, and
its connection closed after the answer; an HTTP/1.0 request takes werkzeug's own path, which
closes the connection too.

A request whose body can't be delimited (a Content-Length that is no length, a Transfer-Encoding
other than chunked, a chunk that can't be read) is answered 400 before the app sees it, and its
connection closed; so are requests the HTTP parser refuses. Those answers, and the one for an
exception the app let out, are JSON (``{"__type": ..., "message": ...}``), never an HTML page.

Stopping: connections kept open while idle don't hold the process up (their threads are daemons);
:meth:`KeepAliveServer.server_close` first lets the calls in flight finish (a call that finishes
while the server stops closes its connection), then closes the idle connections, so that a server
stopped in a process that goes on (ThreadedServer) answers nothing more.

An address the server can't listen on (a port in use, a host that is not this machine's) raises
:class:`CannotListen`, one line saying why, where werkzeug would print and exit the process.
"""
from __future__ import annotations

import errno
import io
import json
import logging
import re
import socket
import threading
from contextlib import contextmanager
from http import HTTPStatus
from typing import IO, Any, Callable, Iterator, cast

from werkzeug.serving import DechunkedInput, ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

from .errors import InternalFailure

log = logging.getLogger(__name__)
# Responses without a body, whatever their headers say (RFC 9110, 6.4.1).
BODILESS = frozenset({204, 304})
# A Content-Length is digits only: no sign, no other number (RFC 9110, 8.6).
_LENGTH = re.compile(r"[0-9]+")
# Why the server can't listen, by errno; any other error says the address and the system's reason.
CANNOT_LISTEN = {
    errno.EADDRINUSE: "port {port} is in use",
    errno.EACCES: "port {port} needs privileges this process does not have",
    errno.EADDRNOTAVAIL: "host {host} is not an address of this machine",
}


class CannotListen(Exception):
    """The server can't listen on the address asked: one line saying why."""


def _cannot_listen(host: str, port: int, error: OSError) -> CannotListen:
    if isinstance(error, socket.gaierror):  # no such host (a name that doesn't resolve, 999.1.1.1)
        return CannotListen(f"host {host} can't be resolved: {error.strerror}")
    reason = CANNOT_LISTEN.get(error.errno or 0, "can't listen on {host} port {port}: {strerror}")
    return CannotListen(reason.format(host=host, port=port, strerror=error.strerror))


class Unframed(Exception):
    """A request whose body can't be told from what follows it: answered 400, its connection closed."""


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler, answering on a connection kept open where the request allows it."""

    protocol_version = "HTTP/1.1"
    server: "KeepAliveServer"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The app logs one JSON line per call (the access log); werkzeug's own line would repeat it."""

    def run_wsgi(self) -> None:
        with self.server.call_in_flight():
            try:
                length = self._body_length()
                if length is None:
                    self._answer_chunked()
                elif self.request_version != "HTTP/1.1":
                    super().run_wsgi()  # answers with Connection: close
                else:
                    self._continue()
                    self._answer(LimitedStream(self._connection, length))
            except Unframed as problem:
                log.info("refused %s %s: %s", self.command, self.path, problem)
                self.close_connection = True
                self._send(*_error(400, "BadRequestException", str(problem)))
            if self.server.stopping:
                self.close_connection = True

    def _body_length(self) -> int | None:
        """The request body's length, if the headers tell it (no body: 0); None for a chunked body.
        Headers that tell no length (RFC 9112, 6.3) raise :class:`Unframed`."""
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            codings = [coding.strip().lower() for coding in encoding.split(",") if coding.strip()]
            if not codings or codings[-1] != "chunked":
                raise Unframed(f"Transfer-Encoding {encoding!r} is not supported: only a chunked body can be read.")
            return None
        lengths = {text.strip() for text in self.headers.get_all("Content-Length") or ()}
        if not lengths:
            return 0
        if len(lengths) > 1 or not _LENGTH.fullmatch(next(iter(lengths))):
            raise Unframed(f"Content-Length {', '.join(sorted(lengths))!r} is not a length in bytes.")
        return int(lengths.pop())

    def _answer_chunked(self) -> None:
        """A chunked body, read whole (a chunk that can't be read is :class:`Unframed`), then the app on it."""
        self._continue()
        try:
            data = DechunkedInput(self._connection).read()
        except (OSError, ValueError, BufferError) as error:
            raise Unframed(f"The chunked request body can't be read: {error}.") from None
        self.close_connection = True  # trailers after the last chunk are not read
        self._answer(io.BytesIO(data), len(data))

    @property
    def _connection(self) -> IO[bytes]:
        """The connection's input, which werkzeug's readers take: a file object (typeshed says BufferedIOBase)."""
        return cast(IO[bytes], self.rfile)

    def _answer(self, body: IO[bytes] | io.RawIOBase, length: int | None = None) -> None:
        """The app on the body: a :class:`LimitedStream` of the connection, or a chunked body read (``length``)."""
        environ = self.make_environ()
        environ["wsgi.input"] = body
        if length is not None:  # a chunked body, read: the app sees it with its length, like any other
            environ["CONTENT_LENGTH"] = str(length)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        try:
            status, headers, data = _run(self.server.app, environ)
        except Exception:
            log.exception("error on request %s %s", self.command, self.path)
            self.close_connection = True
            status, headers, data = _error(
                InternalFailure.status or 520, InternalFailure.code, f"{self.command} {self.path} failed inside personalize-local."
            )
        if isinstance(body, LimitedStream):
            body.exhaust()  # what the app did not read: the next request starts after it
        self._send(status, headers, data)

    def _continue(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The HTTP parser's refusals (a bad request line, headers too long ...) as JSON, not its HTML page."""
        phrase = _phrase(code)
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # a request line that could not be read: answer with a status line anyway
            self.request_version = self.protocol_version
        body = json.dumps({"__type": "".join(phrase.title().split()) + "Exception", "message": message or phrase}).encode()
        self.send_response(code, phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        bodiless = self.command == "HEAD" or code < 200 or code in BODILESS
        if not bodiless:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not bodiless:
            self.wfile.write(body)

    def _send(self, status: str, headers: list[tuple[str, str]], data: bytes) -> None:
        """Status line, headers and body in one write."""
        code = int(status.split(None, 1)[0])
        lines = [f"{self.protocol_version} {status}", f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in headers]
        bodiless = self.command == "HEAD" or code < 200 or code in BODILESS
        if not bodiless and not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(f"Content-Length: {len(data)}")
        if self.server.stopping:  # said in the answer, so the client sends no further call on this connection
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if bodiless else data))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # not a registered status (InternalFailure's 520)
        return "Unknown"


def _error(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """A JSON error answer, as :func:`_run` returns one."""
    return f"{status} {_phrase(status)}", [("Content-Type", "application/json")], json.dumps({"__type": code, "message": message}).encode()


def _run(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app; its status, headers and whole body."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [(status, headers)]  # nothing is sent before the app returns: a later call replaces it
        return chunks.append

    iterable = app(environ, start_response)
    try:
        chunks.extend(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, headers = started[0]
    return status, headers, b"".join(chunks)


class KeepAliveServer(ThreadedWSGIServer):
    """A thread per connection; stopping lets the calls in flight finish, not the idle connections."""

    def __init__(self, host: str, port: int, app: Callable[..., Any]) -> None:
        """Listening once made (port 0 picks a free one); :class:`CannotListen` if it can't."""
        self.stopping = False  # before werkzeug binds: a failed bind calls server_close
        self._in_flight = 0
        self._settled = threading.Condition()
        self._connections: set[socket.socket] = set()  # open, in flight or idle
        super().__init__(host, port, app, handler=KeepAliveHandler)

    def server_bind(self) -> None:
        try:
            super().server_bind()
        except OSError as error:  # raised past werkzeug, which would print it and exit the process
            raise _cannot_listen(self.host, self.port, error) from None

    def server_activate(self) -> None:
        try:
            super().server_activate()
        except OSError as error:
            raise _cannot_listen(self.host, self.port, error) from None

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._settled:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._settled:
            self._connections.discard(request)
        super().shutdown_request(request)

    @contextmanager
    def call_in_flight(self) -> Iterator[None]:
        with self._settled:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._settled:
                self._in_flight -= 1
                self._settled.notify_all()

    def shutdown(self) -> None:
        self.stopping = True
        super().shutdown()

    def server_close(self) -> None:
        """Stop listening once the calls in flight have finished (their answers sent); close the idle connections."""
        self.stopping = True
        with self._settled:
            self._settled.wait_for(lambda: self._in_flight == 0)
            idle = list(self._connections)
        for connection in idle:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # its thread, waiting for a request, reads the end and closes it
            except OSError:
                pass  # closed meanwhile
        super().server_close()
