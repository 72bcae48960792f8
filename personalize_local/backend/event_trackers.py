"""Event trackers and PutEvents: live interactions appended to the dataset group's Interactions dataset."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from ..data.csv_import import VALUE_LENGTH_LIMITS
from ..data.schemas import Field, Schema
from ..wire.errors import InvalidInputException, LimitExceededException, ResourceAlreadyExistsException
from .core import BackendCore, Resource, short_id
from .datasets import Dataset

KIND = "event-tracker"
MAX_TRACKERS_PER_GROUP = 1

# Interactions fields that PutEvents fills from the event's own members rather than its properties.
_FROM_EVENT = {
    "EVENT_TYPE": lambda event, user: event["eventType"],
    "TIMESTAMP": lambda event, user: int(event["sentAt"].timestamp()),
    "USER_ID": lambda event, user: user,
    "RECOMMENDATION_ID": lambda event, user: event.get("recommendationId"),
    "IMPRESSION": lambda event, user: "|".join(event["impression"]) if event.get("impression") else None,
    "EVENT_ATTRIBUTION_SOURCE": lambda event, user: (event.get("metricAttribution") or {}).get("eventAttributionSource"),
}
# Members that have moved out of ``properties`` over time: the member wins, the legacy property still counts.
_MEMBER_OR_PROPERTY = {"ITEM_ID": "itemId", "EVENT_VALUE": "eventValue"}
# Where an event carries a field, when that isn't the field's name in camel case (messages name it).
_MEMBER_PATHS = {"TIMESTAMP": "sentAt", "EVENT_ATTRIBUTION_SOURCE": "metricAttribution.eventAttributionSource"}
_CASTS = {"string": str, "int": int, "long": int, "float": float, "double": float, "boolean": bool}


@dataclass
class EventTracker(Resource):
    dataset_group_arn: str = ""
    tracking_id: str = ""
    account_id: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "eventTrackerArn": self.arn,
            "accountId": self.account_id,
            "trackingId": self.tracking_id,
            "datasetGroupArn": self.dataset_group_arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "eventTrackerArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


def camel_case(field_name: str) -> str:
    """NUM_RATINGS -> numRatings: how event properties name Interactions fields."""
    first, *rest = field_name.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def _cast(field: Field, value: Any, path: str) -> Any:
    if value is None or value == "":
        return None
    kind = field.types[0]
    try:
        if kind == "boolean" and isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise ValueError(value)
            return value.lower() == "true"
        return _CASTS[kind](value)
    except (TypeError, ValueError, KeyError):
        raise InvalidInputException(f"Value '{value}' at '{path}' is not a valid {kind} for field {field.name}.") from None


def event_record(schema: Schema, event: dict[str, Any], user: str, path: str) -> dict[str, Any]:
    """The Interactions row an event becomes, typed and checked by the dataset's schema."""
    try:
        properties = json.loads(event["properties"]) if event.get("properties") else {}
    except ValueError:
        raise InvalidInputException(f"Value at '{path}.properties' is not a JSON object.") from None
    if not isinstance(properties, dict):
        raise InvalidInputException(f"Value at '{path}.properties' is not a JSON object.")
    record: dict[str, Any] = {}
    for field in schema.fields:
        if field.name in _FROM_EVENT:
            value = _FROM_EVENT[field.name](event, user)
        elif field.name in _MEMBER_OR_PROPERTY:
            member = _MEMBER_OR_PROPERTY[field.name]
            value = event.get(member, properties.get(member))
        else:
            value = properties.get(camel_case(field.name))
        member_path = f"{path}.{_MEMBER_PATHS.get(field.name, camel_case(field.name))}"
        record[field.name] = _cast(field, value, member_path)
        limit = VALUE_LENGTH_LIMITS["INTERACTIONS"].get(field.name)
        if limit is not None and record[field.name] is not None and len(record[field.name]) > limit:
            raise InvalidInputException(f"Value at '{member_path}' is longer than {limit} characters.")
        if record[field.name] is None and not field.nullable:
            raise InvalidInputException(f"Value null at '{member_path}': field {field.name} of the Interactions schema is required.")
    return record


class EventTrackersMixin(BackendCore):
    def create_event_tracker(
        self, name: str, dataset_group_arn: str, tags: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        self.require_active("dataset-group", dataset_group_arn)
        if self.find(KIND, lambda t: t.name == name):
            raise ResourceAlreadyExistsException(f"An event tracker named {name} already exists.")
        if len(self.find(KIND, lambda t: t.dataset_group_arn == dataset_group_arn)) >= MAX_TRACKERS_PER_GROUP:
            raise LimitExceededException(f"The dataset group {dataset_group_arn} already has an event tracker.")
        tracker = EventTracker(
            arn=self.arn(KIND, short_id()),
            name=name,
            dataset_group_arn=dataset_group_arn,
            tracking_id=str(uuid.uuid4()),
            account_id=self.account_id,
        )
        self.add(KIND, tracker, tags)
        self.start(KIND, tracker)
        return {"eventTrackerArn": tracker.arn, "trackingId": tracker.tracking_id}

    def describe_event_tracker(self, event_tracker_arn: str) -> dict[str, Any]:
        return {"eventTracker": self.observe(KIND, event_tracker_arn).describe()}

    def list_event_trackers(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.list_page(KIND, "eventTrackers", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def delete_event_tracker(self, event_tracker_arn: str) -> None:
        tracker = self.require_settled(KIND, event_tracker_arn)
        self.start_delete(KIND, tracker)

    def interactions_dataset_for(self, tracker: EventTracker) -> Dataset:
        dataset = self.dataset_of(tracker.dataset_group_arn, "INTERACTIONS")
        if dataset is None or dataset.status != "ACTIVE":
            raise InvalidInputException(
                f"The dataset group {tracker.dataset_group_arn} of tracking ID {tracker.tracking_id} has no ACTIVE Interactions dataset."
            )
        return dataset

    # personalize-events ----------------------------------------------------
    def put_events(
        self, tracking_id: str, session_id: str, event_list: list[dict[str, Any]], user_id: str | None = None
    ) -> None:
        trackers = self.find(KIND, lambda t: t.tracking_id == tracking_id and t.status == "ACTIVE")
        if not trackers:
            raise InvalidInputException(f"Value '{tracking_id}' at 'trackingId': no ACTIVE event tracker has this tracking ID.")
        dataset = self.interactions_dataset_for(trackers[0])
        # Anonymous events belong to the session until a user ID arrives with it.
        user = user_id or session_id
        records = [
            (event_record(dataset.schema.parsed, event, user, f"eventList.{i + 1}.member"), event.get("eventId"))
            for i, event in enumerate(event_list)
        ]
        # Every event is checked before any is kept: a bad one keeps the whole call out.
        dataset.events.note_session(session_id, user_id)
        dataset.table.record([record for record, event_id in records if dataset.events.admit(record, event_id)])

