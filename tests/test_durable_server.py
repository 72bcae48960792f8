"""`personalize-local server --data-dir DIR`: everything acknowledged survives a restart, and a kill."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from .conftest import ROLE_ARN, Clients, make_clients
from .data_jobs import EXPORTS, export, exported
from .datagen import TASTES, interactions, to_csv
from .helpers import POPULARITY, loaded_group, personal_campaign, share_of_taste, small_rows
from .servers import start_command, stop
from .tracking import SENT, tracker_of
from .workflow import recommended, wait

# Every list of the world the tests build, and the describe of each resource it lists:
# (list call, its member, describe call, the ARN's name, the describe's member).
INVENTORY = (
    ("list_schemas", "schemas", "describe_schema", "schemaArn", "schema"),
    ("list_dataset_groups", "datasetGroups", "describe_dataset_group", "datasetGroupArn", "datasetGroup"),
    ("list_datasets", "datasets", "describe_dataset", "datasetArn", "dataset"),
    ("list_dataset_import_jobs", "datasetImportJobs", "describe_dataset_import_job", "datasetImportJobArn", "datasetImportJob"),
    ("list_solutions", "solutions", "describe_solution", "solutionArn", "solution"),
    ("list_solution_versions", "solutionVersions", "describe_solution_version", "solutionVersionArn", "solutionVersion"),
    ("list_campaigns", "campaigns", "describe_campaign", "campaignArn", "campaign"),
    ("list_filters", "Filters", "describe_filter", "filterArn", "filter"),
    ("list_event_trackers", "eventTrackers", "describe_event_tracker", "eventTrackerArn", "eventTracker"),
)
USERS = [f"user-{u}" for u in range(5)]
# Items the user interacted with: a filter whose answers differ from the campaign's own.
SEEN = 'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'


def inventory(c: Clients) -> dict[str, Any]:
    """Every list, and every describe of what is listed."""
    p = c.personalize
    found: dict[str, Any] = {}
    for list_call, member, describe, arn_name, described in INVENTORY:
        listed = getattr(p, list_call)()[member]
        found[list_call] = listed
        for summary in listed:
            arn = summary[arn_name]
            found[arn] = getattr(p, describe)(**{arn_name: arn})[described]
    return found


def answers(c: Clients, campaign_arn: str, filter_arn: str) -> dict[str, Any]:
    return {
        user: (
            recommended(c, campaign_arn, user),
            [i["itemId"] for i in c.runtime.get_recommendations(campaignArn=campaign_arn, userId=user, filterArn=filter_arn)["itemList"]],
        )
        for user in USERS
    }


def restarted(directory: Path) -> tuple[subprocess.Popen[str], Clients]:
    server, endpoint = start_command("--data-dir", str(directory))
    return server, make_clients(endpoint_url=endpoint)


def test_a_restart_keeps_every_resource_the_data_the_models_and_s3(tmp_path: Path) -> None:
    server, c = restarted(tmp_path)
    try:
        body = to_csv(interactions())
        group = loaded_group(c, rows=interactions())
        campaign_arn = personal_campaign(c, group.dataset_group_arn, "personal")
        filter_arn = c.personalize.create_filter(name="seen", datasetGroupArn=group.dataset_group_arn, filterExpression=SEEN)["filterArn"]
        wait(lambda: c.personalize.describe_filter(filterArn=filter_arn)["filter"])
        c.personalize.tag_resource(resourceArn=campaign_arn, tags=[{"tagKey": "team", "tagValue": "search"}])
        tracking_id = tracker_of(c, group.dataset_group_arn)
        c.events.put_events(
            trackingId=tracking_id, userId="user-1", sessionId="s-1",
            eventList=[{"eventType": "watch", "itemId": TASTES[1].items[i], "sentAt": SENT + i} for i in range(5)],
        )
        c.s3.put_object(Bucket="personalize-data", Key="scratch.csv", Body=b"gone")
        c.s3.delete_object(Bucket="personalize-data", Key="scratch.csv")
        before, answered = inventory(c), answers(c, campaign_arn, filter_arn)
        tags = c.personalize.list_tags_for_resource(resourceArn=campaign_arn)["tags"]
    finally:
        assert stop(server)[0] == 0

    server, c = restarted(tmp_path)
    try:
        assert inventory(c) == before
        assert c.personalize.list_tags_for_resource(resourceArn=campaign_arn)["tags"] == tags
        assert answers(c, campaign_arn, filter_arn) == answered
        assert [o["Key"] for o in c.s3.list_objects_v2(Bucket="personalize-data")["Contents"]] == ["demo.csv"]
        assert c.s3.get_object(Bucket="personalize-data", Key="demo.csv")["Body"].read() == body

        # Events recorded after the restart still change the answers at once.
        horror = TASTES[1].items
        c.events.put_events(
            trackingId=tracking_id, userId="user-0", sessionId="s-2",
            eventList=[{"eventType": "watch", "itemId": horror[i], "sentAt": SENT + 100 + i} for i in range(10)],
        )
        after = recommended(c, campaign_arn, "user-0")
        assert share_of_taste(after, "horror") > share_of_taste(answered["user-0"][0], "horror")
    finally:
        assert stop(server)[0] == 0


def burst(c: Clients, tracking_id: str, acknowledged: list[str], unanswered: list[str]) -> None:
    """PutEvents, one event a call, until the server is gone; which calls were answered, and the one that wasn't."""
    for i in range(100_000):
        item = f"burst-{i}"
        try:
            c.events.put_events(trackingId=tracking_id, userId="burst", sessionId="s", eventList=[{"eventType": "watch", "itemId": item, "sentAt": SENT + i}])
        except Exception:  # the server was killed: this call may or may not have been kept
            unanswered.append(item)
            return
        acknowledged.append(item)


def test_a_kill_during_a_burst_of_put_events_loses_no_acknowledged_event(tmp_path: Path) -> None:
    server, c = restarted(tmp_path)
    try:
        rows = small_rows()
        group = loaded_group(c, rows=rows)
        # A job's output, written to S3 as the job lands: kept before its ACTIVE is answered.
        assert export(c, group.dataset_arn, "before-kill", "ALL")["status"] == "ACTIVE"
        tracking_id = tracker_of(c, group.dataset_group_arn)
        acknowledged: list[str] = []
        unanswered: list[str] = []
        sender = threading.Thread(target=burst, args=(c, tracking_id, acknowledged, unanswered))
        sender.start()
        while len(acknowledged) < 50:
            sender.join(0.01)
        # A checkpoint in the midst of the burst: the journal goes on after it.
        filter_arn = c.personalize.create_filter(name="seen", datasetGroupArn=group.dataset_group_arn, filterExpression=SEEN)["filterArn"]
        count = len(acknowledged)
        while len(acknowledged) < count + 50:
            sender.join(0.01)
        c.s3.create_bucket(Bucket="empty-bucket")  # kept as it answers, though no object is written
        count = len(acknowledged)
        while len(acknowledged) < count + 10:
            sender.join(0.01)
    finally:
        server.kill()
        server.communicate(timeout=60)
    sender.join(60)
    assert unanswered, "the sender stopped before the server did"

    server, c = restarted(tmp_path)
    try:
        assert c.personalize.describe_filter(filterArn=filter_arn)["filter"]["status"] == "ACTIVE"
        assert len(exported(c, "before-kill")[1]) == len(rows)
        assert sorted(b["Name"] for b in c.s3.list_buckets()["Buckets"]) == sorted([EXPORTS, "empty-bucket", "personalize-data"])
        job = c.personalize.create_dataset_export_job(
            jobName="after-kill", datasetArn=group.dataset_arn, roleArn=ROLE_ARN, ingestionMode="PUT",
            jobOutput={"s3DataDestination": {"path": f"s3://{EXPORTS}/out/"}},
        )["datasetExportJobArn"]
        assert wait(lambda: c.personalize.describe_dataset_export_job(datasetExportJobArn=job)["datasetExportJob"])["status"] == "ACTIVE"
        items = [row["ITEM_ID"] for row in exported(c, "after-kill")[1]]
    finally:
        assert stop(server)[0] == 0
    # Every acknowledged event is back, once; the only other one there may be is the call the kill cut off.
    assert len(items) == len(set(items))
    assert set(acknowledged) <= set(items) <= set(acknowledged) | set(unanswered)


def moto_api(endpoint: str, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/{path}", data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request).close()


def test_a_training_cut_off_by_a_kill_comes_back_failed_saying_the_server_stopped(tmp_path: Path) -> None:
    server, endpoint = start_command("--data-dir", str(tmp_path))
    c = make_clients(endpoint_url=endpoint)
    try:
        group = loaded_group(c, rows=small_rows())
        solution_arn = c.personalize.create_solution(name="slow", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
        wait(lambda: c.personalize.describe_solution(solutionArn=solution_arn)["solution"])
        # Versions stay CREATE IN_PROGRESS however often they are read: the kill finds this one training.
        moto_api(endpoint, "state-manager/set-transition", {"model_name": "personalize::solution_version", "transition": {"progression": "manual", "times": 1_000_000}})
        version_arn = c.personalize.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
        assert c.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["status"].startswith("CREATE ")
    finally:
        server.kill()
        server.communicate(timeout=60)

    server, c = restarted(tmp_path)
    try:
        version = c.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
        assert version["status"] == "CREATE FAILED"
        assert "stopped before this work finished" in version["failureReason"]
        assert c.personalize.describe_solution(solutionArn=solution_arn)["solution"]["status"] == "ACTIVE"
    finally:
        assert stop(server)[0] == 0


def refused(directory: Path) -> tuple[int, str]:
    """Start a server on ``directory`` that is expected not to start: its exit code and what it said."""
    command = [sys.executable, "-m", "personalize_local", "server", "--port", "0", "--data-dir", str(directory)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr


def test_a_directory_of_an_unknown_format_is_refused_naming_both_versions(tmp_path: Path) -> None:
    server, _ = restarted(tmp_path)
    assert stop(server)[0] == 0
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")

    code, said = refused(tmp_path)
    assert code != 0
    assert "format 99" in said and "reads formats 2 and 3" in said


def test_a_second_server_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    server, c = restarted(tmp_path)
    try:
        c.personalize.create_dataset_group(name="kept")
        code, said = refused(tmp_path)
        assert code != 0
        assert "in use by another personalize-local server" in said
        assert [g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]] == ["kept"]
    finally:
        assert stop(server)[0] == 0


def _rows(directory: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Every record and blob row of the directory's database, with its rowid: a row rewritten gets a new one."""
    with sqlite3.connect(f"file:{directory / 'state.db'}?mode=ro", uri=True) as db:
        return {
            "records": set(db.execute("SELECT rowid, kind, key, state FROM records")),
            "blobs": set(db.execute("SELECT rowid, kind, key, blob FROM blobs")),
        }


def test_a_write_rewrites_only_what_it_changed(tmp_path: Path) -> None:
    server, c = restarted(tmp_path)
    try:
        group = loaded_group(c, rows=interactions())
        personal_campaign(c, group.dataset_group_arn, "personal")
        tracking_id = tracker_of(c, group.dataset_group_arn)
        c.events.put_events(
            trackingId=tracking_id, userId="user-1", sessionId="s-1",
            eventList=[{"eventType": "watch", "itemId": TASTES[1].items[i], "sentAt": SENT + i} for i in range(5)],
        )
    finally:
        assert stop(server)[0] == 0  # stopping folds the journal into the records

    server, c = restarted(tmp_path)
    try:
        before = _rows(tmp_path)
        arn = c.personalize.create_dataset_group(name="another")["datasetGroupArn"]
        after = _rows(tmp_path)
        # The trained model, the dataset's rows and every other record are left as they were: one record is new.
        assert before["blobs"] <= after["blobs"] and before["records"] <= after["records"]
        assert {(kind, key) for _, kind, key, _ in after["records"] - before["records"]} == {("dataset-group", arn)}
        assert after["blobs"] == before["blobs"]
    finally:
        assert stop(server)[0] == 0


def test_a_delete_nobody_looked_at_is_done_when_the_server_stops(tmp_path: Path) -> None:
    server, c = restarted(tmp_path)
    try:
        arn = c.personalize.create_dataset_group(name="going")["datasetGroupArn"]
        c.personalize.create_dataset_group(name="staying")
        c.personalize.delete_dataset_group(datasetGroupArn=arn)  # no describe, no list after it
    finally:
        assert stop(server)[0] == 0

    server, c = restarted(tmp_path)
    try:
        assert [g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]] == ["staying"]
    finally:
        assert stop(server)[0] == 0
