"""personalize-events PutItems, PutUsers, PutActions and PutActionInteractions: records one by one.

PutItems, PutUsers and PutActions add to (or replace records of) the dataset they name, at once
(importing-items.md, importing-users.md); PutActionInteractions appends to the Action interactions
dataset whose own event tracker has the tracking ID. Every entry is checked before any is kept, as
PutEvents does; action interactions that repeat another (same time, same properties) or reuse an
eventId are kept once (recording-action-interaction-events.md).
"""
from __future__ import annotations

from typing import Any, ClassVar

from ..data.schemas import dataset_label
from ..errors import InvalidInputException, ResourceInUseException, ResourceNotFoundException
from .core import BackendCore
from .datasets import Dataset, DatasetsService
from .records import ACTION, ACTION_INTERACTION, ITEM, USER, RecordShape, build_record


class PutRecordsService:
    """Records one by one into the datasets of one account and region (personalize-events)."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("PutItems", "PutUsers", "PutActions", "PutActionInteractions")

    def __init__(self, core: BackendCore, datasets: DatasetsService) -> None:
        self.core, self.datasets = core, datasets

    def put_items(self, dataset_arn: str, items: list[dict[str, Any]]) -> None:
        self._put(dataset_arn, items, ITEM, "items", "PutItems")

    def put_users(self, dataset_arn: str, users: list[dict[str, Any]]) -> None:
        self._put(dataset_arn, users, USER, "users", "PutUsers")

    def put_actions(self, dataset_arn: str, actions: list[dict[str, Any]]) -> None:
        self._put(dataset_arn, actions, ACTION, "actions", "PutActions")

    def _put(self, dataset_arn: str, entries: list[dict[str, Any]], shape: RecordShape, member: str, operation: str) -> None:
        dataset = self.datasets.datasets.get(dataset_arn)
        if dataset.dataset_type != shape.dataset_type:
            raise InvalidInputException(
                f"Value '{dataset_arn}' at 'datasetArn' is the {dataset_label(dataset.dataset_type)} dataset of its group: "
                f"{operation} adds to {dataset_label(shape.dataset_type)} datasets."
            )
        _require_active(dataset)
        schema = dataset.schema.parsed
        dataset.table.record([build_record(shape, schema, entry, None, f"{member}.{i + 1}.member") for i, entry in enumerate(entries)])

    def put_action_interactions(self, tracking_id: str, action_interactions: list[dict[str, Any]]) -> None:
        found = self.datasets.datasets.find(lambda d: d.tracking_id == tracking_id)
        if not found:
            raise ResourceNotFoundException(
                f"Value '{tracking_id}' at 'trackingId': no Action interactions dataset has this tracking ID."
            )
        dataset = found[0]
        _require_active(dataset)
        schema = dataset.schema.parsed
        # Anonymous events belong to their session until a user ID arrives with it.
        records = [
            (
                build_record(ACTION_INTERACTION, schema, event, event.get("userId") or event["sessionId"], f"actionInteractions.{i + 1}.member"),
                event.get("eventId"),
            )
            for i, event in enumerate(action_interactions)
        ]
        for event in action_interactions:
            dataset.events.note_session(event["sessionId"], event.get("userId"))
        dataset.table.record([record for record, event_id in records if dataset.events.admit(record, event_id)])


def _require_active(dataset: Dataset) -> None:
    if dataset.status != "ACTIVE":
        raise ResourceInUseException(f"The dataset {dataset.arn} is {dataset.status}; it takes records once it is ACTIVE.")
