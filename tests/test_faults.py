"""Faults on demand, as a user's tests arm them: throttled calls (seen through botocore's retries), creations ending
CREATE FAILED with a reason, imports failing at a row; in-process (inject_faults, the pytest fixture) and over HTTP."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import SimpleNamespace
from typing import Any, Iterator

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_api._internal.models import moto_api_backend

import personalize_local
from personalize_local import inject_faults, mock_personalize

from .conftest import REGION, ROLE_ARN, Clients, error_code, make_clients
from .datagen import to_csv
from .helpers import arn, fails, loaded_group, small_rows
from .workflow import create_group, import_csv, train, wait

FAULTS = "/personalize-local/faults"
FOREIGN = "http://evil.example"
INJECTED_ROW = "the row is invalid: a fault injected with fail_import."


@pytest.fixture(autouse=True)
def _botocore_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own retry defaults (standard mode, 3 attempts), whatever the environment says."""
    for name in ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-offs botocore sleeps between attempts (botocore.endpoint's time.sleep), recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=slept.append))
    return slept


def group_names(c: Clients) -> list[str]:
    return [g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]]


# Throttling ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service, method, params",
    [
        ("personalize", "list_dataset_groups", {}),
        ("runtime", "get_recommendations", {"campaignArn": arn("campaign", "none"), "userId": "u"}),
        ("events", "put_events", {"trackingId": "none", "sessionId": "s", "eventList": [{"eventType": "click", "sentAt": 1}]}),
    ],
)
def test_a_throttled_call_answers_throttling_exception_on_a_400_then_the_operation_runs(
    aws: Clients, service: str, method: str, params: dict[str, Any]
) -> None:
    call = getattr(getattr(aws, service), method)
    operation = call.__self__.meta.method_to_api_mapping[method]
    with inject_faults() as faults:
        faults.throttle(operation)
        with pytest.raises(ClientError) as raised:
            call(**params)  # the fixture's clients make one attempt: the raw error
        assert error_code(raised) == "ThrottlingException"
        assert raised.value.response["Error"]["Message"] == "Rate exceeded"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert faults.armed() == []
        # Used up: the next call reaches the operation (which answers as it would).
        try:
            call(**params)
        except ClientError as error:
            assert error.response["Error"]["Code"] != "ThrottlingException"


def test_botocore_retries_throttled_calls_and_succeeds_within_its_attempts(aws: Clients, backoffs: list[float]) -> None:
    personalize = boto3.client("personalize", region_name=REGION)  # botocore's defaults: standard mode, 3 attempts
    with inject_faults() as faults:
        faults.throttle("ListDatasetGroups", times=2)
        answer = personalize.list_dataset_groups()
        assert answer["ResponseMetadata"]["RetryAttempts"] == 2
        assert len(backoffs) == 2  # it backed off before each retry
        assert answer["datasetGroups"] == []

        faults.throttle("ListDatasetGroups", times=3)  # one more than botocore retries
        with pytest.raises(ClientError) as raised:
            personalize.list_dataset_groups()
        assert error_code(raised) == "ThrottlingException"
        assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
        assert personalize.list_dataset_groups()["ResponseMetadata"]["RetryAttempts"] == 0


def test_botocore_legacy_retry_mode_retries_them_too(aws: Clients) -> None:
    """Its legacy rule matches ThrottlingException only on a 400."""
    personalize = boto3.client("personalize", region_name=REGION, config=Config(retries={"mode": "legacy"}))
    with inject_faults() as faults:
        faults.throttle("ListDatasetGroups", times=2)
        assert personalize.list_dataset_groups()["ResponseMetadata"]["RetryAttempts"] == 2


def test_limit_exceeded_is_answered_where_the_operation_models_it(aws: Clients) -> None:
    with inject_faults() as faults:
        faults.throttle("CreateDatasetGroup", times=1, error="LimitExceededException")
        fails("LimitExceededException", aws.personalize.create_dataset_group, name="refused")
        assert group_names(aws) == []
        aws.personalize.create_dataset_group(name="made")
        assert group_names(aws) == ["made"]


@pytest.mark.parametrize(
    "arming, named",
    [
        (lambda f: f.throttle("GetRecommendations", error="LimitExceededException"), "LimitExceededException"),
        (lambda f: f.throttle("GetRecommendations", error="ResourceNotFoundException"), "ResourceNotFoundException"),
        (lambda f: f.throttle("GetRecomendations"), "GetRecomendations"),
        (lambda f: f.throttle("PutEvents", times=0), "times"),
        (lambda f: f.fail_creation("CreateSchema"), "CreateSchema"),
        (lambda f: f.fail_creation("CreateCampaign", reason=""), "reason"),
        (lambda f: f.fail_import(row=0), "row"),
        (lambda f: f.fail_import(row=True), "row"),
    ],
)
def test_a_fault_no_call_can_meet_is_refused_naming_what(aws: Clients, arming: Any, named: str) -> None:
    with inject_faults() as faults:
        with pytest.raises(ValueError, match=named):
            arming(faults)
        assert faults.armed() == []


# Creations ---------------------------------------------------------------------------------------------


def test_a_failed_creation_walks_its_statuses_and_ends_create_failed_with_the_reason(manual: Clients) -> None:
    p = manual.personalize
    with inject_faults() as faults:
        faults.fail_creation("CreateDatasetGroup", reason="Out of capacity.", name="doomed")
        kept = p.create_dataset_group(name="kept")["datasetGroupArn"]
        doomed = p.create_dataset_group(name="doomed")["datasetGroupArn"]
        seen = []
        while not seen or seen[-1]["status"] not in ("ACTIVE", "CREATE FAILED"):
            seen.append(p.describe_dataset_group(datasetGroupArn=doomed)["datasetGroup"])
        assert list(dict.fromkeys(g["status"] for g in seen)) == ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE FAILED"]
        assert seen[-1]["failureReason"] == "Out of capacity."
        assert wait(lambda: p.describe_dataset_group(datasetGroupArn=kept)["datasetGroup"])["status"] == "ACTIVE"
        assert faults.armed() == []


def test_a_failed_training_ends_create_failed_and_the_next_one_trains(aws: Clients) -> None:
    group = loaded_group(aws)
    with inject_faults() as faults:
        faults.fail_creation("CreateSolutionVersion", reason="Insufficient capacity for training.")
        failed = train(aws, group.dataset_group_arn, name="first")
        assert (failed["status"], failed["failureReason"]) == ("CREATE FAILED", "Insufficient capacity for training.")
        fails("ResourceInUseException", aws.personalize.create_campaign, name="c", solutionVersionArn=failed["solutionVersionArn"])
        assert train(aws, group.dataset_group_arn, name="second")["status"] == "ACTIVE"


# Imports -------------------------------------------------------------------------------------------------


def test_an_import_fails_at_the_row_named_and_the_dataset_takes_nothing(aws: Clients) -> None:
    group = create_group(aws)
    with inject_faults() as faults:
        faults.fail_import(row=42)
        job = import_csv(aws, group.dataset_arn, to_csv(small_rows()), job="failing")
        assert job["status"] == "CREATE FAILED"
        assert job["failureReason"] == f"s3://personalize-data/interactions.csv, row 42 (the header is row 1), column USER_ID: {INJECTED_ROW}"
        # The dataset took nothing: an INCREMENTAL import still needs a bulk import before it.
        fails("InvalidInputException", aws.personalize.create_dataset_import_job, jobName="more", datasetArn=group.dataset_arn,
              dataSource={"dataLocation": "s3://personalize-data/interactions.csv"}, roleArn=ROLE_ARN, importMode="INCREMENTAL")
        assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), job="next")["status"] == "ACTIVE"


def test_an_import_fault_names_its_reason_and_column_and_waits_for_its_dataset(aws: Clients) -> None:
    group = create_group(aws)
    other = create_group(aws, "other")
    with inject_faults() as faults:
        faults.fail_import(row=7, reason="the timestamp is in the future.", column="TIMESTAMP", dataset_arn=group.dataset_arn)
        assert import_csv(aws, other.dataset_arn, to_csv(small_rows()), job="other")["status"] == "ACTIVE"
        job = import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="mine.csv", job="mine")
        assert job["failureReason"] == "s3://personalize-data/mine.csv, row 7 (the header is row 1), column TIMESTAMP: the timestamp is in the future."


@pytest.mark.parametrize("real_row, reported", [(10, 10), (100, 42)])
def test_the_first_bad_row_is_reported_be_it_real_or_injected(aws: Clients, real_row: int, reported: int) -> None:
    rows = small_rows()
    rows[real_row - 2]["TIMESTAMP"] = "yesterday"  # the first data row is row 2
    group = create_group(aws)
    with inject_faults() as faults:
        faults.fail_import(row=42)
        job = import_csv(aws, group.dataset_arn, to_csv(rows))
    assert job["failureReason"].startswith(f"s3://personalize-data/interactions.csv, row {reported} (the header is row 1), column ")


# Clearing -----------------------------------------------------------------------------------------------


def test_faults_are_cleared_when_the_block_the_mock_or_moto_reset_ends() -> None:
    with mock_personalize():
        clients = make_clients()
        with inject_faults() as faults:
            faults.throttle("ListDatasetGroups", times=5)
        assert group_names(clients) == []  # the block is left: its faults are gone

        inject_faults().throttle("ListDatasetGroups", times=5)
        moto_api_backend.reset()
        assert group_names(clients) == []

        inject_faults().throttle("ListDatasetGroups", times=5)
        assert inject_faults().armed() != []
    with mock_personalize():
        assert inject_faults().armed() == []
        assert group_names(make_clients()) == []


def test_faults_are_per_account_and_region(aws: Clients) -> None:
    with inject_faults(region="eu-west-1") as elsewhere, inject_faults(account_id="111122223333") as other_account:
        elsewhere.throttle("ListDatasetGroups")
        other_account.throttle("ListDatasetGroups")
        assert group_names(aws) == []
        ireland = boto3.client("personalize", region_name="eu-west-1", config=Config(retries={"total_max_attempts": 1}))
        fails("ThrottlingException", ireland.list_dataset_groups)


def test_the_pytest_fixture_arms_faults_for_the_plugins_world(personalize_aws: Any, personalize_faults: Any) -> None:
    personalize_faults.fail_creation("CreateDatasetGroup", reason="Not today.")
    group_arn = personalize_aws.personalize.create_dataset_group(name="g")["datasetGroupArn"]
    group = wait(lambda: personalize_aws.personalize.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"])
    assert (group["status"], group["failureReason"]) == ("CREATE FAILED", "Not today.")


def test_the_package_exports_inject_faults() -> None:
    assert personalize_local.inject_faults is inject_faults
    assert "inject_faults" in personalize_local.__all__


# Over HTTP ---------------------------------------------------------------------------------------------


def request(endpoint: str, method: str, body: Any = None, **headers: str) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = urllib.request.Request(endpoint + FAULTS, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(sent) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def served(endpoint: str, remote: Clients) -> Iterator[Clients]:
    """Clients of the server; no fault left armed for the tests after."""
    yield remote
    request(endpoint, "DELETE")


def test_faults_armed_over_http_throttle_and_fail_calls(endpoint: str, served: Clients) -> None:
    status, armed = request(endpoint, "POST", {
        "throttle": {"operation": "ListDatasetGroups", "times": 1},
        "fail_creation": [{"operation": "CreateDatasetGroup", "reason": "Over HTTP.", "name": "doomed"}],
    })
    assert status == 200
    assert armed["faults"] == [
        {"account_id": "123456789012", "region": REGION, "kind": "throttle", "operation": "ListDatasetGroups", "times": 1,
         "error": "ThrottlingException"},
        {"account_id": "123456789012", "region": REGION, "kind": "fail_creation", "operation": "CreateDatasetGroup",
         "reason": "Over HTTP.", "name": "doomed", "times": 1},
    ]
    assert request(endpoint, "GET") == (200, armed)
    fails("ThrottlingException", served.personalize.list_dataset_groups)
    doomed = served.personalize.create_dataset_group(name="doomed")["datasetGroupArn"]
    group = served.personalize.describe_dataset_group(datasetGroupArn=doomed)["datasetGroup"]
    assert (group["status"], group["failureReason"]) == ("CREATE FAILED", "Over HTTP.")
    assert request(endpoint, "GET") == (200, {"faults": []})


def test_an_import_fault_armed_over_http_fails_the_import_at_its_row(endpoint: str, served: Clients) -> None:
    group = create_group(served)
    assert request(endpoint, "POST", {"region": REGION, "fail_import": {"row": 3, "reason": "bad value."}})[0] == 200
    job = import_csv(served, group.dataset_arn, to_csv(small_rows()))
    assert job["failureReason"] == "s3://personalize-data/interactions.csv, row 3 (the header is row 1), column USER_ID: bad value."


def test_delete_and_moto_reset_clear_the_servers_faults(endpoint: str, served: Clients) -> None:
    throttle = {"throttle": {"operation": "ListDatasetGroups", "times": 3}}
    request(endpoint, "POST", throttle)
    assert request(endpoint, "DELETE") == (200, {"faults": []})
    assert group_names(served) == []
    request(endpoint, "POST", throttle)
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    assert request(endpoint, "GET") == (200, {"faults": []})


@pytest.mark.parametrize(
    "body, code, named",
    [
        ({"throttle": {"operation": "PutEvents", "times": 2, "retries": 1}}, "InvalidInputException", "retries"),
        ({"fail_import": {"reason": "no row"}}, "InvalidInputException", "'row'"),
        ({"fail_creation": {"operation": "CreateSchema"}}, "InvalidInputException", "CreateSchema"),
        ({"slow_down": {}}, "InvalidInputException", "slow_down"),
        ({"throttle": {"operation": "PutEvents"}, "fail_import": {"row": -1}}, "InvalidInputException", "row"),
        (b"{not json", "SerializationException", "JSON"),
    ],
)
def test_a_bad_body_is_a_400_naming_what_and_arms_nothing(endpoint: str, served: Clients, body: Any, code: str, named: str) -> None:
    status, answer = request(endpoint, "POST", body)
    assert status == 400
    assert answer["__type"] == code and named in answer["message"]
    assert request(endpoint, "GET") == (200, {"faults": []})


def test_a_page_on_another_origin_can_neither_arm_nor_clear_faults(endpoint: str, served: Clients) -> None:
    json_type = {"Content-Type": "application/json"}
    status, answer = request(endpoint, "POST", {"throttle": {"operation": "ListDatasetGroups"}}, Origin=FOREIGN, **json_type)
    assert status == 403 and answer["__type"] == "AccessDeniedException"
    request(endpoint, "POST", {"throttle": {"operation": "ListDatasetGroups"}})
    assert request(endpoint, "DELETE", Origin=FOREIGN, **json_type)[0] == 403
    assert len(request(endpoint, "GET")[1]["faults"]) == 1
