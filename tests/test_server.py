"""The same path against the HTTP server, with boto3 clients pointed at it like any SDK user."""
from __future__ import annotations

import http.client
import json
import urllib.request

import pytest

from .conftest import Clients, error_code, make_clients
from .datagen import TASTES, interactions, to_csv
from .helpers import METRICS, share_of_taste
from .servers import start_command, stop
from .workflow import recommended, walk


def test_whole_path_over_http(remote: Clients) -> None:
    campaign_arn, metrics = walk(remote, to_csv(interactions()))
    assert set(metrics) == METRICS

    before = recommended(remote, campaign_arn, "user-0")
    group_arn = remote.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    tracker = remote.personalize.create_event_tracker(name="tracker", datasetGroupArn=group_arn)
    horror = TASTES[1].items
    remote.events.put_events(
        trackingId=tracker["trackingId"],
        userId="user-0",
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": horror[i], "sentAt": 1_700_000_000 + i} for i in range(10)],
    )
    after = recommended(remote, campaign_arn, "user-0")
    assert share_of_taste(after, "horror") > share_of_taste(before, "horror")


def test_errors_over_http(remote: Clients) -> None:
    with pytest.raises(remote.personalize.exceptions.ResourceNotFoundException) as excinfo:
        remote.personalize.describe_schema(schemaArn="arn:aws:personalize:us-east-1:123456789012:schema/none")
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(remote.runtime.exceptions.ResourceNotFoundException):
        remote.runtime.get_recommendations(campaignArn="arn:aws:personalize:us-east-1:123456789012:campaign/none", userId="u")


def test_other_services_still_answered_by_moto(remote: Clients) -> None:
    remote.s3.create_bucket(Bucket="data")
    remote.s3.put_object(Bucket="data", Key="k", Body=b"v")
    assert remote.s3.get_object(Bucket="data", Key="k")["Body"].read() == b"v"


def test_the_command_serves_logs_each_call_and_stops_cleanly() -> None:
    server, endpoint = start_command()
    try:
        assert endpoint.startswith("http://127.0.0.1:")
        clients = make_clients(endpoint_url=endpoint)
        recipes = {r["name"] for r in clients.personalize.list_recipes()["recipes"]}
        assert "aws-user-personalization" in recipes
        clients.s3.create_bucket(Bucket="served-by-moto")
        assert [b["Name"] for b in clients.s3.list_buckets()["Buckets"]] == ["served-by-moto"]
        with pytest.raises(clients.personalize.exceptions.ResourceNotFoundException):
            clients.personalize.describe_schema(schemaArn="arn:aws:personalize:us-east-1:123456789012:schema/none")
        with urllib.request.urlopen(f"{endpoint}/personalize-local/health") as answer:
            health = json.load(answer)
        assert health["status"] == "ok" and health["uptimeSeconds"] >= 0
    finally:
        code, err = stop(server)
    assert code == 0, err
    calls = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert {"service": "personalize", "operation": "ListRecipes", "status": 200} in [
        {k: c[k] for k in ("service", "operation", "status")} for c in calls
    ]
    assert [(c["operation"], c["status"]) for c in calls if c["service"] == "personalize"][-1] == ("DescribeSchema", 400)
    assert any(c["service"] == "s3" for c in calls)
    assert all(isinstance(c["ms"], float | int) and c["ms"] >= 0 for c in calls)
    assert err.rstrip().endswith("stopped")


def test_a_host_beyond_loopback_is_warned_of() -> None:
    server, endpoint = start_command("--host", "0.0.0.0")
    code, err = stop(server)
    assert code == 0 and "warning: serving on 0.0.0.0" in err


# Connections kept open between calls (HTTP/1.1 keep-alive), as SDKs' connection pools use them ----------
LIST_RECIPES = {"X-Amz-Target": "AmazonPersonalize.ListRecipes", "Content-Type": "application/x-amz-json-1.1"}


def connect(endpoint: str) -> http.client.HTTPConnection:
    host, port = endpoint.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=60)


def ask(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_calls_share_one_connection_whatever_the_app_reads_of_the_body(endpoint: str) -> None:
    connection = connect(endpoint)
    status, headers, body = ask(connection, "POST", "/", b"{}", LIST_RECIPES)
    assert status == 200 and "connection" not in headers
    assert "aws-user-personalization" in {r["name"] for r in json.loads(body)["recipes"]}
    socket_used = connection.sock
    # A body the health check never reads is skipped: the next call on the connection is read whole.
    status, _, body = ask(connection, "GET", "/personalize-local/health", b"x" * 10_000)
    assert status == 200 and json.loads(body)["status"] == "ok"
    # moto's answers too, a HEAD's without a body.
    status, _, _ = ask(connection, "PUT", "/kept-open")
    assert status == 200
    status, headers, body = ask(connection, "HEAD", "/kept-open")
    assert status == 200 and body == b""
    status, _, body = ask(connection, "POST", "/", b"{}", LIST_RECIPES)
    assert status == 200 and json.loads(body)["recipes"]
    assert connection.sock is socket_used


def test_a_chunked_body_is_read_and_its_connection_closed(endpoint: str) -> None:
    connection = connect(endpoint)
    connection.request("POST", "/", body=iter([b"{", b"}"]), headers=LIST_RECIPES, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200 and json.loads(response.read())["recipes"]
    assert response.getheader("Connection") == "close"


def test_a_client_asking_to_close_gets_its_connection_closed(endpoint: str) -> None:
    status, headers, _ = ask(connect(endpoint), "POST", "/", b"{}", {**LIST_RECIPES, "Connection": "close"})
    assert status == 200 and headers["connection"] == "close"


def test_the_command_stops_with_connections_left_open() -> None:
    server, endpoint = start_command()
    idle = connect(endpoint)
    assert ask(idle, "POST", "/", b"{}", LIST_RECIPES)[0] == 200
    code, err = stop(server)  # the idle connection does not hold the server up
    assert code == 0 and err.rstrip().endswith("stopped")
