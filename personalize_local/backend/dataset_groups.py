"""Dataset groups: Create, Describe, List, Delete."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import InvalidInputException
from . import quotas
from .core import BackendCore, Resource
from .store import Store

KIND = "dataset-group"
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


class DatasetGroupsService:
    """The dataset groups of one account and region. The resources in a group (its datasets, solutions, event
    trackers, filters, recommenders and metric attribution) keep it from being deleted, as the service requires:
    their families say so (``BackendCore.depends``)."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateDatasetGroup", "DescribeDatasetGroup", "ListDatasetGroups", "DeleteDatasetGroup"
    )

    def __init__(self, core: BackendCore) -> None:
        self.core = core
        self.groups: Store[DatasetGroup] = Store(core, KIND)

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
        quotas.DATASET_GROUPS.check(self.groups.find())
        group = DatasetGroup(arn=self.groups.arn(name), name=name, role_arn=role_arn, kms_key_arn=kms_key_arn, domain=domain)
        self.groups.add(group, tags)
        self.groups.start(group)
        return {"datasetGroupArn": group.arn, "domain": domain}

    def describe_dataset_group(self, dataset_group_arn: str) -> dict[str, Any]:
        return {"datasetGroup": self.groups.observe(dataset_group_arn).describe()}

    def list_dataset_groups(self, next_token: str | None = None, max_results: int | None = None) -> dict[str, Any]:
        return self.groups.list_page("datasetGroups", next_token, max_results)

    def delete_dataset_group(self, dataset_group_arn: str) -> None:
        group = self.groups.require_settled(dataset_group_arn)
        self.core.refuse_delete_if_used(KIND, dataset_group_arn)
        self.groups.start_delete(group)
