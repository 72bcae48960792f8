"""A data directory on a full disk: a write that can't be kept is refused unapplied, reads go on, and writes
resume once space is freed, with no restart; after one, exactly what was acknowledged is there.

Runs on a small tmpfs, which needs root (or CAP_SYS_ADMIN); skipped with the reason where mounting is not allowed.
"""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from botocore.exceptions import ClientError

from .conftest import Clients, make_clients
from .helpers import fails, loaded_group, popularity_campaign
from .servers import start_command, stop
from .tracking import tracker_of

DISK_BYTES = 16 * 1024 * 1024
WATCHED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs here to fill it ({done.stderr.strip() or done.returncode}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """A file that takes every free byte of ``disk``."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        block = b"\0" * 65536
        try:
            while True:
                out.write(block)
        except OSError:
            pass
        try:
            while True:  # the last few bytes
                out.write(b"\0")
        except OSError:
            pass
    return filler


def recommended(c: Clients, campaign_arn: str, filter_arn: str, user: str) -> list[str]:
    answer = c.runtime.get_recommendations(campaignArn=campaign_arn, userId=user, filterArn=filter_arn, numResults=25)
    return [item["itemId"] for item in answer["itemList"]]


def watch(c: Clients, tracking_id: str, user: str, item: str) -> None:
    c.events.put_events(
        trackingId=tracking_id, userId=user, sessionId=f"session-{user}",
        eventList=[{"eventType": "watch", "itemId": item, "sentAt": 1_800_000_000, "eventId": uuid.uuid4().hex}],
    )


def test_a_full_disk_refuses_writes_unapplied_keeps_reads_and_recovers_without_a_restart(small_disk: Path) -> None:
    directory = small_disk / "data"
    server, endpoint = start_command("--data-dir", str(directory))
    try:
        c = make_clients(endpoint_url=endpoint)
        group = loaded_group(c)
        campaign = popularity_campaign(c, group.dataset_group_arn)
        tracking_id = tracker_of(c, group.dataset_group_arn)
        filter_arn = c.personalize.create_filter(name="unwatched", datasetGroupArn=group.dataset_group_arn, filterExpression=WATCHED)["filterArn"]
        c.s3.create_bucket(Bucket="kept")
        first, second = recommended(c, campaign, filter_arn, "newcomer")[:2]

        filler = fill(small_disk)
        # Writes that can't be kept are refused, with the service's error, and not applied.
        message = fails("ResourceInUseException", c.events.put_events, trackingId=tracking_id, userId="newcomer",
                        sessionId="s", eventList=[{"eventType": "watch", "itemId": first, "sentAt": 1_800_000_000}])
        assert "not applied" in message and str(directory) in message
        fails("ResourceInUseException", c.events.put_events, trackingId=tracking_id, userId="newcomer",
              sessionId="s", eventList=[{"eventType": "watch", "itemId": second, "sentAt": 1_800_000_001}])
        fails("ResourceInUseException", c.personalize.create_dataset_group, name="while-full")
        with pytest.raises(ClientError):
            c.s3.put_object(Bucket="kept", Key="big", Body=os.urandom(2 * 1024 * 1024))
        # Reads go on, and show that nothing refused was applied.
        assert [g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]] == ["demo"]
        assert recommended(c, campaign, filter_arn, "newcomer")[:2] == [first, second]
        assert "Contents" not in c.s3.list_objects_v2(Bucket="kept")
        assert c.personalize.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "ACTIVE"

        filler.unlink()
        # Space again: writes resume, with no restart.
        watch(c, tracking_id, "newcomer", first)
        c.personalize.create_dataset_group(name="after")
        c.s3.put_object(Bucket="kept", Key="small", Body=b"kept")
        assert first not in recommended(c, campaign, filter_arn, "newcomer")
    finally:
        assert stop(server)[0] == 0

    # After a restart: what was acknowledged, and nothing that wasn't.
    server, endpoint = start_command("--data-dir", str(directory))
    try:
        c = make_clients(endpoint_url=endpoint)
        assert sorted(g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]) == ["after", "demo"]
        answer = recommended(c, campaign, filter_arn, "newcomer")
        assert first not in answer and second in answer
        assert [o["Key"] for o in c.s3.list_objects_v2(Bucket="kept")["Contents"]] == ["small"]
    finally:
        assert stop(server)[0] == 0
