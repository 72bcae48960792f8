"""Batch inference jobs: CreateBatchInferenceJob, DescribeBatchInferenceJob, ListBatchInferenceJobs.

Each input line is answered as GetRecommendations or GetPersonalizedRanking answers a campaign of
the same version with the same exploration: the same code, the same data (getting-batch-recommendations.md:
events recorded since training count for User-Personalization and Personalized-Ranking, as in real time).
Output lines follow batch-inference-job-output-examples.md. In THEME_GENERATION mode a Similar-Items
job adds each line's theme and the items' relevance to it (themed-batch-recommendations.md); the theme
is extractive, not generated: see batch/themes.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

from ..batch.lines import LineError, LineFormat
from ..batch.themes import ThemeIndex
from ..errors import InvalidInputException
from ..recipes.base import Exploration
from ..recipes.catalog import RecipeInfo
from . import quotas
from .batch_jobs import BatchJob, BatchJobs, JobKind, JobRequest, Lines
from .campaigns import check_version_exploration, exploration_of, filled_exploration
from .core import BackendCore
from .ranking import MAX_INPUT_ITEMS
from .ranking_influence import check_ranking_influence
from .recommendations import MAX_NUM_RESULTS, shows_scores
from .solutions import SolutionVersion
from .store import Store

if TYPE_CHECKING:
    from .datasets import DatasetsService
    from .ranking import RankingService
    from .recommendations import RecommendationsService

KIND = "batch-inference-job"
SIMILAR_ITEMS = "aws-similar-items"
# CreateBatchInferenceJob: "You can't get batch recommendations with the Trending-Now or Next-Best-Action
# recipes"; segments have their own job. By recipe name or category: what to use instead.
NOT_BATCHED = {
    "aws-trending-now": "get trending items with GetRecommendations from a campaign",
    "PERSONALIZED_ACTIONS": "get action recommendations with GetActionRecommendations from a campaign",
    "USER_SEGMENTATION": "get its user segments with CreateBatchSegmentJob",
}
CONFIG_MEMBER = "batchInferenceJobConfig"
THEME_GENERATION = "THEME_GENERATION"
THEME_MEMBER = "themeGenerationConfig.fieldsForThemeGeneration.itemName"
# themed-batch-recommendations.md: "Your input file can have up to 100 items."
MAX_THEMED_LINES = 100


@dataclass(frozen=True)
class BatchServing:
    """What answers a batch inference job's lines, as a campaign would answer requests."""

    solution_version: SolutionVersion
    recipe: RecipeInfo
    exploration: Exploration
    ranking_influence: dict[str, float]


@dataclass(kw_only=True)
class BatchInferenceJob(BatchJob):
    batch_inference_job_config: dict[str, Any] | None = None
    batch_inference_job_mode: str = "BATCH_INFERENCE"
    theme_generation_config: dict[str, Any] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            **self.members(),
            "batchInferenceJobArn": self.arn,
            "batchInferenceJobConfig": self.batch_inference_job_config,
            "batchInferenceJobMode": self.batch_inference_job_mode,
            "themeGenerationConfig": self.theme_generation_config,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "batchInferenceJobArn": self.arn,
            **self.summary_members(),
            "batchInferenceJobMode": self.batch_inference_job_mode,
        }


# (the batch inference service, serving, record, numResults, filterArn) -> the line's "output"
LineAnswer = Callable[["BatchInferenceService", BatchServing, dict[str, Any], int, "str | None"], dict[str, Any]]


def _recommended(
    service: BatchInferenceService, serving: BatchServing, record: dict[str, Any], n: int, filter_arn: str | None
) -> dict[str, Any]:
    user, item, values = record.get("userId"), record.get("itemId"), record.get("filterValues")
    ranked = service.recommendations.recommend_items(serving, serving.recipe, user, item, n, filter_arn, values)
    return _output(serving, ranked)


def _ranked(
    service: BatchInferenceService, serving: BatchServing, record: dict[str, Any], n: int, filter_arn: str | None
) -> dict[str, Any]:
    candidates = record["itemList"]
    if len(candidates) > MAX_INPUT_ITEMS:
        raise LineError(f"itemList has {len(candidates)} items; at most {MAX_INPUT_ITEMS} can be ranked.")
    ranked = service.ranking.rank_items(serving, record["userId"], candidates, filter_arn, record.get("filterValues"))
    return _output(serving, ranked[:n])


def _themed(themes: ThemeIndex, output: dict[str, Any]) -> dict[str, Any]:
    """themed-batch-recommendations.md: the similar items ranked by their relevance to the theme, with it."""
    theme = themes.theme(output["recommendedItems"])
    return {
        "recommendedItems": [item for item, _ in theme.ranked],
        "theme": theme.text,
        "itemsThemeRelevanceScores": [score for _, score in theme.ranked],
    }


def _output(serving: BatchServing, ranked: Sequence[tuple[str, float | None]]) -> dict[str, Any]:
    # recommendations-batch.md: scores only from the recipes that show them (not popularity, not related items).
    output: dict[str, Any] = {"recommendedItems": [item for item, _ in ranked]}
    if shows_scores(serving.solution_version):
        output["scores"] = [score for _, score in ranked]
    return output


# batch-data-upload.md: each category's input lines, and how they are answered.
LINES: dict[str, tuple[LineFormat, LineAnswer]] = {
    "USER_PERSONALIZATION": (LineFormat(("userId",), ("filterValues",), "recommendedItems"), _recommended),
    # The same list for everybody: a userId matters only to a filter that reads the user.
    "POPULAR_ITEMS": (LineFormat((), ("userId", "filterValues"), "recommendedItems"), _recommended),
    "RELATED_ITEMS": (LineFormat(("itemId",), ("userId", "filterValues"), "recommendedItems"), _recommended),
    "PERSONALIZED_RANKING": (LineFormat(("userId", "itemList"), ("filterValues",), "recommendedItems"), _ranked),
}


def _refusal(recipe: RecipeInfo) -> str | None:
    return NOT_BATCHED.get(recipe.name) or NOT_BATCHED.get(recipe.category)


JOBS = JobKind(
    "CreateBatchInferenceJob", BatchInferenceJob, quotas.RUNNING_BATCH_INFERENCE_JOBS, "ITEM_ID", MAX_NUM_RESULTS, _refusal
)


class BatchInferenceService:
    """The batch inference jobs of one account and region: each line answered as a campaign would answer it."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateBatchInferenceJob", "DescribeBatchInferenceJob", "ListBatchInferenceJobs")

    def __init__(
        self,
        core: BackendCore,
        jobs: BatchJobs,
        ranking: RankingService,
        recommendations: RecommendationsService,
        datasets: DatasetsService,
    ) -> None:
        self.core = core
        self.jobs, self.ranking, self.recommendations, self.datasets = jobs, ranking, recommendations, datasets
        self.inference_jobs: Store[BatchInferenceJob] = Store(core, KIND)

    def create_batch_inference_job(
        self,
        job_name: str,
        solution_version_arn: str,
        job_input: dict[str, Any],
        job_output: dict[str, Any],
        role_arn: str,
        filter_arn: str | None = None,
        num_results: int | None = None,
        batch_inference_job_config: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        batch_inference_job_mode: str | None = None,
        theme_generation_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        mode = batch_inference_job_mode or "BATCH_INFERENCE"
        request = JobRequest(job_name, solution_version_arn, job_input, job_output, role_arn, filter_arn, num_results, tags)
        answering = partial(self._inference_lines, batch_inference_job_config or {}, mode, theme_generation_config)
        job = self.jobs.create(
            JOBS,
            self.inference_jobs,
            request,
            answering,
            batch_inference_job_config=batch_inference_job_config,
            batch_inference_job_mode=mode,
            theme_generation_config=theme_generation_config,
        )
        return {"batchInferenceJobArn": job.arn}

    def _inference_lines(
        self,
        config: dict[str, Any],
        mode: str,
        theme: dict[str, Any] | None,
        version: SolutionVersion,
        recipe: RecipeInfo,
        wanted: int,
        filter_arn: str | None,
    ) -> Lines:
        """How the job answers each line, as a campaign of ``version`` with the job's config would answer."""
        themes = self._themes(version, recipe, mode, theme)
        exploration = config.get("itemExplorationConfig")
        check_version_exploration(version, exploration, f"{CONFIG_MEMBER}.itemExplorationConfig")
        influence = config.get("rankingInfluence") or {}
        check_ranking_influence(version, influence, f"{CONFIG_MEMBER}.rankingInfluence")
        serving = BatchServing(version, recipe, exploration_of(filled_exploration(version, exploration)), influence)
        form, answer = LINES[recipe.category]

        def answered(record: dict[str, Any]) -> dict[str, Any]:
            output = answer(self, serving, record, wanted, filter_arn)
            return output if themes is None else _themed(themes, output)

        return Lines(form, answered, None if themes is None else MAX_THEMED_LINES)

    def _themes(self, version: SolutionVersion, recipe: RecipeInfo, mode: str, theme: dict[str, Any] | None) -> ThemeIndex | None:
        """The catalog's theme index for THEME_GENERATION, None for BATCH_INFERENCE.

        themed-batch-recommendations.md: themes need Similar-Items, and an Items dataset with a textual
        field and the string column naming each item."""
        if mode != THEME_GENERATION:
            if theme is not None:
                raise InvalidInputException(f"Value at 'themeGenerationConfig' applies only to batchInferenceJobMode {THEME_GENERATION}.")
            return None
        if recipe.name != SIMILAR_ITEMS:
            raise InvalidInputException(
                f"Value '{THEME_GENERATION}' at 'batchInferenceJobMode' needs a solution version of {SIMILAR_ITEMS}, "
                f"not {recipe.name}."
            )
        if theme is None:
            raise InvalidInputException(f"Value null at 'themeGenerationConfig': {THEME_GENERATION} needs the item name column.")
        column = theme["fieldsForThemeGeneration"]["itemName"]
        items = self.datasets.dataset_of(version.dataset_group_arn, "ITEMS")
        field = items.schema.parsed.field(column) if items is not None else None
        if items is None or field is None or not field.is_string:
            raise InvalidInputException(
                f"Value '{column}' at '{THEME_MEMBER}' must name a string column of the dataset group's Items dataset."
            )
        fields = items.schema.parsed.fields
        if not any(f.textual for f in fields):
            raise InvalidInputException(
                f"{THEME_GENERATION} needs a textual field (such as DESCRIPTION) in the Items dataset of {version.dataset_group_arn}."
            )
        categorical = [f.name for f in fields if f.categorical and f.name != column]
        return ThemeIndex.from_items(items.table.frame(), column, categorical)

    def describe_batch_inference_job(self, batch_inference_job_arn: str) -> dict[str, Any]:
        return {"batchInferenceJob": self.inference_jobs.observe(batch_inference_job_arn).describe()}

    def list_batch_inference_jobs(
        self, solution_version_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.inference_jobs.list_page("batchInferenceJobs", next_token, max_results, solution_version_arn=solution_version_arn)
