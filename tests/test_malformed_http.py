"""Malformed HTTP, sent as raw bytes to the server: each is answered 4xx in JSON, in the protocol's format where it
has one, never with an HTML page or a traceback."""
from __future__ import annotations

import http.client
import io
import json
from typing import Callable

import pytest

import personalize_local.server

from .helpers import sent_raw

# A SigV4 header as boto3 signs Personalize (all three services sign as ``personalize``); the server checks no signature.
SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/personalize/aws4_request, SignedHeaders=host, Signature=0"
JSON_TYPES = {"application/json", "application/x-amz-json-1.1"}
DEEP = b"[" * 1000 + b"]" * 1000


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"", length: bool = True) -> bytes:
    """A request's bytes; its Content-Length from the body unless ``length`` is False or the headers give one."""
    if length and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers = {**headers, "Content-Length": str(len(body))}
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def control_plane(target: str, body: bytes, **headers: str) -> bytes:
    return request("POST", "/", {
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1", "Authorization": SIGNED, **headers,
    }, body)


def runtime(path: str, body: bytes) -> bytes:
    return request("POST", path, {"Content-Type": "application/json", "Authorization": SIGNED}, body)


# name: (the request's bytes, the status, the __type)
MALFORMED: dict[str, tuple[bytes, int, str]] = {
    "negative Content-Length": (control_plane("AmazonPersonalize.ListRecipes", b"{}", **{"Content-Length": "-5"}), 400, "BadRequestException"),
    "non-numeric Content-Length": (control_plane("AmazonPersonalize.ListRecipes", b"{}", **{"Content-Length": "two"}), 400, "BadRequestException"),
    "two different Content-Lengths": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "BadRequestException",
    ),
    "a Transfer-Encoding other than chunked": (
        control_plane("AmazonPersonalize.ListRecipes", b"{}", **{"Transfer-Encoding": "gzip"}), 400, "BadRequestException",
    ),
    "a chunk size that is not hex": (
        control_plane("AmazonPersonalize.ListRecipes", b"zz\r\n{}\r\n0\r\n\r\n", **{"Transfer-Encoding": "chunked"}), 400, "BadRequestException",
    ),
    "a chunked body cut short": (
        control_plane("AmazonPersonalize.ListRecipes", b"10\r\n{}", **{"Transfer-Encoding": "chunked"}), 400, "BadRequestException",
    ),
    "a request line that is no request line": (b"GARBAGE\r\n\r\n", 400, "BadRequestException"),
    "an HTTP version that is no version": (b"GET / HTTP/1.x\r\n\r\n", 400, "BadRequestException"),
    "a header line too long": (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431, "RequestHeaderFieldsTooLargeException",
    ),
    "%00 in a console path": (request("GET", "/_console/%00", {}), 404, "NotFoundException"),
    "a console path out of the console": (request("GET", "/_console/%2e%2e/%2e%2e/setup.py", {}), 404, "NotFoundException"),
    "a console write": (request("POST", "/_console/index.html", {}, b"x"), 405, "MethodNotAllowedException"),
    "OPTIONS /": (request("OPTIONS", "/", {}), 400, "UnknownOperationException"),
    "an unknown X-Amz-Target signed for Personalize": (
        control_plane("AmazonPersonalize.NoSuchOp", b"{}"), 400, "UnknownOperationException",
    ),
    "an unknown X-Amz-Target, unsigned": (
        request("POST", "/", {"X-Amz-Target": "AmazonPersonalize.NoSuchOp", "Content-Type": "application/x-amz-json-1.1"}, b"{}"),
        400, "UnknownOperationException",
    ),
    "an X-Amz-Target without an operation": (control_plane("AmazonPersonalize.", b"{}"), 400, "UnknownOperationException"),
    "an X-Amz-Target without a dot": (control_plane("NoSuchOp", b"{}"), 400, "UnknownOperationException"),
    "a POST / signed for Personalize without X-Amz-Target": (
        request("POST", "/", {"Content-Type": "application/x-amz-json-1.1", "Authorization": SIGNED}, b"{}"), 400, "UnknownOperationException",
    ),
    "a path of no Personalize operation, signed for it": (runtime("/no-such-operation", b"{}"), 404, "UnknownOperationException"),
    "JSON nested 1,000 levels deep (CreateDatasetGroup)": (
        control_plane("AmazonPersonalize.CreateDatasetGroup", b'{"name": "deep", "tags": ' + DEEP + b"}"), 400, "SerializationException",
    ),
    "a body of nested arrays only": (control_plane("AmazonPersonalize.CreateDatasetGroup", DEEP), 400, "SerializationException"),
    "a body that is not JSON": (control_plane("AmazonPersonalize.CreateDatasetGroup", b"name=shop"), 400, "SerializationException"),
    "a JSON array instead of an object": (control_plane("AmazonPersonalize.ListRecipes", b"[]"), 400, "SerializationException"),
    "a JSON string instead of an object": (control_plane("AmazonPersonalize.ListRecipes", b'"recipes"'), 400, "SerializationException"),
    "a body that is not UTF-8": (control_plane("AmazonPersonalize.CreateDatasetGroup", b'{"name": "\xff\xfe"}'), 400, "SerializationException"),
    "REST-JSON POST /recommendations nested 1,000 levels deep": (
        runtime("/recommendations", b'{"campaignArn": ' + DEEP + b"}"), 400, "SerializationException",
    ),
    "REST-JSON POST /events that is not JSON": (runtime("/events", b"{trackingId"), 400, "SerializationException"),
}


class _Received:
    """What the server sent, as a socket http.client reads a response from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, *_: object) -> io.BytesIO:
        return io.BytesIO(self._data)


def exchange(endpoint: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send the bytes on a connection of their own, say nothing more, and read the answer until the server closes."""
    host, port = endpoint.removeprefix("http://").rsplit(":", 1)
    received = sent_raw(host, int(port), data)
    response = http.client.HTTPResponse(_Received(received))  # type: ignore[arg-type]
    response.begin()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def assert_json_error(status: int, headers: dict[str, str], body: bytes) -> dict[str, str]:
    text = body.decode("utf-8", errors="replace")
    assert "Traceback" not in text and "<html" not in text.lower(), text
    assert headers["content-type"].split(";")[0].strip() in JSON_TYPES, headers
    answer = json.loads(body)
    assert set(answer) == {"__type", "message"} and answer["message"], answer
    return answer


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_requests_get_the_services_errors_in_json(endpoint: str, name: str) -> None:
    data, expected_status, expected_type = MALFORMED[name]
    status, headers, body = exchange(endpoint, data)
    answer = assert_json_error(status, headers, body)
    assert 400 <= status < 500
    assert (status, answer["__type"]) == (expected_status, expected_type), answer


def test_a_well_formed_chunked_body_still_reaches_the_operation(endpoint: str) -> None:
    chunked = b"2\r\n{}\r\n0\r\n\r\n"
    status, headers, body = exchange(endpoint, control_plane("AmazonPersonalize.ListRecipes", chunked, **{"Transfer-Encoding": "chunked"}))
    assert status == 200 and headers.get("connection") == "close"
    assert json.loads(body)["recipes"]


def test_a_bug_inside_the_app_is_an_internal_failure_in_json(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception no handler expected: logged, and answered InternalFailure on 520 (a status botocore doesn't retry)."""

    def broken(*_: object) -> Callable[..., object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(personalize_local.server, "serve_console", broken)
    status, headers, body = exchange(endpoint, request("GET", "/_console/index.html", {}))
    answer = assert_json_error(status, headers, body)
    assert status == 520 and answer["__type"] == "InternalFailure"
    assert "a bug" in answer["message"]
