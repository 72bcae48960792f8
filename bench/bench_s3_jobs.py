"""The S3 jobs on MovieLens 100K, side by side with the import job they mirror; and what attribution adds to PutEvents.

Two dataset groups hold every rating (EVENT_TYPE Like for ratings > 3, Watch otherwise, the
rating as EVENT_VALUE) and the films (YEAR); the second has a metric attribution (SAMPLECOUNT()
of Like, SUM(Interactions.EVENT_VALUE) and SUM(Items.YEAR) of Watch) with an S3 path. Each round,
in turn, through boto3 and the mock, create to final status:

- import: a FULL import of the ratings into the first group (the baseline, which also restores
  what the round's deletion took);
- import + S3 report: the same into the second group with publishAttributionMetricsToS3;
- export ALL: the first group's ratings back to S3 as CSV;
- data deletion: a tenth of the users out of the first group.

Then PutEvents calls of 10 events, alternately to the plain group and to the attributed one
(every event attributed to one of 10 sources, so each call also puts CloudWatch metric data).
Prints medians and their ratios.

    .venv/bin/python bench/bench_s3_jobs.py [path/to/ml-100k] [rounds] [put-events-calls-per-round]
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import boto3
import pandas as pd

from personalize_local import mock_personalize

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
ROLE = "arn:aws:iam::123456789012:role/Bench"
FINAL = {"ACTIVE", "CREATE FAILED", "COMPLETED", "FAILED"}


def avro(name: str, fields: list[tuple[str, Any]]) -> str:
    described = [{"name": n, "type": t} for n, t in fields]
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": described, "version": "1.0"})


SCHEMAS = {
    "Interactions": avro("Interactions", [("USER_ID", "string"), ("ITEM_ID", "string"), ("EVENT_TYPE", "string"),
                                          ("EVENT_VALUE", ["null", "float"]), ("TIMESTAMP", "long")]),
    "Items": avro("Items", [("ITEM_ID", "string"), ("YEAR", ["null", "int"])]),
}
METRICS = [
    {"eventType": "Like", "metricName": "LIKES", "expression": "SAMPLECOUNT()"},
    {"eventType": "Watch", "metricName": "RATED", "expression": "SUM(Interactions.EVENT_VALUE)"},
    {"eventType": "Watch", "metricName": "YEARS", "expression": "SUM(Items.YEAR)"},
]


def load(folder: Path) -> dict[str, pd.DataFrame]:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"])
    items = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None)
    return {
        "Interactions": pd.DataFrame({
            "USER_ID": ratings["USER_ID"], "ITEM_ID": ratings["ITEM_ID"],
            "EVENT_TYPE": ratings["RATING"].gt(3).map({True: "Like", False: "Watch"}),
            "EVENT_VALUE": ratings["RATING"].astype(float), "TIMESTAMP": ratings["TIMESTAMP"],
        }),
        "Items": pd.DataFrame({
            "ITEM_ID": items[0], "YEAR": pd.to_datetime(items[2], format="%d-%b-%Y", errors="coerce").dt.year.astype("Int64"),
        }),
    }


def settle(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while (resource := describe())["status"] not in FINAL:
        time.sleep(0.01)
    assert resource["status"] in ("ACTIVE", "COMPLETED"), resource.get("failureReason")
    return resource


class Bench:
    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.p, self.s3, self.events = (boto3.client(name) for name in ("personalize", "s3", "personalize-events"))
        self.s3.create_bucket(Bucket="bench")
        for kind, frame in frames.items():
            self.s3.put_object(Bucket="bench", Key=f"{kind}.csv", Body=frame.to_csv(index=False).encode())
        self.schemas = {kind: self.p.create_schema(name=kind, schema=text)["schemaArn"] for kind, text in SCHEMAS.items()}
        self.jobs = 0

    def group(self, name: str) -> tuple[str, str, str]:
        """A group with both datasets imported and an event tracker: (group, Interactions dataset, tracking ID)."""
        p = self.p
        group = p.create_dataset_group(name=name)["datasetGroupArn"]
        settle(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
        datasets = {}
        for kind, schema in self.schemas.items():
            datasets[kind] = p.create_dataset(name=f"{name}-{kind}", schemaArn=schema, datasetGroupArn=group, datasetType=kind)["datasetArn"]
            settle(lambda: p.describe_dataset(datasetArn=datasets[kind])["dataset"])
            self.import_into(datasets[kind], kind)
        tracker = p.create_event_tracker(name=f"{name}-tracker", datasetGroupArn=group)
        settle(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])
        return group, datasets["Interactions"], tracker["trackingId"]

    def name(self) -> str:
        self.jobs += 1
        return f"job-{self.jobs}"

    def import_into(self, dataset: str, kind: str = "Interactions", **options: Any) -> None:
        arn = self.p.create_dataset_import_job(jobName=self.name(), datasetArn=dataset, roleArn=ROLE,
                                               dataSource={"dataLocation": f"s3://bench/{kind}.csv"}, **options)["datasetImportJobArn"]
        settle(lambda: self.p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])

    def export(self, dataset: str) -> None:
        arn = self.p.create_dataset_export_job(jobName=self.name(), datasetArn=dataset, roleArn=ROLE, ingestionMode="ALL",
                                               jobOutput={"s3DataDestination": {"path": "s3://bench/exports/"}})["datasetExportJobArn"]
        settle(lambda: self.p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"])

    def delete(self, group: str) -> None:
        arn = self.p.create_data_deletion_job(jobName=self.name(), datasetGroupArn=group, roleArn=ROLE,
                                              dataSource={"dataLocation": "s3://bench/deleted-users.csv"})["dataDeletionJobArn"]
        settle(lambda: self.p.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"])


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(folder: Path = DEFAULT_DATA, rounds: int = 3, calls: int = 200) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = load(folder)
    users = frames["Interactions"]["USER_ID"].drop_duplicates()
    with mock_personalize():
        bench = Bench(frames)
        plain, plain_dataset, plain_tracking = bench.group("plain")
        attributed, attributed_dataset, attributed_tracking = bench.group("attributed")
        bench.p.create_metric_attribution(name="impact", datasetGroupArn=attributed, metrics=METRICS,
                                          metricsOutputConfig={"roleArn": ROLE, "s3DataDestination": {"path": "s3://bench/reports/"}})
        bench.s3.put_object(Bucket="bench", Key="deleted-users.csv", Body=("USER_ID\n" + "\n".join(map(str, users.iloc[::10])) + "\n").encode())

        jobs: dict[str, Callable[[], None]] = {
            "import (FULL)": lambda: bench.import_into(plain_dataset),
            "import (FULL) + S3 report": lambda: bench.import_into(attributed_dataset, publishAttributionMetricsToS3=True),
            "export ALL": lambda: bench.export(plain_dataset),
            "data deletion (10% of users)": lambda: bench.delete(plain),
        }
        job_times: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(rounds):
            for name, job in jobs.items():
                job_times[name].append(timed(job))

        now = int(time.time())
        batches = [
            [{"eventType": "Like" if k % 2 else "Watch", "itemId": str(1 + (c * 10 + k) % 1682), "sentAt": now + c * 10 + k, "eventValue": 4.0,
              "metricAttribution": {"eventAttributionSource": f"source-{k}"}} for k in range(10)]
            for c in range(calls)
        ]
        trackers = {"PutEvents, no attribution": plain_tracking, "PutEvents, attributed": attributed_tracking}
        put_times: dict[str, list[float]] = {name: [] for name in trackers}
        for r in range(rounds):
            for name, tracking_id in trackers.items():
                put_times[name].append(timed(lambda: [
                    bench.events.put_events(trackingId=tracking_id, userId=f"bench-{r}", sessionId=f"s-{r}", eventList=batch)
                    for batch in batches
                ]) / calls)

    print(f"{len(frames['Interactions'])} interactions, {len(frames['Items'])} items, {len(users)} users; "
          f"{rounds} alternating rounds, medians")
    baseline = statistics.median(job_times["import (FULL)"])
    for name, samples in job_times.items():
        median = statistics.median(samples)
        print(f"{name:<34}{median:8.3f} s    {median / baseline:.2f}x")
    baseline = statistics.median(put_times["PutEvents, no attribution"])
    for name, samples in put_times.items():
        median = statistics.median(samples)
        print(f"{name:<34}{median * 1e3:8.3f} ms   {median / baseline:.2f}x   ({calls} calls of 10 events)")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_DATA, *(int(a) for a in args[1:3]))
