"""UpdateDataset: replace an Items or Users dataset's schema (updating-dataset-schema.md).

The new schema keeps every field of the old one with the same types and attributes, and
any field it adds supports null. The replacement walks the create statuses in
latestDatasetUpdate; with its ACTIVE the dataset takes the schema, every row gets the new
fields empty, and solutions created before it keep training without them.
"""
from __future__ import annotations

from typing import Any, ClassVar

from ..data.schemas import Field, SchemaError, check_dataset_schema
from ..errors import InvalidInputException, ResourceInUseException
from .core import BackendCore, now
from .dataset_groups import DatasetGroupsService
from .datasets import DatasetsService, DatasetUpdate
from .schemas import SchemasService

# updating-dataset-schema.md: Interactions, Action interactions and Actions keep their schema.
REPLACEABLE = {"ITEMS", "USERS"}
# What a kept field may not change.
KEPT = ("types", "nullable", "categorical", "textual")


class DatasetUpdatesService:
    """UpdateDataset: the schema replacements of the datasets of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("UpdateDataset",)

    def __init__(
        self, core: BackendCore, datasets: DatasetsService, schemas: SchemasService, groups: DatasetGroupsService
    ) -> None:
        self.core, self.datasets, self.schemas, self.groups = core, datasets, schemas, groups

    def update_dataset(self, dataset_arn: str, schema_arn: str) -> dict[str, Any]:
        dataset = self.datasets.datasets.require_active(dataset_arn)
        if dataset.dataset_type not in REPLACEABLE:
            raise InvalidInputException(
                f"The dataset {dataset_arn} is a {dataset.dataset_type} dataset: only Items and Users datasets can replace their schema."
            )
        busy = dataset.latest_update is not None and dataset.latest_update.busy
        if busy or self.datasets.import_jobs.find(lambda j: j.dataset_arn == dataset_arn and j.busy):
            raise ResourceInUseException(f"The dataset {dataset_arn} is being updated or imported into: replace its schema after that.")
        schema = self.schemas.schemas.get(schema_arn)
        group = self.groups.groups.get(dataset.dataset_group_arn)
        if schema.domain != group.domain:
            raise InvalidInputException(f"The schema {schema_arn} is for domain {schema.domain or 'none (custom)'}, not the dataset group's.")
        try:
            check_dataset_schema(schema.parsed, dataset.dataset_type, group.domain)
            added = _added_fields(dataset.schema.parsed.fields, schema.parsed)
        except SchemaError as error:
            raise InvalidInputException(f"The schema {schema_arn} can't replace the schema of {dataset_arn}: {error}") from None
        update = DatasetUpdate(arn=dataset.arn, name=dataset.name, schema=schema)

        def apply() -> None:
            dataset.schema = schema
            dataset.table.add_columns(added)
            moment = now()
            dataset.columns_added.update(dict.fromkeys(added, moment))
            dataset.last_updated_date_time = moment

        self.datasets.start_update(dataset, update, apply)
        return {"datasetArn": dataset.arn}


def _added_fields(old: tuple[Field, ...], new: Any) -> list[str]:
    """The new schema's fields beyond the old; SchemaError if it drops or changes one, or adds one without null."""
    for field in old:
        kept = new.field(field.name)
        if kept is None:
            raise SchemaError(f"it drops the field {field.name}; a replacement keeps every field of the previous schema.")
        changed = [attribute for attribute in KEPT if getattr(kept, attribute) != getattr(field, attribute)]
        if changed:
            raise SchemaError(f"it changes the {', '.join(changed)} of the field {field.name}, which must stay as they were.")
    names = {field.name for field in old}
    added = [field for field in new.fields if field.name not in names]
    for field in added:
        if not field.nullable:
            raise SchemaError(f"its new field {field.name} must support null: declare its type with \"null\".")
    return [field.name for field in added]
