"""moto's own server (``ThreadedMotoServer``, as ``moto_server`` serves) answers Personalize from this emulator.

The package is imported here (conftest), as in any suite where the pytest plugin loads: moto's server must
then route all three Personalize services to this emulator, and moto's other services as ever.
"""
from __future__ import annotations

import json
import urllib.request
from typing import Iterator

import pytest
from moto.backends import get_backend
from moto.server import ThreadedMotoServer

from personalize_local.backend import PersonalizeBackend

from .conftest import INTERACTIONS_SCHEMA, Clients, error_code, make_clients, moto_api
from .helpers import ACCOUNT, REGION, loaded_group, popularity_campaign
from .workflow import recommended


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_clients(moto_endpoint: str) -> Iterator[Clients]:
    moto_api(moto_endpoint, "reset")  # moto's reset clears this emulator's state with the rest
    clients = make_clients(endpoint_url=moto_endpoint)
    yield clients
    assert clients.shape_errors == [], "\n".join(clients.shape_errors)


def test_all_three_services_are_this_emulators_on_motos_server(moto_clients: Clients) -> None:
    c = moto_clients
    group = loaded_group(c)  # schema, dataset group, dataset, and an import reading moto's S3 on the same server
    [job] = c.personalize.list_dataset_import_jobs(datasetArn=group.dataset_arn)["datasetImportJobs"]
    assert job["status"] == "ACTIVE"
    campaign = popularity_campaign(c, group.dataset_group_arn)
    assert len(recommended(c, campaign, "user-0")) == 10  # personalize-runtime

    tracker = c.personalize.create_event_tracker(name="tracker", datasetGroupArn=group.dataset_group_arn)
    events = [{"eventType": "watch", "itemId": "item-1", "sentAt": 1_700_000_000}]
    c.events.put_events(trackingId=tracker["trackingId"], userId="user-0", sessionId="s", eventList=events)
    with pytest.raises(c.events.exceptions.InvalidInputException) as excinfo:  # personalize-events
        c.events.put_events(trackingId="no-such-tracker", userId="user-0", sessionId="s", eventList=events)
    assert "'no-such-tracker' at 'trackingId'" in excinfo.value.response["Error"]["Message"]


def test_motos_get_backend_gives_this_emulators_state(moto_clients: Clients) -> None:
    arn = moto_clients.personalize.create_schema(name="introspected", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    backend = get_backend("personalize")[ACCOUNT][REGION]
    assert isinstance(backend, PersonalizeBackend)
    assert backend.schemas.schemas.get(arn).name == "introspected"


def test_errors_are_the_services_on_motos_server(moto_clients: Clients) -> None:
    p = moto_clients.personalize
    with pytest.raises(p.exceptions.ResourceNotFoundException) as excinfo:
        p.describe_schema(schemaArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:schema/none")
    assert "schema/none" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(p.exceptions.InvalidInputException) as excinfo:
        p.create_schema(name="bad", schema="not avro")
    assert error_code(excinfo) == "InvalidInputException"


def test_an_operation_personalize_has_not_is_its_unknown_operation(moto_endpoint: str) -> None:
    request = urllib.request.Request(
        moto_endpoint, data=b"{}", method="POST",
        headers={
            "X-Amz-Target": "AmazonPersonalize.BrewCoffee",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/personalize/aws4_request, "
                             "SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request)
    assert excinfo.value.code == 400
    body = json.loads(excinfo.value.read())
    assert body["__type"] == "UnknownOperationException"
    assert "BrewCoffee" in body["message"]


def test_motos_other_services_still_work_on_it(moto_clients: Clients) -> None:
    c = moto_clients
    c.s3.create_bucket(Bucket="data")
    c.s3.put_object(Bucket="data", Key="k", Body=b"v")
    assert c.s3.get_object(Bucket="data", Key="k")["Body"].read() == b"v"
    c.cloudwatch.put_metric_data(Namespace="app", MetricData=[{"MetricName": "clicks", "Value": 1.0}])
    assert [m["MetricName"] for m in c.cloudwatch.list_metrics(Namespace="app")["Metrics"]] == ["clicks"]
