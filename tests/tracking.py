"""Event trackers and the events users record through them."""
from __future__ import annotations

from typing import Any

from .conftest import Clients
from .workflow import wait

# When recorded events are sent: after every generated interaction (tests/datagen.py).
SENT = 1_700_000_000


def make_tracker(c: Clients, group_arn: str, name: str = "tracker") -> dict[str, str]:
    """An ACTIVE event tracker of the group; CreateEventTracker's answer (its ARN and tracking ID)."""
    p = c.personalize
    created = p.create_event_tracker(name=name, datasetGroupArn=group_arn)
    wait(lambda: p.describe_event_tracker(eventTrackerArn=created["eventTrackerArn"])["eventTracker"])
    return created


def tracker_of(c: Clients, group_arn: str) -> str:
    """The tracking ID of a new ACTIVE event tracker of the group."""
    return make_tracker(c, group_arn)["trackingId"]


def current(item: str, i: int) -> dict[str, Any]:
    """The ``i``-th watch event, of ``item``."""
    return {"eventType": "watch", "itemId": item, "sentAt": SENT + i}


def watched(items: tuple[str, ...], count: int, offset: int = 0) -> list[dict[str, Any]]:
    """Watch events of the first ``count`` of ``items``, a second apart."""
    return [{"eventType": "watch", "itemId": items[i], "sentAt": SENT + offset + i} for i in range(count)]


def record_watches(c: Clients, tracking_id: str, item: str, watches: int, at: int, event_type: str = "watch") -> None:
    """PutEvents: ``watches`` of ``item`` from ``at`` on, a second apart, ten to a fan."""
    for fan in range(0, watches, 10):
        events = [{"eventType": event_type, "itemId": item, "sentAt": at + fan + k} for k in range(min(10, watches - fan))]
        c.events.put_events(trackingId=tracking_id, userId=f"{item}-fan-{fan}", sessionId=f"{item}-{fan}", eventList=events)
