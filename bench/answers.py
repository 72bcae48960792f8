"""Every answer of many in-process calls, as the wire wrote them (status, headers, body), to compare two trees byte for byte.

On bench/runtime.py's MovieLens 100K world (its campaign, the exclude-history and Comedy filters, an event tracker;
built once and saved to --snapshot, restored from it after): GetRecommendations of 450 users in three forms (plain,
filtered with a promotion, with a context), PutEvents of 1 to 3 events 300 times, GetRecommendations after them,
describes and lists of every kind the world holds, GetPersonalizedRanking, the service's errors (validation, not
found, bad tokens, bad events) and raw requests (bodies that are not JSON or not an object, unknown operations, other
accounts, another partition, a body nested past the parser's depth). One line per answer, written to OUT.

Random parts are masked (recommendationIds and other UUIDs; a page token's checksum of the call, which moto takes
from ``hash()``). Run it from each tree with the same snapshot and compare the two files:

    .venv/bin/python bench/answers.py /tmp/before.txt --snapshot /tmp/world.sqlite   # in the tree before
    .venv/bin/python bench/answers.py /tmp/after.txt --snapshot /tmp/world.sqlite    # in the tree after
    cmp /tmp/before.txt /tmp/after.txt
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

import boto3
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_filters import DEFAULT_DATA, load  # noqa: E402
from bench.runtime import filtered_world  # noqa: E402
from personalize_local import mock_personalize, snapshot  # noqa: E402
from personalize_local.mock import stubber  # noqa: E402

_UUID = re.compile(rb'"RID-[0-9a-f-]+"|"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"')
_TOKEN = re.compile(rb'"nextToken": "([^"]+)"')
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def _token(match: re.Match[bytes]) -> bytes:
    token = json.loads(base64.b64decode(match.group(1)))
    token.pop("parameterChecksum", None)
    return b'"nextToken": ' + json.dumps(token).encode()


def masked(body: bytes) -> str:
    return _TOKEN.sub(_token, _UUID.sub(b'"<uuid>"', body)).decode("utf-8", "replace")


def build(folder: Path, path: Path) -> dict[str, Any]:
    """The world, saved to ``path``; what the calls name."""
    frames = load(folder)
    p, s3 = boto3.client("personalize"), boto3.client("s3")
    campaign, group, exclude, comedy, tracker = filtered_world(p, s3, frames)
    snapshot.save(path)
    world = {
        "campaign": campaign, "group": group, "exclude": exclude, "comedy": comedy, "tracker": tracker["eventTrackerArn"],
        "trackingId": tracker["trackingId"], "users": [str(u) for u in frames["Users"]["USER_ID"]],
        "items": [str(i) for i in frames["Items"]["ITEM_ID"]],
    }
    path.with_suffix(".json").write_text(json.dumps(world))
    return world


def record(world: dict[str, Any]) -> list[str]:
    lines: list[str] = []

    def keep(label: str, status: int, headers: Any, body: bytes) -> None:
        kept = {name: value for name, value in dict(headers).items() if name.lower() != "date"}
        lines.append(json.dumps([label, status, kept, masked(body)]))

    once = Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False)
    clients = {name: boto3.client(name, config=once) for name in ("personalize", "personalize-runtime", "personalize-events")}
    for client in clients.values():
        client.meta.events.register(
            "before-parse", lambda response_dict, operation_model, **_: keep(operation_model.name, response_dict["status_code"], response_dict["headers"], response_dict["body"])
        )
    p, runtime, events = clients["personalize"], clients["personalize-runtime"], clients["personalize-events"]
    users, items, campaign = world["users"], world["items"], world["campaign"]
    promotion = [{"name": "comedy", "percentPromotedItems": 20, "filterArn": world["comedy"]}]

    def call(method: Callable[..., Any], **request: Any) -> None:
        try:
            method(**request)
        except Exception as error:  # the answer is kept by before-parse; the client's exception too
            lines.append(json.dumps(["raised", type(error).__name__]))

    for user in users[:300]:
        call(runtime.get_recommendations, campaignArn=campaign, userId=user, numResults=25)
    for user in users[300:400]:
        call(runtime.get_recommendations, campaignArn=campaign, userId=user, numResults=10, filterArn=world["exclude"], promotions=promotion)
    for user in users[400:450]:
        call(runtime.get_recommendations, campaignArn=campaign, userId=user, numResults=5, context={"DEVICE": "phone"})
    call(runtime.get_recommendations, campaignArn=campaign, userId="nobody", numResults=100)
    call(runtime.get_recommendations, campaignArn=campaign, itemId=items[0])
    call(runtime.get_recommendations, campaignArn=campaign + "x", userId="1")
    call(runtime.get_recommendations, campaignArn="bad arn", userId="1")
    call(runtime.get_recommendations, campaignArn=campaign, userId="1", numResults=1000)
    call(runtime.get_recommendations, campaignArn=campaign, userId="1", numResults="x")
    call(runtime.get_personalized_ranking, campaignArn=campaign, userId="1", inputList=items[:30])
    for n in range(300):
        call(events.put_events, trackingId=world["trackingId"], userId=f"v{n % 50}", sessionId=f"s{n % 50}",
             eventList=[{"eventType": "Watch", "itemId": items[(n + j) * 7 % len(items)], "sentAt": 1_600_000_000 + n + j} for j in range(1 + n % 3)])
    call(events.put_events, trackingId="nope", sessionId="s", eventList=[{"eventType": "Watch", "sentAt": 1}])
    call(events.put_events, trackingId=world["trackingId"], sessionId="s", eventList=[])
    call(events.put_events, trackingId=world["trackingId"], sessionId="s", eventList=[{"eventType": "Watch", "sentAt": 1, "properties": "{bad"}])
    call(events.put_events, trackingId=world["trackingId"], sessionId="s",
         eventList=[{"eventType": "Watch", "sentAt": 1, "eventId": "e1"}, {"eventType": "Watch", "sentAt": 1, "eventId": "e1"}])
    for user in users[:60]:
        call(runtime.get_recommendations, campaignArn=campaign, userId=user, numResults=25, filterArn=world["exclude"])
    for user in ("v1", "v2", "s3"):
        call(runtime.get_recommendations, campaignArn=campaign, userId=user, numResults=25)
    call(p.describe_campaign, campaignArn=campaign)
    call(p.describe_dataset_group, datasetGroupArn=world["group"])
    call(p.describe_filter, filterArn=world["exclude"])
    call(p.describe_event_tracker, eventTrackerArn=world["tracker"])
    call(p.describe_recipe, recipeArn=RECIPE)
    call(p.describe_recipe, recipeArn="arn:aws:personalize:::recipe/nope")
    call(p.list_recipes)
    call(p.list_recipes, maxResults=3)
    call(p.list_schemas)
    call(p.list_datasets, datasetGroupArn=world["group"])
    call(p.list_solutions)
    call(p.list_campaigns, maxResults=0)
    call(p.list_filters, nextToken="garbage")
    call(p.describe_schema, schemaArn="x")
    call(p.create_schema, name="", schema="{}")
    call(p.list_tags_for_resource, resourceArn=campaign)
    call(p.describe_algorithm, algorithmArn="arn:aws:personalize:::algorithm/aws-hrnn")
    call(p.describe_feature_transformation, featureTransformationArn="arn:aws:personalize:::feature-transformation/JSON-percentile-filtering")

    runtime_url, control_url = "https://personalize-runtime.us-east-1.amazonaws.com", "https://personalize.us-east-1.amazonaws.com/"
    signed = "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/personalize/aws4_request, SignedHeaders=host, Signature=0"
    listing = {"X-Amz-Target": "AmazonPersonalize.ListRecipes"}
    raw = [
        ("POST", runtime_url + "/recommendations", {}, b"{not json"),
        ("POST", runtime_url + "/recommendations", {}, b"[1]"),
        ("POST", runtime_url + "/recommendations", {}, b"\xff\xfe"),
        ("POST", runtime_url + "/recommendations", {"Authorization": signed}, b""),
        ("POST", runtime_url + "/recommendations/", {"Authorization": signed}, json.dumps({"campaignArn": campaign, "userId": "1"}).encode()),
        ("POST", runtime_url + "/nothing", {}, b"{}"),
        ("GET", runtime_url + "/recommendations", {}, b""),
        ("POST", control_url, {"X-Amz-Target": "AmazonPersonalize.Nope"}, b"{}"),
        ("POST", control_url, {}, b"{}"),
        ("POST", control_url, {**listing, "Authorization": signed}, b'{"maxResults": 2}'),
        ("POST", control_url, {**listing, "x-moto-account-id": "111111111111"}, b"{}"),
        ("POST", control_url, {**listing, "Authorization": signed.replace("us-east-1", "cn-north-1")}, b'{"maxResults": 1}'),
        ("POST", "https://personalize.cn-north-1.amazonaws.com.cn/", {"X-Amz-Target": "AmazonPersonalize.DescribeRecipe"},
         b'{"recipeArn": "arn:aws-cn:personalize:::recipe/aws-sims"}'),
        ("POST", control_url, {"X-Amz-Target": "AmazonPersonalize.DescribeRecipe"}, b'{"recipeArn": 5}'),
        ("POST", control_url, listing, b'{"maxResults": 1, "extra": [1, 2]}'),
        ("POST", control_url, listing, b"[" * 100_000),
        ("POST", "https://personalize-events.us-east-1.amazonaws.com/events", {},
         json.dumps({"trackingId": world["trackingId"], "sessionId": "raw", "eventList": [{"eventType": "Watch", "sentAt": 5, "itemId": "1"}]}).encode()),
    ]
    for method, url, headers, body in raw:
        answer = stubber.answer(AWSPreparedRequest(method, url, HeadersDict(headers), body, False))
        if answer is None:
            lines.append(json.dumps(["raw", None]))
        else:
            keep(f"raw {method} {url}", answer.status_code, answer.headers, answer.content)
    return lines


def world_of(folder: Path, path: Path) -> dict[str, Any]:
    """The world saved at ``path``, loaded into the mock; built from ``folder`` and saved there the first time."""
    if not path.exists():
        return build(folder, path)
    snapshot.load(path)
    return json.loads(path.with_suffix(".json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--snapshot", type=Path, default=Path("/tmp/answers-world.sqlite"), help="the world, saved the first time")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    with mock_personalize():
        lines = record(world_of(args.data, args.snapshot))
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} answers written to {args.out}")


if __name__ == "__main__":
    main()
