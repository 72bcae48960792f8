"""The same path against the HTTP server, with boto3 clients pointed at it like any SDK user."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from .conftest import Clients, error_code, make_clients
from .datagen import TASTES, interactions, to_csv
from .helpers import METRICS
from .test_getting_started import share_of_taste, walk
from .workflow import recommended


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


def test_the_command_serves() -> None:
    """`python -m personalize_local server` (what `make run` starts) answers boto3 on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_local", "server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not open its port"
                time.sleep(0.1)
        clients = make_clients(endpoint_url=endpoint)
        recipes = {r["name"] for r in clients.personalize.list_recipes()["recipes"]}
        assert "aws-user-personalization" in recipes
        clients.s3.create_bucket(Bucket="served-by-moto")
        assert [b["Name"] for b in clients.s3.list_buckets()["Buckets"]] == ["served-by-moto"]
    finally:
        server.terminate()
        server.wait(timeout=30)
