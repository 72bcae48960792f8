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

The calls of the three services take a plain path (:class:`PlainRequest`): the app reads the method, path,
host and headers as werkzeug's Request would give them, and the body straight from the connection, and answers
with what werkzeug's Response would send, without building either or a WSGI environ. The header block is taken
from the connection's buffer at once, and read without the email parser, where every line is plainly a name and
a value (the email package's message is made only if something asks for it). Anything else (browsers, the
emulator's other endpoints, moto's services) is the WSGI app's.

Stopping: connections kept open while idle don't hold the process up (their threads are daemons);
:meth:`KeepAliveServer.server_close` first lets the calls in flight finish (a call that finishes
while the server stops closes its connection), then closes the idle connections, so that a server
stopped in a process that goes on (ThreadedServer) answers nothing more.

An address the server can't listen on (a port in use, a host that is not this machine's) raises
:class:`CannotListen`, one line saying why, where werkzeug would print and exit the process.
"""
from __future__ import annotations

import email.parser
import errno
import functools
import http.client
import io
import json
import logging
import re
import socket
import threading
import time
from email.message import Message
from email.utils import formatdate
from http import HTTPStatus
from typing import IO, Any, Callable, Optional, cast
from urllib.parse import unquote, urlsplit

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import ClientDisconnected
from werkzeug.sansio.utils import get_host
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


# http.client's limits on a request's header block: its longest line, and how many lines.
MAX_LINE = 65536
MAX_HEADERS = 100
# A header line the email parser reads as one name and its value, as they are: a name of the characters it takes,
# a colon, a value of printable ASCII (no character it would take for a line's end), the line's end.
_PLAIN_HEADER = re.compile(r"([!-9;-~]+):[ \t]*([\t -~]*)\r?\n")
# Such lines, ended by CRLF, each from a line's start: in a header block, one match for each line that is one.
_PLAIN_LINES = re.compile(r"^([!-9;-~]+):[ \t]*([\t -~]*)\r\n", re.MULTILINE)
# Protocol versions as parse_request reads them, for the request lines every client sends.
_VERSIONS = {"HTTP/1.1": (1, 1), "HTTP/1.0": (1, 0)}
# The environ keys make_environ writes without the HTTP_ prefix: a second such header replaces the first.
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
# An answer, as the server sends it: status line's status, headers, body.
Answer = tuple[str, list[tuple[str, str]], bytes]


class PlainHeaders(EnvironHeaders):
    """werkzeug's EnvironHeaders, each name's environ key made once (reading a header made it on every read)."""

    def _get_key(self, key: str) -> str:
        if not isinstance(key, str):
            return super()._get_key(key)  # werkzeug's error for it
        return self.environ[_header_key(key)]

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        if type is None and isinstance(key, str):
            return self.environ.get(_header_key(key), default)
        return super().get(key, default, type)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _header_key(key) in self.environ


class PlainRequest:
    """A request with a known-length body, as werkzeug's Request reads it (method, path, host, headers), for an app's
    plain path; its body read from the connection by :meth:`body`, once."""

    __slots__ = ("method", "path", "host", "headers", "_connection", "_length", "read")

    def __init__(self, method: str, path: str, host: str, headers: PlainHeaders, connection: IO[bytes], length: int) -> None:
        self.method, self.path, self.host = method, path, host
        self.headers = headers  # over the header keys of a WSGI environ
        self._connection, self._length = connection, length
        self.read: bytes | None = None  # the body, once read

    def body(self) -> bytes:
        """The body; :class:`ClientDisconnected` for one cut short, as werkzeug's LimitedStream says it."""
        data = self._connection.read(self._length) if self._length else b""
        if len(data) < self._length:
            raise ClientDisconnected()
        self.read = data
        return data


# An app's plain path: its answer to a request it takes that way, or None for the WSGI app to answer it.
PlainPath = Callable[[PlainRequest], Optional[Answer]]


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

    def parse_request(self) -> bool:
        """http.server's, the header block read by :meth:`_read_headers`."""
        self.command = None  # type: ignore[assignment]  # set in case of an error on the first line
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:  # enough to tell the protocol's version
            version = words[-1]
            version_number = _VERSIONS.get(version) or _version_number(version)
            if version_number is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if version_number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if version_number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version.split('/', 1)[1]})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")  # reduced to a single / (gh-87389)
        try:
            self._read_headers()
        except http.client.LineTooLong as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(error))
            return False
        except http.client.HTTPException as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(error))
            return False
        connection = self._header("Connection").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = self._header("Expect")
        if expect.lower() == "100-continue" and self.protocol_version >= "HTTP/1.1" and self.request_version >= "HTTP/1.1":
            if not self.handle_expect_100():
                return False
        return True

    def _read_headers(self) -> None:
        """The header block, as ``http.client.parse_headers`` reads it (its limits, its errors, its message): a block
        whose every line is plainly a name and a value is taken as it is, any other goes through its email parser.
        Its fields are kept for reading by name (:meth:`_header`) without a scan, and the message (:attr:`headers`) is
        made from them only if it is read."""
        fields = self._buffered_fields()
        if fields is not None:
            self._fields = fields
            self._message: Message | None = None
        else:
            self._read_header_lines()
        self._named: dict[str, list[str]] = {}
        for name, value in self._fields:
            self._named.setdefault(name.lower(), []).append(value)

    def _buffered_fields(self) -> list[tuple[str, str]] | None:
        """The header block's fields, taken from the connection's buffer at once if the block is all there (it
        usually came in one packet) and plain: every line a name and a value ended by CRLF, within http.client's
        limits. Else None, and nothing is read."""
        buffered = self.rfile.peek(MAX_LINE)  # type: ignore[attr-defined]  # a BufferedReader
        if buffered[:2] == b"\r\n":
            end = 2
        else:
            end = buffered.find(b"\r\n\r\n") + 4
            if end < 4 or end > MAX_LINE:
                return None
        block = buffered[:end].decode("latin-1")
        lines = block.count("\n")  # the blank line's too
        if lines > MAX_HEADERS:
            return None
        fields: list[tuple[str, str]] = _PLAIN_LINES.findall(block)
        if len(fields) != lines - 1:  # a line that is no plain header line
            return None
        self.rfile.read(end)
        return fields

    def _read_header_lines(self) -> None:
        """The header block read line by line, as ``http.client.parse_headers`` reads it."""
        lines = []
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise http.client.LineTooLong("header line")
            lines.append(line)
            if len(lines) > MAX_HEADERS:
                raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
            if line in (b"\r\n", b"\n", b""):
                break
        text = [line.decode("latin-1") for line in lines]
        matches = [_PLAIN_HEADER.fullmatch(line) for line in text[:-1]] if line else [None]
        if all(matches):
            self._fields = [(match[1], match[2]) for match in matches if match]
            self._message = None
        else:
            self._message = email.parser.Parser(_class=self.MessageClass).parsestr("".join(text))
            self._fields = self._message.items()

    @property
    def headers(self) -> Message:
        """The header block's message, as ``http.client.parse_headers`` gives it (werkzeug's environ is made from it)."""
        if self._message is None:
            self._message = self.MessageClass()
            for name, value in self._fields:
                self._message.set_raw(name, value)
            self._message.set_payload("")
        return self._message

    @headers.setter
    def headers(self, message: Message) -> None:  # as http.server's parse_request sets it
        self._message = message

    def _header(self, name: str) -> str:
        """The header's first value, as ``self.headers.get(name, "")`` gives it."""
        values = self._named.get(name.lower())
        return values[0] if values else ""

    def run_wsgi(self) -> None:
        self.server.call_begins()
        try:
            length = self._body_length()
            if length is None:
                self._answer_chunked()
            elif self.request_version != "HTTP/1.1":
                super().run_wsgi()  # answers with Connection: close
            else:
                self._continue()
                self._answer_framed(length)
        except Unframed as problem:
            log.info("refused %s %s: %s", self.command, self.path, problem)
            self.close_connection = True
            self._send(*_error(400, "BadRequestException", str(problem)))
        finally:
            if self.server.call_ends():
                self.close_connection = True

    # The methods clients send, found without werkzeug's __getattr__ (which hands any other method to run_wsgi too).
    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = run_wsgi

    def _body_length(self) -> int | None:
        """The request body's length, if the headers tell it (no body: 0); None for a chunked body.
        Headers that tell no length (RFC 9112, 6.3) raise :class:`Unframed`."""
        if "transfer-encoding" in self._named:
            encoding = self._header("Transfer-Encoding")
            codings = [coding.strip().lower() for coding in encoding.split(",") if coding.strip()]
            if not codings or codings[-1] != "chunked":
                raise Unframed(f"Transfer-Encoding {encoding!r} is not supported: only a chunked body can be read.")
            return None
        lengths = {text.strip() for text in self._named.get("content-length", ())}
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

    def _answer_framed(self, length: int) -> None:
        """A body of ``length`` bytes, on the connection: the app's plain path first, if it has one (which reads the
        body straight from the connection), else the WSGI app."""
        if self.server.plain is not None:
            request = self._plain_request(length)
            answer = self._calling(self.server.plain, request)
            if answer is not None:
                if request.read is None:
                    LimitedStream(self._connection, length).exhaust()  # unread: the next request starts after it
                self._send(*answer)
                return
            if request.read is not None:  # read, then left to the WSGI app
                self._answer(io.BytesIO(request.read))
                return
        self._answer(LimitedStream(self._connection, length))

    def _answer(self, body: IO[bytes] | io.RawIOBase, length: int | None = None) -> None:
        """The WSGI app on the body: a :class:`LimitedStream` of the connection, or a body read (a chunked one's
        ``length``)."""
        answer = self._calling(functools.partial(run_app, self.server.app), self._environ(body, length))
        assert answer is not None  # run_app answers every request
        if isinstance(body, LimitedStream):
            body.exhaust()  # what the app did not read: the next request starts after it
        self._send(*answer)

    def _calling(self, app: Callable[[Any], Answer | None], request: Any) -> Answer | None:
        """The app's answer; ``InternalFailure`` in JSON for an exception it let out."""
        try:
            return app(request)
        except Exception:
            log.exception("error on request %s %s", self.command, self.path)
            self.close_connection = True
            return _error(InternalFailure.status or 520, InternalFailure.code, f"{self.command} {self.path} failed inside personalize-local.")

    def _environ(self, body: IO[bytes] | io.RawIOBase, length: int | None) -> dict[str, Any]:
        environ = self.make_environ()
        environ["wsgi.input"] = body
        if length is not None:  # a chunked body, read: the app sees it with its length, like any other
            environ["CONTENT_LENGTH"] = str(length)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return environ

    def _plain_request(self, length: int) -> PlainRequest:
        """The request as werkzeug's Request would read it from :meth:`make_environ`'s environ; its body of ``length``
        bytes on the connection."""
        url = urlsplit(self.path)
        headers: dict[str, str] = {}  # the environ's header keys, as make_environ writes them
        for name, value in self._fields:
            key = _environ_key(name)
            if key is None:
                continue
            value = value.replace("\r\n", "")
            if key in headers and key not in _UNPREFIXED:
                value = f"{headers[key]},{value}"
            headers[key] = value
        absolute = bool(url.scheme and url.netloc)  # an absolute URL names the host
        address = self.server.server_address
        host = _host(
            "http" if self.server.ssl_context is None else "https",
            url.netloc if absolute else headers.get("HTTP_HOST"),
            (str(address[0]), int(address[1])),
        )
        path = f"/{url.netloc}{url.path}" if not url.scheme and url.netloc else url.path
        return PlainRequest(self.command.upper(), "/" + unquote(path).lstrip("/"), host, PlainHeaders(headers), self._connection, length)

    def _continue(self) -> None:
        if self._header("Expect").lower().strip(" \t") == "100-continue":
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
        lines = [f"{self.protocol_version} {status}", f"Server: {self.version_string()}", f"Date: {_date()}"]
        lines += [f"{name}: {value}" for name, value in headers]
        bodiless = self.command == "HEAD" or code < 200 or code in BODILESS
        if not bodiless and not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(f"Content-Length: {len(data)}")
        if self.server.stopping:  # said in the answer, so the client sends no further call on this connection
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        self.connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if bodiless else data))


@functools.lru_cache(maxsize=1024)
def _environ_key(name: str) -> str | None:
    """The WSGI environ key make_environ writes a header under; None for a name with an underscore, which it drops."""
    return None if "_" in name else _header_key(name)


@functools.lru_cache(maxsize=1024)
def _header_key(name: str) -> str:
    """The WSGI environ key EnvironHeaders reads a header from."""
    key = name.upper().replace("-", "_")
    return key if key in _UNPREFIXED else f"HTTP_{key}"


# The request's host as werkzeug reads it, made once for each Host header (a connection sends the same one).
_host = functools.lru_cache(maxsize=256)(get_host)


def _version_number(version: str) -> tuple[int, int] | None:
    """The protocol version of a request line's last word, as http.server reads it; None for one that is none."""
    if not version.startswith("HTTP/"):
        return None
    parts = version.split("/", 1)[1].split(".")
    if len(parts) != 2 or any(not part.isdigit() or len(part) > 10 for part in parts):
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:  # digits int() does not read (superscripts)
        return None


_dated: tuple[int, str] = (0, "")


def _date() -> str:
    """The Date header's value, as http.server writes it, made once a second."""
    global _dated
    second = int(time.time())
    if _dated[0] != second:
        _dated = (second, formatdate(second, usegmt=True))
    return _dated[1]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # not a registered status (InternalFailure's 520)
        return "Unknown"


def _error(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """A JSON error answer, as :func:`run_app` returns one."""
    return f"{status} {_phrase(status)}", [("Content-Type", "application/json")], json.dumps({"__type": code, "message": message}).encode()


def run_app(app: Callable[..., Any], environ: dict[str, Any]) -> Answer:
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

    def __init__(self, host: str, port: int, app: Callable[..., Any], plain: PlainPath | None = None) -> None:
        """Listening once made (port 0 picks a free one); :class:`CannotListen` if it can't. ``plain`` is the app's plain
        path, if it has one."""
        self.plain = plain
        self.stopping = False  # before werkzeug binds: a failed bind calls server_close
        self._in_flight = 0
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
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
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def call_begins(self) -> None:
        with self._lock:
            self._in_flight += 1

    def call_ends(self) -> bool:
        """Whether the server is stopping (the call's connection is then closed)."""
        with self._lock:
            self._in_flight -= 1
            if self.stopping:
                self._settled.notify_all()
        return self.stopping

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
