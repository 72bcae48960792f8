"""Pages on other origins can't change the server's state or read its answers: the emulator's and moto's own
endpoints refuse a foreign Origin (and, from a browser, the content types a page sends without a preflight),
and no answer carries moto's blanket CORS allowance, but for a bucket whose own CORS configuration allows the origin."""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from playwright.sync_api import Browser

from .browser import PATIENCE_MS
from .conftest import Clients

FOREIGN = "http://evil.example"
RESET = "/moto-api/reset"
RESTORE = "/personalize-local/restore"
SNAPSHOT = "/personalize-local/snapshot"


def post(endpoint: str, path: str, body: bytes | None = b"x", method: str = "POST", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(endpoint + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def groups(clients: Clients) -> list[str]:
    return [g["name"] for g in clients.personalize.list_dataset_groups()["datasetGroups"]]


def cors_allowance(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.startswith("access-control-allow")}


@pytest.fixture
def empty_snapshot(endpoint: str, remote: Clients) -> bytes:
    """A snapshot of the server with nothing in it: restoring it would wipe what a test made since."""
    status, _, data = post(endpoint, SNAPSHOT, b"", **{"Content-Type": "application/json"})
    assert status == 200
    return data


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json"])
def test_a_foreign_origin_can_neither_reset_nor_restore(endpoint: str, remote: Clients, empty_snapshot: bytes, content_type: str) -> None:
    remote.personalize.create_dataset_group(name="kept")
    for path, body in ((RESET, b"x"), (RESTORE, empty_snapshot)):
        status, headers, answer = post(endpoint, path, body, Origin=FOREIGN, **{"Content-Type": content_type})
        assert status == 403, answer
        assert headers["content-type"] == "application/json"
        refusal = json.loads(answer)
        assert refusal["__type"] == "AccessDeniedException" and FOREIGN in refusal["message"]
        assert cors_allowance(headers) == {}
    assert groups(remote) == ["kept"]


def test_every_write_under_the_control_prefixes_refuses_a_foreign_origin(endpoint: str, remote: Clients) -> None:
    remote.personalize.create_dataset_group(name="kept")
    json_type = {"Content-Type": "application/json"}
    for path in (SNAPSHOT, "/personalize-local/auto-training/make-due", "/moto-api/state-manager/set-transition", "/moto-api/seed?a=1"):
        status, _, answer = post(endpoint, path, b"{}", Origin=FOREIGN, **json_type)
        assert status == 403, (path, answer)
    # "null": a sandboxed frame's or a file's page.
    assert post(endpoint, RESET, b"{}", Origin="null", **json_type)[0] == 403
    # The same port on another host name is another origin.
    assert post(endpoint, RESET, b"{}", Origin=endpoint.replace("127.0.0.1", "localhost"), **json_type)[0] == 403
    assert groups(remote) == ["kept"]


def test_a_request_without_origin_changes_the_state_whatever_its_content_type(endpoint: str, remote: Clients, empty_snapshot: bytes) -> None:
    """SDKs, curl and the CLI send no Origin: moto's clients POST a reset with no body and no content type."""
    remote.personalize.create_dataset_group(name="gone")
    status, _, _ = post(endpoint, RESTORE, empty_snapshot, **{"Content-Type": "text/plain"})
    assert status == 200 and groups(remote) == []
    remote.personalize.create_dataset_group(name="gone")
    status, _, _ = post(endpoint, RESET, None)
    assert status == 200 and groups(remote) == []
    remote.personalize.create_dataset_group(name="gone")
    status, _, _ = post(endpoint, RESET, b"x", **{"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and groups(remote) == []


def test_the_servers_own_origin_changes_the_state_with_a_json_content_type(endpoint: str, remote: Clients, empty_snapshot: bytes) -> None:
    remote.personalize.create_dataset_group(name="kept")
    for content_type in ("text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", None):
        headers = {"Origin": endpoint, **({"Content-Type": content_type} if content_type else {})}
        status, _, answer = post(endpoint, RESET, b"x", **headers)
        assert status == 415, (content_type, answer)
        assert json.loads(answer)["__type"] == "UnsupportedMediaTypeException"
    assert groups(remote) == ["kept"]
    status, _, answer = post(endpoint, RESTORE, empty_snapshot, Origin=endpoint, **{"Content-Type": "application/vnd.sqlite3"})
    assert status == 200, answer
    assert groups(remote) == []
    remote.personalize.create_dataset_group(name="gone")
    status, _, _ = post(endpoint, RESET, b"{}", Origin=endpoint, **{"Content-Type": "application/json"})
    assert status == 200 and groups(remote) == []


def test_reads_stay_open_to_every_origin_but_without_a_cors_allowance(endpoint: str, remote: Clients) -> None:
    status, headers, answer = post(endpoint, "/personalize-local/health", None, method="GET", Origin=FOREIGN)
    assert status == 200 and json.loads(answer)["status"] == "ok"
    assert cors_allowance(headers) == {}
    status, headers, _ = post(endpoint, "/moto-api/data.json", None, method="GET", Origin=FOREIGN)
    assert status == 200 and cors_allowance(headers) == {}


def test_a_preflight_from_a_foreign_origin_is_allowed_nothing(endpoint: str, remote: Clients) -> None:
    for path in (RESET, RESTORE, SNAPSHOT, "/moto-api/state-manager/set-transition", "/"):
        status, headers, _ = post(endpoint, path, None, method="OPTIONS", Origin=FOREIGN, **{
            "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
        })
        assert cors_allowance(headers) == {}, (path, status, headers)


def test_s3_allows_a_foreign_origin_only_what_the_buckets_cors_configuration_allows(endpoint: str, remote: Clients) -> None:
    remote.s3.create_bucket(Bucket="page-data")
    remote.s3.put_object(Bucket="page-data", Key="k", Body=b"v")
    for path in ("/", "/page-data", "/page-data/k"):  # the object: moto refuses an unsigned read of it (403)
        _, headers, _ = post(endpoint, path, None, method="GET", Origin=FOREIGN)
        assert cors_allowance(headers) == {}, (path, headers)
    remote.s3.put_bucket_cors(Bucket="page-data", CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [FOREIGN], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"]},
    ]})
    status, headers, _ = post(endpoint, "/page-data", None, method="GET", Origin=FOREIGN)
    assert status == 200 and headers.get("access-control-allow-origin") == FOREIGN, headers
    status, headers, _ = post(endpoint, "/page-data", None, method="OPTIONS", Origin=FOREIGN, **{"Access-Control-Request-Method": "GET"})
    assert status == 200 and headers.get("access-control-allow-origin") == FOREIGN
    # Another origin, and the bucket list: still nothing.
    status, headers, _ = post(endpoint, "/page-data", None, method="GET", Origin="http://other.example")
    assert cors_allowance(headers) == {}
    status, headers, _ = post(endpoint, "/", None, method="GET", Origin=FOREIGN)
    assert cors_allowance(headers) == {}
    # Asked without an Origin (an SDK), S3 answers as ever.
    assert [b["Name"] for b in remote.s3.list_buckets()["Buckets"]] == ["page-data"]


# A real page on another origin, in Chromium -------------------------------------------------------

ATTACK = """<!doctype html>
<html><body><script>
const endpoint = %(endpoint)s;
window.results = {};
async function attempt(name, run) {
  try { results[name] = await run(); } catch (error) { results[name] = "refused: " + error; }
}
(async () => {
  // Simple requests: a browser sends them without asking first; the page can't read the answers (no-cors).
  await attempt("reset", () => fetch(endpoint + "/moto-api/reset",
    {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "x"}).then(r => r.type));
  await attempt("restore", () => fetch(endpoint + "/personalize-local/restore",
    {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "x"}).then(r => r.type));
  // A preflighted JSON reset: the preflight finds no allowance, so the POST is never sent.
  await attempt("jsonReset", () => fetch(endpoint + "/moto-api/reset",
    {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}).then(r => r.status));
  // CORS reads: the bucket list and the state dump are not the page's to read; the bucket that allows it is.
  await attempt("buckets", () => fetch(endpoint + "/").then(r => r.text()));
  await attempt("state", () => fetch(endpoint + "/moto-api/data.json").then(r => r.text()));
  await attempt("allowed", () => fetch(endpoint + "/shared-bucket").then(r => r.text()));
  results.done = true;
})();
</script></body></html>
"""


@pytest.fixture
def foreign_page(endpoint: str) -> Iterator[str]:
    """The attacking page, served by a server of its own on another loopback port: another origin."""
    page = (ATTACK % {"endpoint": json.dumps(endpoint)}).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_page_on_another_origin_can_neither_wipe_the_state_nor_read_it(
    endpoint: str, remote: Clients, foreign_page: str, browser: Browser, caplog: pytest.LogCaptureFixture,  # noqa: F811
) -> None:
    caplog.set_level(logging.INFO, logger="personalize_local.access")
    remote.personalize.create_dataset_group(name="kept")
    remote.s3.create_bucket(Bucket="secret-bucket")
    remote.s3.create_bucket(Bucket="shared-bucket")
    page_origin = foreign_page.rstrip("/")
    remote.s3.put_bucket_cors(Bucket="shared-bucket", CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [page_origin], "AllowedMethods": ["GET"]},
    ]})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PATIENCE_MS)
        page.goto(foreign_page)
        page.wait_for_function("window.results && window.results.done")
        results = page.evaluate("window.results")
    finally:
        context.close()
    # The simple POSTs were sent (an opaque answer) and refused: nothing changed.
    assert results["reset"] == "opaque" and results["restore"] == "opaque"
    calls = [json.loads(record.getMessage()) for record in caplog.records if record.name == "personalize_local.access"]
    answered = {(call["service"], call["operation"], call["status"]) for call in calls}
    assert {("unsigned", "POST /moto-api/reset", 403), ("personalize-local", "restore", 403)} <= answered
    assert groups(remote) == ["kept"]
    # Nothing the server holds was the page's to read, but the bucket whose CORS rules allow its origin.
    assert results["jsonReset"].startswith("refused")
    assert results["buckets"].startswith("refused") and "secret-bucket" not in results["buckets"]
    assert results["state"].startswith("refused")
    assert "<ListBucketResult" in results["allowed"] and "shared-bucket" in results["allowed"]
