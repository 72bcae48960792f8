"""personalize_local.ThreadedServer: the server started from a test, in a thread, as moto's ThreadedMotoServer."""
from __future__ import annotations

import re
import threading
from typing import Any, Iterator

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

import personalize_local.server as server_module
from personalize_local import ThreadedServer
from personalize_local.serving import CannotListen

from .conftest import NO_RETRIES, REGION, make_clients, moto_api

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_PERSONALIZE", "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME", "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS")
NO_CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/none"


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer() as running:
        moto_api(running.endpoint, "reset")  # the process's state, which every server in it shares
        yield running


def group_names(clients: Any) -> list[str]:
    return [g["name"] for g in clients.personalize.list_dataset_groups()["datasetGroups"]]


def test_a_server_on_a_free_port_answers_boto3(server: ThreadedServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.endpoint)
    assert server.endpoint.endswith(f":{server.port}") and server.port != 0
    assert server.get_host_and_port() == ("127.0.0.1", server.port)
    clients = make_clients(endpoint_url=server.endpoint)
    clients.personalize.create_dataset_group(name="threaded")
    assert group_names(clients) == ["threaded"]


def test_two_servers_at_once_on_two_ports_serve_the_same_state(server: ThreadedServer) -> None:
    with ThreadedServer() as second:
        assert second.port != server.port
        make_clients(endpoint_url=server.endpoint).personalize.create_dataset_group(name="first")
        assert group_names(make_clients(endpoint_url=second.endpoint)) == ["first"]
    assert group_names(make_clients(endpoint_url=server.endpoint)) == ["first"]  # the first one serves on


def test_a_port_in_use_is_refused_and_stop_frees_it() -> None:
    first = ThreadedServer()
    first.start()
    port = first.port
    with pytest.raises(CannotListen, match=f"^port {port} is in use$"):
        ThreadedServer(port=port).start()
    clients = make_clients(endpoint_url=first.endpoint)
    assert group_names(clients) is not None  # a pooled connection, left open
    first.stop()
    with pytest.raises(EndpointConnectionError):
        clients.personalize.list_dataset_groups()
    with ThreadedServer(port=port) as again:
        assert again.port == port
        assert group_names(make_clients(endpoint_url=again.endpoint)) is not None


def test_a_server_started_and_stopped_from_another_thread() -> None:
    """`serve()` installs signal handlers, which only the main thread may: ThreadedServer installs none."""
    server = ThreadedServer()
    problems: list[BaseException] = []

    def in_a_thread(step: Any) -> None:
        def run() -> None:
            try:
                step()
            except BaseException as error:  # noqa: B036 (reported to the test's thread)
                problems.append(error)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
        assert problems == []

    in_a_thread(server.start)
    clients = make_clients(endpoint_url=server.endpoint)
    assert "aws-user-personalization" in {r["name"] for r in clients.personalize.list_recipes()["recipes"]}
    in_a_thread(server.stop)
    with pytest.raises(RuntimeError, match="start"):
        server.endpoint


def test_stop_lets_a_call_in_flight_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release = threading.Event(), threading.Event()
    dispatch = server_module.dispatch

    def held(*args: Any) -> Any:  # the call is in the server until the test lets it go
        entered.set()
        release.wait(60)
        return dispatch(*args)

    monkeypatch.setattr(server_module, "dispatch", held)
    server = ThreadedServer()
    server.start()
    clients = make_clients(endpoint_url=server.endpoint)
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(clients.personalize.list_recipes()["recipes"]))
    caller.start()
    assert entered.wait(60)
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    stopping.join(0.5)
    assert stopping.is_alive(), "stop() returned with a call still in flight"
    release.set()
    stopping.join(60)
    caller.join(60)
    assert not stopping.is_alive() and len(answers) == 1 and answers[0], "the call in flight got no answer"
    with pytest.raises(EndpointConnectionError):
        clients.personalize.list_recipes()


def test_the_sdk_finds_the_server_by_the_endpoint_variables(server: ThreadedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's service-specific variables (AWS_ENDPOINT_URL_<serviceId>), and AWS_ENDPOINT_URL for every other
    service: clients made with no endpoint_url reach the server."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name in ENDPOINT_VARIABLES:
        monkeypatch.setenv(name, server.endpoint)
    session = boto3.Session(region_name=REGION)
    personalize = session.client("personalize", config=NO_RETRIES)
    runtime = session.client("personalize-runtime", config=NO_RETRIES)
    events = session.client("personalize-events", config=NO_RETRIES)
    personalize.create_dataset_group(name="by-variable")
    assert [g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]] == ["by-variable"]
    with pytest.raises(runtime.exceptions.ResourceNotFoundException, match="campaign/none"):
        runtime.get_recommendations(campaignArn=NO_CAMPAIGN, userId="u")
    with pytest.raises(events.exceptions.InvalidInputException, match="no-such-tracker"):
        events.put_events(trackingId="no-such-tracker", sessionId="s", eventList=[{"eventType": "click", "sentAt": 1}])

    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)  # one variable for every service, moto's S3 included
    s3 = session.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket="by-variable")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["by-variable"]
    assert [g["name"] for g in session.client("personalize", config=NO_RETRIES).list_dataset_groups()["datasetGroups"]] == ["by-variable"]
