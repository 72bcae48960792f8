"""Dataset groups: Create, Describe, List, Delete."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputException
from . import quotas
from .core import BackendCore, Resource

KIND = "dataset-group"
# Resources that keep a dataset group from being deleted, as the service requires.
DEPENDENTS = (
    ("dataset", "dataset"),
    ("solution", "solution"),
    ("event-tracker", "event tracker"),
    ("filter", "filter"),
    ("recommender", "recommender"),
    ("metric-attribution", "metric attribution"),
)
# API_CreateDatasetGroup.md: a KMS key and its IAM role come together: (member given, member it needs, why).
PAIRED_MEMBERS = (
    ("kmsKeyArn", "roleArn", "a KMS key needs an IAM role with permission to access it"),
    ("roleArn", "kmsKeyArn", "an IAM role is only valid with a KMS key"),
)


@dataclass(kw_only=True)
class DatasetGroup(Resource):
    role_arn: str | None = None
    kms_key_arn: str | None = None
    domain: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "roleArn": self.role_arn,
            "kmsKeyArn": self.kms_key_arn,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "datasetGroupArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
            "domain": self.domain,
        }


class DatasetGroupsMixin(BackendCore):
    def create_dataset_group(
        self,
        name: str,
        role_arn: str | None = None,
        kms_key_arn: str | None = None,
        domain: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        given = {"kmsKeyArn": kms_key_arn, "roleArn": role_arn}
        for member, needed, why in PAIRED_MEMBERS:
            if given[member] and not given[needed]:
                raise InvalidInputException(f"Value null at '{needed}': {why}.")
        quotas.DATASET_GROUPS.check(self.find(KIND))
        group = DatasetGroup(arn=self.arn(KIND, name), name=name, role_arn=role_arn, kms_key_arn=kms_key_arn, domain=domain)
        self.add(KIND, group, tags)
        self.start(KIND, group)
        return {"datasetGroupArn": group.arn, "domain": domain}

    def describe_dataset_group(self, dataset_group_arn: str) -> dict[str, Any]:
        return {"datasetGroup": self.observe(KIND, dataset_group_arn).describe()}

    def list_dataset_groups(self, next_token: str | None = None, max_results: int | None = None) -> dict[str, Any]:
        return self.list_page(KIND, "datasetGroups", next_token, max_results)

    def delete_dataset_group(self, dataset_group_arn: str) -> None:
        group = self.require_settled(KIND, dataset_group_arn)
        for kind, what in DEPENDENTS:
            self.refuse_if_used(dataset_group_arn, self.find(kind, lambda r: r.dataset_group_arn == dataset_group_arn), what)
        self.start_delete(KIND, group)
