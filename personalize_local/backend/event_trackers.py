"""Event trackers and PutEvents: live interactions appended to the dataset group's Interactions dataset."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from ..data.attribution import RECOMMENDATION_ID, SOURCE
from ..data.impressions import fitting
from ..errors import InvalidInputException, LimitExceededException, ResourceAlreadyExistsException
from .core import BackendCore, Resource, short_id
from .lifecycle import DELETE
from .records import EVENT, build_record
from .store import Store

if TYPE_CHECKING:
    from .dataset_groups import DatasetGroupsService
    from .datasets import Dataset, DatasetsService
    from .metric_attributions import MetricAttributionsService

KIND = "event-tracker"
MAX_TRACKERS_PER_GROUP = 1


@dataclass(kw_only=True)
class EventTracker(Resource):
    dataset_group_arn: str
    tracking_id: str
    account_id: str

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


class EventTrackersService:
    """The event trackers of one account and region, and PutEvents, which records through them."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateEventTracker", "DescribeEventTracker", "ListEventTrackers", "DeleteEventTracker", "PutEvents"
    )

    def __init__(
        self,
        core: BackendCore,
        groups: DatasetGroupsService,
        datasets: DatasetsService,
        attributions: MetricAttributionsService,
    ) -> None:
        self.core = core
        self.groups, self.datasets, self.attributions = groups, datasets, attributions
        datasets.tracking_id_of = self._tracking_id_of
        self.trackers: Store[EventTracker] = Store(core, KIND)
        core.depends("dataset-group", "event tracker", lambda arn: self.trackers.find(lambda t: t.dataset_group_arn == arn))

    def create_event_tracker(
        self, name: str, dataset_group_arn: str, tags: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        self.groups.groups.require_active(dataset_group_arn)
        if self.trackers.find(lambda t: t.name == name):
            raise ResourceAlreadyExistsException(f"An event tracker named {name} already exists.")
        if len(self.trackers.find(lambda t: t.dataset_group_arn == dataset_group_arn)) >= MAX_TRACKERS_PER_GROUP:
            raise LimitExceededException(f"The dataset group {dataset_group_arn} already has an event tracker.")
        tracker = EventTracker(
            arn=self.trackers.arn(short_id()),
            name=name,
            dataset_group_arn=dataset_group_arn,
            tracking_id=str(uuid.uuid4()),
            account_id=self.core.account_id,
        )
        self.trackers.add(tracker, tags)
        self.trackers.start(tracker)
        return {"eventTrackerArn": tracker.arn, "trackingId": tracker.tracking_id}

    def describe_event_tracker(self, event_tracker_arn: str) -> dict[str, Any]:
        return {"eventTracker": self.trackers.observe(event_tracker_arn).describe()}

    def list_event_trackers(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.trackers.list_page("eventTrackers", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def delete_event_tracker(self, event_tracker_arn: str) -> None:
        tracker = self.trackers.require_settled(event_tracker_arn)
        self.trackers.start_delete(tracker)

    def interactions_dataset_for(self, tracker: EventTracker) -> Dataset:
        dataset = self.datasets.dataset_of(tracker.dataset_group_arn, "INTERACTIONS")
        if dataset is None or dataset.status != "ACTIVE":
            raise InvalidInputException(
                f"The dataset group {tracker.dataset_group_arn} of tracking ID {tracker.tracking_id} has no ACTIVE Interactions dataset."
            )
        return dataset

    def _tracking_id_of(self, dataset_group_arn: str) -> str | None:
        """The tracking ID of the group's event tracker, if it has one (one being deleted no longer tracks)."""
        found = self.trackers.find(lambda t: t.dataset_group_arn == dataset_group_arn and t.status not in DELETE)
        return found[0].tracking_id if found else None

    def _active_tracker(self, tracking_id: str) -> EventTracker:
        """The ACTIVE tracker with this tracking ID: a plain loop, as every PutEvents looks for it."""
        for tracker in self.trackers.table.values():
            if tracker.tracking_id == tracking_id and tracker.status == "ACTIVE":
                return tracker
        raise InvalidInputException(f"Value '{tracking_id}' at 'trackingId': no ACTIVE event tracker has this tracking ID.")

    # personalize-events ----------------------------------------------------
    def put_events(
        self, tracking_id: str, session_id: str, event_list: list[dict[str, Any]], user_id: str | None = None
    ) -> None:
        dataset = self.interactions_dataset_for(self._active_tracker(tracking_id))
        # Anonymous events belong to the session until a user ID arrives with it.
        user = user_id or session_id
        schema = dataset.schema.parsed
        impressions = dataset.events.impressions
        shown: list[Sequence[str]] = []
        records: list[dict[str, Any]] = []
        for i, event in enumerate(event_list):
            # What the event's user was shown: its explicit impression list, else what its recommendationId answered.
            explicit = event.get("impression")
            answered = None if explicit else event.get("recommendationId")
            items = explicit or (impressions.answered(answered) if answered else ())
            entry = event if explicit else {**event, "impression": fitting(items) if items else []}
            records.append(build_record(EVENT, schema, entry, user, f"eventList.{i + 1}.member"))
            shown.append(items)
        group_arn = dataset.dataset_group_arn
        # What the group's metric attribution reports on, if it has one: the event's own source and recommendation.
        reporting = self.attributions.reporting_attribution(group_arn) is not None
        sources = [(event.get("metricAttribution") or {}).get("eventAttributionSource") for event in event_list] if reporting else []
        if reporting:
            self.attributions.check_event_sources(group_arn, sources, lambda i: f"eventList.{i + 1}.member.metricAttribution.eventAttributionSource")
        # Every event is checked before any is kept: a bad one keeps the whole call out.
        events = dataset.events
        events.note_session(session_id, user_id)
        kept = [i for i, (record, event) in enumerate(zip(records, event_list)) if events.admit(record, event.get("eventId"))]
        dataset.table.record([records[i] for i in kept])
        for i in kept:
            if shown[i]:
                impressions.record(user, shown[i])
        if reporting:  # whatever the schema keeps
            self.attributions.report_events(
                group_arn,
                [{**records[i], SOURCE: sources[i], RECOMMENDATION_ID: event_list[i].get("recommendationId")} for i in kept],
            )
