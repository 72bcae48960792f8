"""metadataColumns: Items columns returned with each recommended item (campaigns.md, creating-recommenders.md).

Only a campaign or recommender created (or updated) with enableMetadataWithRecommendations returns
them; the columns are the Items dataset's, at most 10, read from its current records, so values put
with PutItems show at once. An item without a record, or a column it leaves empty, comes back "".
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence

from ..errors import InvalidInputException
from ..filters.records import records_of

if TYPE_CHECKING:
    from .datasets import DatasetsService

# API_RS_GetRecommendations.md: "The map key is ITEMS ... The maximum number of columns you can provide is 10."
MAP_KEY = "ITEMS"
MAX_COLUMNS = 10


class AnswerMetadata:
    """metadataColumns of the answers campaigns and recommenders give, read from their group's Items dataset."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, datasets: DatasetsService) -> None:
        self.datasets = datasets

    def with_metadata(
        self,
        items: list[dict[str, Any]],
        metadata_columns: Mapping[str, Sequence[str]] | None,
        enabled: bool,
        dataset_group_arn: str,
        source_arn: str,
    ) -> list[dict[str, Any]]:
        """``items`` (answer entries with an itemId), each with the asked ``metadata``; refusals name the member."""
        if not metadata_columns:
            return items
        if not enabled:
            raise InvalidInputException(
                f"Value at 'metadataColumns': {source_arn} was not created with enableMetadataWithRecommendations."
            )
        unknown = set(metadata_columns) - {MAP_KEY}
        if unknown:
            raise InvalidInputException(f"Value at 'metadataColumns' has the key {sorted(unknown)[0]}: the only key is {MAP_KEY}.")
        columns = list(dict.fromkeys(metadata_columns[MAP_KEY]))
        if len(columns) > MAX_COLUMNS:
            raise InvalidInputException(f"Value at 'metadataColumns.{MAP_KEY}' names {len(columns)} columns; at most {MAX_COLUMNS}.")
        dataset = self.datasets.dataset_of(dataset_group_arn, "ITEMS")
        if dataset is None:
            raise InvalidInputException(f"Value at 'metadataColumns': the dataset group {dataset_group_arn} has no Items dataset.")
        missing = [c for c in columns if dataset.schema.parsed.field(c) is None]
        if missing:
            raise InvalidInputException(
                f"Value '{missing[0]}' at 'metadataColumns.{MAP_KEY}' is not a column of the Items dataset ({', '.join(dataset.schema.parsed.names)})."
            )
        records = records_of(dataset.table)
        return [{**item, "metadata": {c: records.raw_value(item["itemId"], c) for c in columns}} for item in items]
