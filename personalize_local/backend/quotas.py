"""The service's quotas (limits.md), enforced as LimitExceededException.

Adjustable quotas can be raised, as with the real service's quota increases, by
setting ``PERSONALIZE_LOCAL_QUOTA_<NAME>`` (e.g. ``PERSONALIZE_LOCAL_QUOTA_DATASET_GROUPS=20``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sized

from ..errors import LimitExceededException
from .environ import environ_value


@dataclass(frozen=True)
class Quota:
    name: str
    default: int
    counts: str

    @property
    def limit(self) -> int:
        value = environ_value(f"PERSONALIZE_LOCAL_QUOTA_{self.name}")
        return int(value) if value is not None else self.default

    def check(self, existing: Sized) -> None:
        """Refuse one more when ``existing`` already fills the quota."""
        if len(existing) >= self.limit:
            raise LimitExceededException(f"The quota of {self.limit} {self.counts} is reached.")

    def check_total(self, total: Sized) -> None:
        """Refuse what would make ``total`` go past the quota."""
        if len(total) > self.limit:
            raise LimitExceededException(f"The quota of {self.limit} {self.counts} would be exceeded: this makes {len(total)}.")


SCHEMAS = Quota("SCHEMAS", 500, "active schemas per region")
DATASET_GROUPS = Quota("DATASET_GROUPS", 5, "active dataset groups per region")
RUNNING_IMPORT_JOBS = Quota("RUNNING_IMPORT_JOBS", 5, "pending or in-progress dataset import jobs per region")
TRAINING_SOLUTION_VERSIONS = Quota("TRAINING_SOLUTION_VERSIONS", 20, "pending or in-progress solution versions per region")
RUNNING_BATCH_INFERENCE_JOBS = Quota("RUNNING_BATCH_INFERENCE_JOBS", 5, "pending or in-progress batch inference jobs per region")
RUNNING_BATCH_SEGMENT_JOBS = Quota("RUNNING_BATCH_SEGMENT_JOBS", 5, "pending or in-progress batch segment jobs per region")
SOLUTIONS_PER_GROUP = Quota("SOLUTIONS_PER_GROUP", 10, "active solutions per dataset group")
CAMPAIGNS_PER_GROUP = Quota("CAMPAIGNS_PER_GROUP", 5, "active campaigns per dataset group")
FILTERS_PER_GROUP = Quota("FILTERS_PER_GROUP", 10, "filters per dataset group")
FILTER_FIELDS_PER_GROUP = Quota("FILTER_FIELDS_PER_GROUP", 10, "distinct dataset fields across the filters of a dataset group")
# Not a count of resources: how many of a user's most recent interactions of each event type a filter reads.
FILTER_INTERACTIONS_PER_EVENT_TYPE = Quota(
    "FILTER_INTERACTIONS_PER_EVENT_TYPE", 100, "interactions per user per event type considered by a filter"
)
# limits.md: "Total number of recommenders" per dataset group; creating-recommenders.md: "at most 15 recommenders per region".
RECOMMENDERS_PER_GROUP = Quota("RECOMMENDERS_PER_GROUP", 5, "recommenders per dataset group")
RECOMMENDERS = Quota("RECOMMENDERS", 15, "recommenders per region")
# delete-records.md: "You can have up to 5 deletion jobs for a dataset group with a status of PENDING."
PENDING_DATA_DELETION_JOBS = Quota("PENDING_DATA_DELETION_JOBS", 5, "PENDING data deletion jobs per dataset group")
