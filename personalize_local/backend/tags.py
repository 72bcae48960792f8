"""TagResource, UntagResource, ListTagsForResource (personalize-managing-tags.md, tagging-resources.md)."""
from __future__ import annotations

from typing import Any, ClassVar

from ..errors import ResourceNotFoundException, TooManyTagKeysException, TooManyTagsException
from .core import MAX_TAGS, BackendCore, check_tags
from .lifecycle import GONE

# tagging-resources.md: the kinds of resource that take tags (schemas and recipes do not).
TAGGABLE = (
    "dataset-group",
    "dataset",
    "dataset-import-job",
    "dataset-export-job",
    "data-deletion-job",
    "solution",
    "solution-version",
    "campaign",
    "event-tracker",
    "filter",
    "recommender",
    "batch-inference-job",
    "batch-segment-job",
)


class TaggingService:
    """The tags of the resources of one account and region, kept in the core's tag table (``BackendCore.tags``)."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("TagResource", "UntagResource", "ListTagsForResource")

    def __init__(self, core: BackendCore) -> None:
        self.core = core

    def _taggable(self, resource_arn: str) -> str:
        for kind in TAGGABLE:
            found = self.core.table(kind).get(resource_arn)
            if found is not None and found.status != GONE:  # a resource whose delete has finished is gone
                return resource_arn
        raise ResourceNotFoundException.for_arn(resource_arn)

    def tag_resource(self, resource_arn: str, tags: list[dict[str, str]]) -> None:
        arn = self._taggable(resource_arn)
        merged = {tag["tagKey"]: tag for tag in self.core.tags.get(arn, [])}
        merged.update({tag["tagKey"]: tag for tag in check_tags(tags)})
        if len(merged) > MAX_TAGS:
            raise TooManyTagsException(f"The resource {arn} would have {len(merged)} tags; a resource can have at most {MAX_TAGS}.")
        self.core.tags[arn] = list(merged.values())

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        arn = self._taggable(resource_arn)
        if len(tag_keys) > MAX_TAGS:
            raise TooManyTagKeysException(f"Value at 'tagKeys' has {len(tag_keys)} keys; a resource has at most {MAX_TAGS}.")
        gone = set(tag_keys)
        self.core.tags[arn] = [tag for tag in self.core.tags.get(arn, []) if tag["tagKey"] not in gone]

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, Any]:
        return {"tags": list(self.core.tags.get(self._taggable(resource_arn), []))}
