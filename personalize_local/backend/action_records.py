"""personalize-events PutActions and PutActionInteractions: actions and action interactions, one by one.

PutActions adds to (or replaces records of) the Actions dataset it names; PutActionInteractions
appends to the Action interactions dataset whose own event tracker has the tracking ID. Every entry
is checked before any is kept, as PutEvents does; action interactions that repeat another (same time,
same properties) or reuse an eventId are kept once (recording-action-interaction-events.md).
"""
from __future__ import annotations

from typing import Any

from ..data.schemas import dataset_label
from ..wire.errors import InvalidInputException, ResourceInUseException, ResourceNotFoundException
from .core import BackendCore
from .datasets import KIND, Dataset
from .records import ACTION, ACTION_INTERACTION, build_record


class ActionRecordsMixin(BackendCore):
    def put_actions(self, dataset_arn: str, actions: list[dict[str, Any]]) -> None:
        dataset: Dataset = self.get(KIND, dataset_arn)
        if dataset.dataset_type != ACTION.dataset_type:
            raise InvalidInputException(
                f"Value '{dataset_arn}' at 'datasetArn' is the {dataset_label(dataset.dataset_type)} dataset of its group: "
                "PutActions adds to an Actions dataset."
            )
        _require_active(dataset)
        records = [
            build_record(ACTION, dataset.schema.parsed, action, None, f"actions.{i + 1}.member") for i, action in enumerate(actions)
        ]
        dataset.table.record(records)

    def put_action_interactions(self, tracking_id: str, action_interactions: list[dict[str, Any]]) -> None:
        found = self.find(KIND, lambda d: d.tracking_id == tracking_id)
        if not found:
            raise ResourceNotFoundException(
                f"Value '{tracking_id}' at 'trackingId': no Action interactions dataset has this tracking ID."
            )
        dataset: Dataset = found[0]
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
