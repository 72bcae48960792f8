"""The server's plain path for the three services' calls answers byte for byte what its WSGI app answers.

Two servers over the same state: one as ``personalize-local server`` runs it (``listen``: the plain path first),
one with the WSGI app alone. Each request below goes as raw bytes to both; the answers must be equal but for
their Date header. The header reader is checked against ``http.client.parse_headers`` on its own.
"""
from __future__ import annotations

import http.client
import io
import json
import re
import threading
from typing import Any, Iterator

import pytest
from werkzeug.datastructures import EnvironHeaders

import personalize_local.server
from personalize_local.server import PersonalizeServer, listen
from personalize_local.serving import KeepAliveHandler, KeepAliveServer, PlainHeaders

from .helpers import sent_raw

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/personalize/aws4_request, SignedHeaders=host, Signature=0"
CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/none"
_DATE = re.compile(rb"\r\nDate: [^\r]*")


def raw(method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"", version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", *(f"{name}: {value}" for name, value in headers)]
    if body and not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def control(target: str, body: bytes, *extra: tuple[str, str]) -> bytes:
    return raw("POST", "/", [
        ("Host", "127.0.0.1"), ("X-Amz-Target", target), ("Content-Type", "application/x-amz-json-1.1"), ("Authorization", SIGNED), *extra,
    ], body)


def runtime(path: str, body: bytes, *extra: tuple[str, str], method: str = "POST") -> bytes:
    return raw(method, path, [("Host", "127.0.0.1"), ("Content-Type", "application/json"), ("Authorization", SIGNED), *extra], body)


RECOMMEND = b'{"campaignArn": "' + CAMPAIGN.encode() + b'", "userId": "u"}'
REQUESTS: dict[str, bytes] = {
    "ListRecipes": control("AmazonPersonalize.ListRecipes", b"{}"),
    "DescribeRecipe": control("AmazonPersonalize.DescribeRecipe", b'{"recipeArn": "arn:aws:personalize:::recipe/aws-similar-items"}'),
    "a resource that does not exist": control("AmazonPersonalize.DescribeSchema", b'{"schemaArn": "arn:aws:personalize:us-east-1:1:schema/x"}'),
    "a member out of range": control("AmazonPersonalize.ListRecipes", b'{"maxResults": 0}'),
    "a body that is not JSON": control("AmazonPersonalize.ListRecipes", b"{recipes"),
    "no body": control("AmazonPersonalize.ListRecipes", b"", ("Content-Length", "0")),
    "GetRecommendations of no campaign": runtime("/recommendations", RECOMMEND),
    "PutEvents of no tracker": runtime("/events", b'{"trackingId": "t", "sessionId": "s", "eventList": []}'),
    "a path %-encoded": runtime("/recommendation%73", RECOMMEND),
    "a lowercase method": runtime("/recommendations", RECOMMEND, method="post"),
    "an absolute URL naming the region": raw(
        "POST", "http://personalize.eu-west-1.amazonaws.com/", [("X-Amz-Target", "AmazonPersonalize.ListDatasetGroups")], b"{}",
    ),
    "no Host header": raw("POST", "/", [("X-Amz-Target", "AmazonPersonalize.ListDatasetGroups"), ("Authorization", SIGNED)], b"{}"),
    "the account in x-moto-account-id": control("AmazonPersonalize.ListDatasetGroups", b"{}", ("x-moto-account-id", "111122223333")),
    "a header name with an underscore": control("AmazonPersonalize.ListRecipes", b"{}", ("X_Amz_Target", "AmazonPersonalize.DescribeRecipe")),
    "a header given twice": control("AmazonPersonalize.ListRecipes", b"{}", ("X-Amz-Target", "AmazonPersonalize.ListRecipes")),
    "a header folded over two lines": control("AmazonPersonalize.ListRecipes", b"{}", ("X-Note", "one\r\n two")),
    "a header value of latin-1": control("AmazonPersonalize.ListRecipes", b"{}", ("X-Note", "caf\xe9")),
    "Connection: close": control("AmazonPersonalize.ListRecipes", b"{}", ("Connection", "close")),
    "Expect: 100-continue": control("AmazonPersonalize.ListRecipes", b"{}", ("Expect", "100-continue")),
    "HTTP/1.0": raw("POST", "/", [("Host", "h"), ("X-Amz-Target", "AmazonPersonalize.ListRecipes"), ("Content-Length", "2")], b"{}", "HTTP/1.0"),
    "from a browser": control("AmazonPersonalize.ListRecipes", b"{}", ("Origin", "http://elsewhere.example")),
    "two calls on one connection": runtime("/recommendations", RECOMMEND) + control("AmazonPersonalize.ListRecipes", b"{}"),
    "the emulator's own endpoint": raw("GET", "/personalize-local/faults", [("Host", "h")]),
}


def _serve(server: KeepAliveServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    yield from _serve(listen("127.0.0.1", 0))


@pytest.fixture(scope="module")
def wsgi() -> Iterator[str]:
    yield from _serve(KeepAliveServer("127.0.0.1", 0, PersonalizeServer()))


def exchange(address: str, data: bytes) -> bytes:
    """Send the bytes, say nothing more, and read until the server closes; the answer without its Date header."""
    host, port = address.rsplit(":", 1)
    return _DATE.sub(b"", sent_raw(host, int(port), data))


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_plain_path_answers_as_the_wsgi_app(plain: str, wsgi: str, name: str) -> None:
    answer = exchange(plain, REQUESTS[name])
    assert answer.startswith(b"HTTP/1.")
    assert answer == exchange(wsgi, REQUESTS[name])


def test_each_call_is_logged_once_as_the_wsgi_app_logs_it(plain: str, wsgi: str, caplog: pytest.LogCaptureFixture) -> None:
    lines = []
    for address in (plain, wsgi):
        caplog.clear()
        with caplog.at_level("INFO", logger="personalize_local.access"):
            exchange(address, REQUESTS["GetRecommendations of no campaign"])
        logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "personalize_local.access"]
        assert len(logged) == 1 and logged[0].pop("ms") >= 0
        lines.append(logged[0])
    assert lines[0] == lines[1] == {"service": "personalize-runtime", "operation": "GetRecommendations", "status": 404}


HEADER_BLOCKS = {
    "plain": b"Host: h\r\nX-Amz-Target: A.B\r\nContent-Length: 2\r\n\r\n",
    "spaces around a value": b"Host:   h  \r\nX-Empty:\r\nX-Tab:\t v\r\n\r\n",
    "lines ended by LF alone": b"Host: h\nX-A: b\n\n",
    "a folded line": b"Host: h\r\nX-A: one\r\n two\r\n\r\n",
    "a line without a colon": b"Host: h\r\nnot a header\r\nX-A: b\r\n\r\n",
    "a name with a space": b"Host: h\r\nX A: b\r\n\r\n",
    "an empty name": b"Host: h\r\n: b\r\n\r\n",
    "a From line": b"From x: y\r\nHost: h\r\n\r\n",
    "a value of latin-1": b"Host: h\r\nX-A: caf\xe9\r\n\r\n",
    "a bare CR in a value": b"Host: h\r\nX-A: a\rb\r\n\r\n",
    "a vertical tab in a value": b"Host: h\r\nX-A: a\x0bb\r\n\r\n",
    "the end of the input before the blank line": b"Host: h\r\nX-A: b\r\n",
    "no headers": b"\r\n",
    "a line ended by LF alone among CRLF lines": b"Host: h\r\nX-A: a\nX-B: b\r\n\r\n",
    "a name inside a line that is none": b"Host: h\r\nX A:B: b\r\n\r\n",
    "a DEL in a value": b"Host: h\r\nX-A: a\x7fb\r\n\r\n",
    "a block longer than the connection's buffer": b"Host: h\r\nX-A: " + b"a" * 10_000 + b"\r\nX-B: b\r\n\r\n",
    "a body after the block": b"Host: h\r\nContent-Length: 4\r\n\r\n\r\n\r\n",
}


@pytest.mark.parametrize("name", list(HEADER_BLOCKS))
def test_headers_read_as_http_client_reads_them(name: str) -> None:
    handler = KeepAliveHandler.__new__(KeepAliveHandler)
    handler.rfile = io.BufferedReader(io.BytesIO(HEADER_BLOCKS[name]))  # as the connection is read
    handler._read_headers()
    ours = handler.headers
    read = io.BytesIO(HEADER_BLOCKS[name])
    theirs = http.client.parse_headers(read)
    assert type(ours) is type(theirs)
    assert ours.items() == theirs.items() == handler._fields
    assert handler.rfile.read() == read.read()  # the next bytes, the body's, are where they were
    assert (ours.get_payload(), ours.get_unixfrom()) == (theirs.get_payload(), theirs.get_unixfrom())
    assert [(type(defect), str(defect)) for defect in ours.defects] == [(type(defect), str(defect)) for defect in theirs.defects]


def test_header_limits_as_http_client_sets_them() -> None:
    handler = KeepAliveHandler.__new__(KeepAliveHandler)
    handler.rfile = io.BufferedReader(io.BytesIO(b"X-A: " + b"a" * 70_000 + b"\r\n\r\n"))
    with pytest.raises(http.client.LineTooLong):
        handler._read_headers()
    handler.rfile = io.BufferedReader(io.BytesIO(b"X-A: b\r\n" * 100 + b"\r\n"))
    with pytest.raises(http.client.HTTPException, match="got more than 100 headers"):
        handler._read_headers()
    handler.rfile = io.BufferedReader(io.BytesIO(b"X-A: b\r\n" * 99 + b"\r\n"))
    handler._read_headers()
    assert len(handler.headers.items()) == 99


def test_a_bug_is_the_same_internal_failure_either_way(plain: str, wsgi: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(personalize_local.server, "dispatch", broken)
    answer = exchange(plain, REQUESTS["GetRecommendations of no campaign"])
    assert answer.startswith(b"HTTP/1.1 520 UNKNOWN\r\n") and b'"__type": "InternalFailure"' in answer and b"a bug" in answer
    assert answer == exchange(wsgi, REQUESTS["GetRecommendations of no campaign"])


def test_the_health_check_is_answered_as_the_wsgi_app_answers_it(plain: str, wsgi: str, caplog: pytest.LogCaptureFixture) -> None:
    """The plain path answers it too; the servers' uptimes differ, so the answers are compared without them."""
    uptime = re.compile(rb'(Content-Length: )\d+|("uptimeSeconds": )[0-9.]+')
    answers, lines = [], []
    for address in (plain, wsgi):
        caplog.clear()
        with caplog.at_level("INFO", logger="personalize_local.access"):
            answer = exchange(address, raw("GET", "/personalize-local/health", [("Host", "h")]))
        answers.append(uptime.sub(lambda match: (match[1] or match[2]) + b"N", answer))
        lines.append([json.loads(record.getMessage()) for record in caplog.records if record.name == "personalize_local.access"])
    assert answers[0].startswith(b"HTTP/1.1 200 OK\r\n") and b'"status": "ok"' in answers[0]
    assert answers[0] == answers[1]
    assert [{k: line[k] for k in ("service", "operation", "status")} for line in lines[0] + lines[1]] == [
        {"service": "personalize-local", "operation": "health", "status": 200}
    ] * 2


def test_the_plain_paths_headers_read_as_werkzeugs() -> None:
    environ = {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "2", "HTTP_X_AMZ_TARGET": "A.B", "HTTP_HOST": "h"}
    keys: list[Any] = ["Content-Type", "content-length", "X-Amz-Target", "x_amz_target", "HOST", "Origin", "Content_Type", 1, None]

    def reads(headers: Any, key: Any) -> tuple[object, ...]:
        try:
            item: object = headers[key]
        except KeyError as error:
            item = type(error)
        return key in headers, headers.get(key), headers.get(key, "none"), headers.get(key, type=len), item

    for key in keys:
        assert reads(PlainHeaders(dict(environ)), key) == reads(EnvironHeaders(dict(environ)), key)
