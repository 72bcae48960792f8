"""moto's private internals this emulator relies on, each pinned to the shape it has in the moto versions setup.cfg allows.

setup.cfg bounds moto below its next minor release because of these. A moto release that changes one fails
here, in the test named for it, with a message naming the internal and the module of ours that relies on it.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from contextlib import contextmanager
from typing import Any, Iterator

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from moto import mock_aws
from werkzeug.test import Client

from .conftest import Clients

ACCOUNT = "123456789012"
SIGNED_S3 = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


def internal(dotted: str) -> Any:
    """moto's object at ``dotted`` (a module, then attributes), or a failure naming what is gone."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for at, name in enumerate(parts[cut:], cut):
            if not hasattr(found, name):
                pytest.fail(f"moto's {dotted} is gone: {'.'.join(parts[: at + 1])} does not exist")
            found = getattr(found, name)
        return found
    pytest.fail(f"moto's {dotted} is gone: no module of it imports")


@contextmanager
def relied_on(dotted: str, user: str, expected: str) -> Iterator[None]:
    """Within: checks of ``dotted``; any failure (an assertion, an attribute gone, a call refused) is reported
    as moto's internal changed, naming it, the module of ours that relies on it, and on what."""
    try:
        yield
    except Exception as error:
        raise AssertionError(f"moto's {dotted} changed: {user} relies on {expected}") from error


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def prepared(method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b"") -> AWSPreparedRequest:
    fields = HTTPHeaders()
    for name, value in (headers or {}).items():
        fields[name] = value
    return AWSPreparedRequest(method, url, fields, body, stream_output=False)


# The stubber swap (personalize_local/mock.py) ----------------------------------------------------------------

MOCK = "personalize_local/mock.py"
STUBBER = "moto.core.models.botocore_stubber"
# What moto sets up on import, read in a fresh interpreter: this process has put our stubber in the place of moto's.
PRISTINE = """
import json, botocore.handlers, moto.backend_index, moto.core.models as models
print(json.dumps({
    "registered": [event for event, handler, *_ in botocore.handlers.BUILTIN_HANDLERS if handler is models.botocore_stubber],
    "patterns": [[service, pattern.pattern] for service, pattern in moto.backend_index.backend_url_patterns if service == "personalize"],
}))
"""


@pytest.fixture(scope="module")
def pristine() -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-c", PRISTINE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_botocore_stubber_is_a_before_send_builtin_handler(pristine: dict[str, Any]) -> None:
    stubber = internal(STUBBER)
    with relied_on(STUBBER, MOCK, "a BotocoreStubber that importing moto.core.models appends to botocore's BUILTIN_HANDLERS for before-send"):
        assert isinstance(stubber, internal("moto.core.botocore_stubber.BotocoreStubber"))
        assert pristine["registered"] == ["before-send"]


def test_botocore_stubber_answers_while_enabled_and_only_then(monkeypatch: pytest.MonkeyPatch) -> None:
    stubber = internal(STUBBER)
    list_buckets = prepared("GET", "https://s3.amazonaws.com/", {"Authorization": SIGNED_S3})
    monkeypatch.setattr(stubber, "enabled", False)  # as with no mock active; put back as it was after the test
    with relied_on(STUBBER, MOCK, "__call__(event_name, request, **kwargs), answering only while mock_aws sets `enabled`"):
        assert parameters(type(stubber).__call__) == ["self", "event_name", "request", "kwargs"]
        assert stubber("before-send.s3.ListBuckets", list_buckets) is None
        with mock_aws():
            assert stubber.enabled is True
            answer = stubber("before-send.s3.ListBuckets", list_buckets)
            assert isinstance(answer, AWSResponse) and answer.status_code == 200
        assert stubber.enabled is False


def test_patch_client_skips_a_client_whose_handlers_hold_an_equal_stubber(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our stubber equals moto's: patch_client must find it among a client's handlers by equality and register nothing."""
    name = "moto.core.models.patch_client"
    patch_client = internal(name)
    importlib.import_module("personalize_local.mock")  # our stubber in botocore's built-in handlers, as the package does
    client = boto3.client("s3", region_name="us-east-1")
    registered: list[Any] = []
    monkeypatch.setattr(client.meta.events, "register", lambda *args, **kwargs: registered.append(args))
    with relied_on(name, MOCK, "patch_client registering no second stubber where one equal to botocore_stubber is registered"):
        patch_client(client)
        assert registered == []


def test_mock_raw_response_is_a_body_botocore_reads() -> None:
    name = "moto.core.botocore_stubber.MockRawResponse"
    with relied_on(name, MOCK, "MockRawResponse(body) as the raw stream of an AWSResponse"):
        assert AWSResponse("https://example.com/", 200, {}, internal(name)(b'{"a": 1}')).content == b'{"a": 1}'


# moto's state manager and ManagedState (personalize_local/backend/lifecycle.py) ---------------------------

LIFECYCLE = "personalize_local/backend/lifecycle.py"
MANAGED_STATE = "moto.moto_api._internal.managed_state_model.ManagedState"
STATE_MANAGER = "moto.moto_api.state_manager"
CONTRACT_MODEL = "personalize::dataset_group"  # registered by lifecycle.py; its transition is put back after each test


@pytest.fixture
def walk() -> Iterator[Any]:
    """A ManagedState stepping A > B > C through its _get_next_status hook, as Lifecycle overrides it."""
    importlib.import_module("personalize_local.backend.lifecycle")  # registers the personalize:: models
    state_manager = internal(STATE_MANAGER)
    before = state_manager.get_transition(CONTRACT_MODEL)

    class Walk(internal(MANAGED_STATE)):  # type: ignore[misc]
        def _get_next_status(self, previous: str | None) -> str | None:
            return {"A": "B", "B": "C"}.get(previous or "", previous)

    with relied_on(MANAGED_STATE, LIFECYCLE, "__init__(model_name, transitions)"):
        assert parameters(internal(MANAGED_STATE).__init__) == ["self", "model_name", "transitions"]
        made = Walk(CONTRACT_MODEL, [("A", "B")])
    yield made
    state_manager.set_transition(CONTRACT_MODEL, before)


def test_managed_state_init_sets_the_fields_lifecycle_resets(walk: Any) -> None:
    with relied_on(MANAGED_STATE, LIFECYCLE, "_status (the first transition's first), _tick = 0, a naive _time_progressed and model_name"):
        assert (walk._status, walk._tick, walk.model_name) == ("A", 0, CONTRACT_MODEL)
        assert isinstance(walk._time_progressed, datetime) and walk._time_progressed.tzinfo is None
    with relied_on(MANAGED_STATE, LIFECYCLE, "`status`, a property whose getter Lifecycle calls as ManagedState.status.fget"):
        status = inspect.getattr_static(internal(MANAGED_STATE), "status")
        assert isinstance(status, property) and status.fget and status.fset


def test_managed_state_steps_through_get_next_status_as_each_progression_says(walk: Any) -> None:
    state_manager = internal(STATE_MANAGER)
    with relied_on(MANAGED_STATE, LIFECYCLE, "`immediate` stepping _get_next_status until the status stays"):
        state_manager.set_transition(CONTRACT_MODEL, {"progression": "immediate"})
        assert walk.status == "C"
    walk._status = "A"
    with relied_on(MANAGED_STATE, LIFECYCLE, "advance() counting _tick; `manual` stepping once at `times` ticks, then _tick = 0"):
        state_manager.set_transition(CONTRACT_MODEL, {"progression": "manual", "times": 2})
        walk.advance()
        assert walk.status == "A" and walk._tick == 1
        walk.advance()
        assert walk.status == "B" and walk._tick == 0
    with relied_on(MANAGED_STATE, LIFECYCLE, "`time` stepping once `seconds` after _time_progressed, not before"):
        state_manager.set_transition(CONTRACT_MODEL, {"progression": "time", "seconds": 5})
        assert walk.status == "B"
        walk._time_progressed = datetime.now() - timedelta(seconds=6)
        assert walk.status == "C"


def test_state_manager_keeps_registered_defaults_and_set_transitions() -> None:
    state_manager = internal(STATE_MANAGER)
    importlib.import_module("personalize_local.backend.lifecycle")  # registers the personalize:: models
    before = state_manager.get_transition(CONTRACT_MODEL)
    with relied_on(STATE_MANAGER, LIFECYCLE, "register_default_transition(model_name, transition), listed by get_registered_models(); "
                   "set_transition, and unset_transition going back to the default"):
        assert parameters(state_manager.register_default_transition) == ["model_name", "transition"]
        assert CONTRACT_MODEL in state_manager.get_registered_models()
        state_manager.set_transition(CONTRACT_MODEL, {"progression": "manual", "times": 3})
        assert state_manager.get_transition(CONTRACT_MODEL) == {"progression": "manual", "times": 3}
        state_manager.unset_transition(CONTRACT_MODEL)
        assert state_manager.get_transition(CONTRACT_MODEL) == {"progression": "immediate"}
    state_manager.set_transition(CONTRACT_MODEL, before)


# BackendDict, BaseBackend and the backend index (personalize_local/backend, mock.py, urls.py) -------------

BACKENDS = "personalize_local/backend/__init__.py"
BACKEND_DICT = "moto.core.base_backend.BackendDict"
BASE_BACKEND = "moto.core.base_backend.BaseBackend"
URLS = "personalize_local/urls.py"
OTHER = "111111111111"


def routed_backend(handler: Any) -> type:
    """A BaseBackend whose routes come from its _url_module, as PersonalizeBackend's come from urls.py."""

    class Routed(internal(BASE_BACKEND)):  # type: ignore[misc]
        resets = 0

        @property
        def _url_module(self) -> Any:
            return SimpleNamespace(url_bases=[r"https?://personalize\.(.+)\.amazonaws\.com"], url_paths={"{0}/$": handler})

        def reset(self) -> None:
            type(self).resets += 1
            super().reset()

    return Routed


def test_base_backend_takes_region_and_account_and_knows_its_partition() -> None:
    handler = object()
    with relied_on(BASE_BACKEND, BACKENDS, "__init__(region_name, account_id) setting region_name, account_id and partition"):
        assert parameters(internal(BASE_BACKEND).__init__) == ["self", "region_name", "account_id"]
        china = routed_backend(handler)("cn-north-1", OTHER)
        assert (china.region_name, china.account_id, china.partition) == ("cn-north-1", OTHER, "aws-cn")
    with relied_on(BASE_BACKEND, URLS, "`urls` built from _url_module's url_bases and url_paths"):
        assert china.urls.get(r"https?://personalize\.(.+)\.amazonaws\.com/$") is handler


def test_backend_dict_makes_backends_per_account_and_region_that_moto_reset_clears() -> None:
    backend_dict, backend = internal(BACKEND_DICT), routed_backend(None)
    with mock_aws():
        with relied_on(BACKEND_DICT, BACKENDS, "BackendDict(backend, service_name): account -> region -> backend(region, account_id), "
                       "made on first use, found again by plain dict reads, any region settable"):
            assert parameters(backend_dict.__init__)[:3] == ["self", "backend", "service_name"]
            backends = backend_dict(backend, "personalize")
            assert dict.get(backends, OTHER) is None
            made = backends[OTHER]["eu-west-1"]
            assert isinstance(made, backend) and (made.account_id, made.region_name) == (OTHER, "eu-west-1")
            assert dict.get(dict.get(backends, OTHER), "eu-west-1") is made
            backends[OTHER]["xx-nowhere-1"] = backend("xx-nowhere-1", OTHER)
            assert "xx-nowhere-1" in backends[OTHER]
        with relied_on(BACKEND_DICT, "personalize_local/progress.py", "iter_backends() yielding (account_id, region, backend)"):
            assert sorted((a, r) for a, r, _ in backends.iter_backends()) == [(OTHER, "eu-west-1"), (OTHER, "xx-nowhere-1")]
    with relied_on(BACKEND_DICT, BACKENDS, "moto's reset (leaving mock_aws) resetting every backend made, then forgetting them"):
        assert backend.resets == 2 and dict.get(backends, OTHER) is None


def test_get_backend_reads_moto_personalize_backends_and_the_stubber_routes_to_its_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto routes personalize hosts by its backend index to get_backend("personalize"), which reads
    moto.personalize.personalize_backends: the name mock.py lends ours under; the backend's routes answer."""
    index = "moto.backend_index.backend_url_patterns"
    with relied_on(index, MOCK, "a list of (service, compiled pattern)"):
        assert all(isinstance(s, str) and isinstance(p, re.Pattern) for s, p in internal(index))
    seen: list[tuple[Any, ...]] = []

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        seen.append((request.method, request.path, request.host, request.headers.get("X-Amz-Target"), request.get_data(), full_url))
        return 200, {}, b"{}"

    ours = internal(BACKEND_DICT)(routed_backend(handler), "personalize")
    monkeypatch.setattr(internal("moto.personalize"), "personalize_backends", ours)
    with relied_on("moto.backends.get_backend", MOCK, 'get_backend("personalize") reading moto.personalize.personalize_backends when called'):
        assert internal("moto.backends.get_backend")("personalize") is ours
    url = "https://personalize.us-east-1.amazonaws.com/"
    with relied_on("moto.core.botocore_stubber.BotocoreStubber.process_request", URLS,
                   "a url_paths handler called with (a request with method, path, host, headers and get_data(), full_url, headers)"):
        with mock_aws():
            answer = internal(STUBBER).process_request(prepared("POST", url, {"X-Amz-Target": "AmazonPersonalize.ListRecipes"}, b"{}"))
        assert answer == (200, {}, b"{}")
        assert seen == [("POST", "/", "personalize.us-east-1.amazonaws.com", "AmazonPersonalize.ListRecipes", b"{}", url)]


def test_moto_routes_personalize_hosts(pristine: dict[str, Any]) -> None:
    with relied_on("moto.backend_index.backend_url_patterns", MOCK, "a 'personalize' entry matching Personalize's hosts"):
        assert any(re.match(pattern, "https://personalize.us-east-1.amazonaws.com/") for _, pattern in pristine["patterns"])


# moto's S3 (personalize_local/data/s3.py, server.py, snapshot.py, durable.py) ------------------------------

S3_BACKENDS = "moto.s3.models.s3_backends"
S3_USERS = "personalize_local/data/s3.py, snapshot.py and durable.py"
SERVER = "personalize_local/server.py"


def test_s3_backends_are_per_account_and_partition_and_hold_buckets_of_fake_keys(aws: Clients) -> None:
    s3_backends, fake_key = internal(S3_BACKENDS), internal("moto.s3.models.FakeKey")
    aws.s3.create_bucket(Bucket="data")
    aws.s3.put_object(Bucket="data", Key="in/a.csv", Body=b"a")
    with relied_on(S3_BACKENDS, SERVER, "bucket_accounts: bucket name -> (partition, account_id)"):
        assert s3_backends.bucket_accounts.get("data") == ("aws", ACCOUNT)
    with relied_on(S3_BACKENDS, S3_USERS, "[account][partition], one backend per partition: buckets by name (with name and "
                   "region_name), get_bucket(name) raising MissingBucket, bucket.keys: key -> its latest version, a FakeKey"):
        s3 = s3_backends[ACCOUNT]["aws"]
        assert s3 is not s3_backends[ACCOUNT]["aws-cn"]
        bucket = s3.buckets["data"]
        assert s3.get_bucket("data") is bucket and (bucket.name, bucket.region_name) == ("data", "us-east-1")
        assert [(k, type(v)) for k, v in bucket.keys.items()] == [("in/a.csv", fake_key)]
        with pytest.raises(internal("moto.s3.exceptions.MissingBucket")):
            s3.get_bucket("nowhere")
    with relied_on(S3_BACKENDS, S3_USERS, "get_object(bucket, key) (a FakeKey with .value, or None), put_object(bucket, key, bytes), "
                   "delete_object(bucket, key), create_bucket(name, region), delete_bucket(name)"):
        assert s3.get_object("data", "in/a.csv").value == b"a" and s3.get_object("data", "in/none") is None
        s3.put_object("data", "out/b.csv", b"b")
        assert aws.s3.get_object(Bucket="data", Key="out/b.csv")["Body"].read() == b"b"
        s3.delete_object("data", "out/b.csv")
        s3.create_bucket("made", "eu-west-1")
        assert s3.delete_bucket("made") is not None
        assert [b["Name"] for b in aws.s3.list_buckets()["Buckets"]] == ["data"]


def test_a_versioned_delete_leaves_a_marker_that_is_no_fake_key(aws: Clients) -> None:
    aws.s3.create_bucket(Bucket="versioned")
    aws.s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    aws.s3.put_object(Bucket="versioned", Key="k", Body=b"v")
    aws.s3.delete_object(Bucket="versioned", Key="k")
    with relied_on(S3_BACKENDS, "personalize_local/snapshot.py and durable.py", "a delete marker, not a FakeKey, as a deleted key's latest version"):
        bucket = internal(S3_BACKENDS)[ACCOUNT]["aws"].buckets["versioned"]
        assert [isinstance(v, internal("moto.s3.models.FakeKey")) for _, v in bucket.keys.items()] == [False]


def test_bucket_cors_rules_and_the_helpers_the_server_reads_them_with(aws: Clients) -> None:
    aws.s3.create_bucket(Bucket="site")
    aws.s3.put_bucket_cors(Bucket="site", CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["http://app.example"]}]})
    with relied_on(S3_BACKENDS, SERVER, "bucket.cors: rules with allowed_origins"):
        assert [rule.allowed_origins for rule in internal(S3_BACKENDS)[ACCOUNT]["aws"].buckets["site"].cors] == [["http://app.example"]]
    name = "moto.s3.utils.cors_matches_origin"
    with relied_on(name, SERVER, "cors_matches_origin(origin, allowed_origins) -> bool"):
        assert internal(name)("http://app.example", ["http://app.example"]) is True
        assert internal(name)("http://evil.example", ["http://app.example"]) is False
    name = "moto.s3.utils.bucket_name_from_url"
    with relied_on(name, SERVER, "bucket_name_from_url(url) -> the bucket of a virtual-hosted URL"):
        assert internal(name)("https://site.s3.amazonaws.com/k") == "site"


def test_subdomain_based_buckets_is_a_static_method_of_s3_response() -> None:
    name = "moto.s3.responses.S3Response.subdomain_based_buckets"
    subdomains = internal(name)
    with relied_on(name, SERVER, "a staticmethod called on the class with the request: True for a bucket in the host, not for the server's"):
        assert isinstance(inspect.getattr_static(internal("moto.s3.responses.S3Response"), "subdomain_based_buckets"), staticmethod)
        assert subdomains(SimpleNamespace(headers={"host": "site.s3.amazonaws.com"}, url="https://site.s3.amazonaws.com/k")) is True
        assert subdomains(SimpleNamespace(headers={"host": "127.0.0.1:4567"}, url="http://127.0.0.1:4567/")) is False


# moto's CloudWatch (personalize_local/data/cloudwatch.py) and server app (personalize_local/server.py) ------

def test_cloudwatch_put_metric_data_takes_statistics_at_naive_utc_times(aws: Clients) -> None:
    name = "moto.cloudwatch.models.cloudwatch_backends"
    at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    dimensions = [{"Name": "EventAttributionSource", "Value": "PARTNER"}]
    datum = {
        "MetricName": "CLICKS",
        "Dimensions": dimensions,
        "Timestamp": at.replace(tzinfo=None),
        "StatisticValues": {"SampleCount": 2, "Sum": 5.0, "Minimum": 2.0, "Maximum": 3.0},
        "Unit": "Count",
    }
    metric = {"Namespace": "AWS/Personalize", "MetricName": "CLICKS", "Dimensions": dimensions}
    with relied_on(name, "personalize_local/data/cloudwatch.py", "[account][region].put_metric_data(namespace, data), data with "
                   "StatisticValues at naive UTC times, read back by GetMetricData"):
        internal(name)[ACCOUNT]["us-east-1"].put_metric_data("AWS/Personalize", [datum])
        answer = aws.cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "clicks", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}}],
            StartTime=at - timedelta(minutes=5),
            EndTime=at + timedelta(minutes=5),
        )
        assert answer["MetricDataResults"][0]["Values"] == [5.0]


def test_domain_dispatcher_application_serves_moto_over_wsgi() -> None:
    name = "moto.moto_server.werkzeug_app.DomainDispatcherApplication"
    with relied_on(name, SERVER, "DomainDispatcherApplication(create_backend_app), a WSGI app routing by the signed service"):
        app = internal(name)(internal("moto.moto_server.werkzeug_app.create_backend_app"))
        answer = Client(app).get("/", headers={"Authorization": SIGNED_S3, "Host": "localhost"})
        assert answer.status_code == 200 and b"ListAllMyBucketsResult" in answer.data


def test_the_account_of_a_caller() -> None:
    dispatch = "personalize_local/wire/dispatch.py"
    with relied_on("moto.core.DEFAULT_ACCOUNT_ID", dispatch, "123456789012"):
        assert internal("moto.core.DEFAULT_ACCOUNT_ID") == ACCOUNT
    name = "moto.iam.models.get_account_id_from"
    with relied_on(name, dispatch, "get_account_id_from(access_key): the default account for a key IAM doesn't know"):
        assert parameters(internal(name)) == ["access_key"] and internal(name)("testing") == ACCOUNT


def test_the_paginator_names_the_next_item_and_checks_the_call() -> None:
    name, core = "moto.utilities.paginator.Paginator", "personalize_local/backend/core.py"
    items = [{"arn": a} for a in "abc"]

    def paginator(token: str | None = None, call: str = "list") -> Any:
        return internal(name)(max_results=2, max_results_default=100, starting_token=token, unique_attribute="arn",
                              param_values_to_check={"list": call})

    with relied_on(name, core, "Paginator(max_results, max_results_default, starting_token, unique_attribute, "
                   "param_values_to_check).paginate(items) -> (page, a token naming the next page's first item)"):
        page, token = paginator().paginate(items)
        assert page == items[:2] and token
        assert paginator(token).paginate([{"arn": "new"}, *items]) == ([items[2]], None)
    invalid = internal("moto.core.exceptions.InvalidToken")
    with relied_on(name, core, "InvalidToken for a token of other parameters, for garbage and for an item gone"):
        for refused in (lambda: paginator(token, call="other"), lambda: paginator("garbage"), lambda: paginator(token).paginate(items[:2])):
            with pytest.raises(invalid):
                refused()
