"""HTTP for the server: werkzeug's threaded WSGI server, keeping connections open between calls.

werkzeug's development server closes the connection after every response: once the app is done
it can't tell where the request's body ends and the next request begins. SDKs keep a pool of open
connections, and a new TCP connection and a new thread for every call cost more than most calls
do. So a request whose body has a known length (its Content-Length, or none) is answered on a
connection kept open (HTTP/1.1 keep-alive): after the app ran, what it left of the body is read,
and the response goes out in one write. Anything else (a chunked body, HTTP/1.0) takes werkzeug's
own path, which closes the connection.

Stopping: connections kept open while idle don't hold the process up (their threads are daemons);
:meth:`KeepAliveServer.server_close` first lets the calls in flight finish, and a call that finishes
while the server stops closes its connection.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

log = logging.getLogger(__name__)
# Responses without a body, whatever their headers say (RFC 9110, 6.4.1).
BODILESS = frozenset({204, 304})


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler, answering on a connection kept open where the request allows it."""

    protocol_version = "HTTP/1.1"
    server: "KeepAliveServer"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The app logs one JSON line per call (the access log); werkzeug's own line would repeat it."""

    def run_wsgi(self) -> None:
        with self.server.call_in_flight():
            length = self._body_length()
            if length is None or self.request_version != "HTTP/1.1":
                super().run_wsgi()  # answers with Connection: close
            else:
                self._answer(length)
            if self.server.stopping:
                self.close_connection = True

    def _body_length(self) -> int | None:
        """The request body's length, if the headers tell it (no body: 0); None for a chunked body."""
        if self.headers.get("Transfer-Encoding", "").strip():
            return None
        text = self.headers.get("Content-Length")
        if text is None:
            return 0
        return int(text) if text.strip().isdigit() else None

    def _answer(self, length: int) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        body = LimitedStream(self.rfile, length)
        environ["wsgi.input"] = body
        try:
            status, headers, data = _run(self.server.app, environ)
        except Exception:
            log.exception("error on request %s %s", self.command, self.path)
            self.close_connection = True
            status, headers, data = _run(InternalServerError(), environ)
        body.exhaust()  # what the app did not read: the next request starts after it
        self._send(status, headers, data)

    def _send(self, status: str, headers: list[tuple[str, str]], data: bytes) -> None:
        """Status line, headers and body in one write."""
        code = int(status.split(None, 1)[0])
        lines = [f"{self.protocol_version} {status}", f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in headers]
        bodiless = self.command == "HEAD" or code < 200 or code in BODILESS
        if not bodiless and not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(f"Content-Length: {len(data)}")
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if bodiless else data))


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
        super().__init__(host, port, app, handler=KeepAliveHandler)
        self.stopping = False
        self._in_flight = 0
        self._settled = threading.Condition()

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
        """Stop listening once the calls in flight have finished (their answers sent)."""
        self.stopping = True
        with self._settled:
            self._settled.wait_for(lambda: self._in_flight == 0)
        super().server_close()
