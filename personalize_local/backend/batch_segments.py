"""Batch segment jobs: CreateBatchSegmentJob, DescribeBatchSegmentJob, ListBatchSegmentJobs.

A USER_SEGMENTATION version gives each input line the users most likely to interact with the
line's item (Item-Affinity) or with items having the line's attributes (Item-Attribute-Affinity),
best first, from the data it was trained on (getting-user-segments.md). A UserID filter keeps
users out, and the segment still holds numResults users when enough pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, cast

from ..batch.attribute_query import parse_attributes
from ..batch.lines import LineError, LineFormat
from ..filters import Request
from ..recipes import ITEM_AFFINITY_ARN, ITEM_ATTRIBUTE_AFFINITY_ARN
from ..recipes.base import AttributeSegmenter, ItemSegmenter, UnknownSegmentInput
from ..recipes.catalog import RecipeInfo
from . import quotas
from .batch_jobs import BatchJob, BatchJobs, JobKind, JobRequest, Lines
from .core import BackendCore
from .solutions import SolutionVersion
from .store import Store

if TYPE_CHECKING:
    from .filters import FiltersService

KIND = "batch-segment-job"
# API_CreateBatchSegmentJob.md: "The maximum number of users per segment is 5 million."
MAX_SEGMENT_USERS = 5_000_000
# (model, record, number of users) -> (userId, score), best first
Segmenter = Callable[[Any, dict[str, Any], int], list[tuple[str, float]]]


@dataclass(frozen=True)
class SegmentLines:
    """A segmentation recipe's input lines, how many one file may hold (limits.md), and how they are answered."""

    form: LineFormat
    most_per_file: int
    segment: Segmenter


# batch-segment-job-output-examples.md: {"input": ..., "output": {"recommendedUsers": [...]}}, the
# attribute queries repeated at the top level instead.
SEGMENTS: dict[str, SegmentLines] = {
    ITEM_AFFINITY_ARN: SegmentLines(
        LineFormat(("itemId",), ("filterValues",), "recommendedUsers"),
        500,
        lambda model, record, n: model.segment(record["itemId"], n),
    ),
    ITEM_ATTRIBUTE_AFFINITY_ARN: SegmentLines(
        LineFormat(("itemAttributes",), ("filterValues",), "recommendedUsers", input_at_top=True),
        10,
        lambda model, record, n: model.segment_by_attributes(parse_attributes(record["itemAttributes"]), n),
    ),
}


@dataclass(kw_only=True)
class BatchSegmentJob(BatchJob):
    def describe(self) -> dict[str, Any]:
        return {**self.members(), "batchSegmentJobArn": self.arn}

    def summary(self) -> dict[str, Any]:
        return {"batchSegmentJobArn": self.arn, **self.summary_members()}


def _refusal(recipe: RecipeInfo) -> str | None:
    if recipe.category == "USER_SEGMENTATION":
        return None
    return "batch segment jobs take USER_SEGMENTATION versions; get its recommendations with CreateBatchInferenceJob"


JOBS = JobKind(
    "CreateBatchSegmentJob", BatchSegmentJob, quotas.RUNNING_BATCH_SEGMENT_JOBS, "USER_ID", MAX_SEGMENT_USERS, _refusal
)


class BatchSegmentsService:
    """The batch segment jobs of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateBatchSegmentJob", "DescribeBatchSegmentJob", "ListBatchSegmentJobs")

    def __init__(self, core: BackendCore, jobs: BatchJobs, filters: FiltersService) -> None:
        self.core = core
        self.jobs, self.filters = jobs, filters
        self.segment_jobs: Store[BatchSegmentJob] = Store(core, KIND)

    def create_batch_segment_job(
        self,
        job_name: str,
        solution_version_arn: str,
        job_input: dict[str, Any],
        job_output: dict[str, Any],
        role_arn: str,
        filter_arn: str | None = None,
        num_results: int | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        request = JobRequest(job_name, solution_version_arn, job_input, job_output, role_arn, filter_arn, num_results, tags)
        return {"batchSegmentJobArn": self.jobs.create(JOBS, self.segment_jobs, request, self._segment_lines).arn}

    def _segment_lines(self, version: SolutionVersion, recipe: RecipeInfo, wanted: int, filter_arn: str | None) -> Lines:
        lines = SEGMENTS[recipe.recipe_arn]
        answer = partial(self._segment, version, lines.segment, n=wanted, filter_arn=filter_arn)
        return Lines(lines.form, answer, lines.most_per_file)

    def _segment(
        self, version: SolutionVersion, segment: Segmenter, record: dict[str, Any], n: int, filter_arn: str | None
    ) -> dict[str, Any]:
        model = cast("ItemSegmenter | AttributeSegmenter", version.model)  # a USER_SEGMENTATION recipe's
        refused = self.filters.filtered_out(
            filter_arn, record.get("filterValues"), version.dataset_group_arn, Request(), model.user_ids, target="USER_ID"
        )
        try:
            # Enough users that n remain once the filter has taken its own out.
            users = segment(model, record, n + len(refused))
        except UnknownSegmentInput as error:
            raise LineError(str(error)) from None
        return {"recommendedUsers": [user for user, _ in users if user not in refused][:n]}

    def describe_batch_segment_job(self, batch_segment_job_arn: str) -> dict[str, Any]:
        return {"batchSegmentJob": self.segment_jobs.observe(batch_segment_job_arn).describe()}

    def list_batch_segment_jobs(
        self, solution_version_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.segment_jobs.list_page("batchSegmentJobs", next_token, max_results, solution_version_arn=solution_version_arn)
