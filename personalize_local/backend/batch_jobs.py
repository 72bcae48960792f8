"""What batch inference jobs and batch segment jobs share: their resource, S3 in and out, and answering lines.

The output may go beside the input (the service's workshop writes ``s3://b/`` for ``s3://b/json_input.json``
and reads back ``json_input.json.out``); a job never reads output files as input, its own or an earlier
job's, so running it again over the same input path reads the same files.

The input is read from S3 during the create call and the output written to S3 as the job turns
ACTIVE, from the S3 folder found during that call: a worker never looks a moto backend up, which
takes moto's global lock, the lock moto's reset holds while it waits for our workers. The worker
answers the lines, each under the backend's lock, so a line sees the data as one API call would.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..batch.lines import JsonLinesError, LineError, LineFormat, answer_lines, input_lines
from ..data.s3 import S3Folder, S3ReadError, S3WriteError, output_folder, read_prefix, split_location
from ..errors import InvalidInputException, ServiceError
from ..recipes.catalog import RecipeInfo, get_recipe
from .core import Resource
from .filters import FiltersMixin
from .lifecycle import Apply, JobFailed
from .solutions import SolutionVersion

# creating-batch-inference-job.md and creating-batch-seg-job.md: "The default is 25".
DEFAULT_NUM_RESULTS = 25
# creating-batch-inference-job.md: "The output file's name will be of the format input-name.out".
OUTPUT_SUFFIX = ".out"
# limits.md: what one job reads at most.
MAX_INPUT_FILES = 1000
MAX_INPUT_BYTES = 1024**3
INPUT_MEMBER = "jobInput.s3DataSource.path"
OUTPUT_MEMBER = "jobOutput.s3DataDestination.path"
# (a line's record) -> its "output" member; LineError (or a service error) when the line can't be answered
Answer = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class BatchJob(Resource):
    solution_version_arn: str = ""
    filter_arn: str | None = None
    num_results: int = DEFAULT_NUM_RESULTS
    job_input: dict[str, Any] = field(default_factory=dict)
    job_output: dict[str, Any] = field(default_factory=dict)
    role_arn: str = ""

    def members(self) -> dict[str, Any]:
        """What DescribeBatchInferenceJob and DescribeBatchSegmentJob both show."""
        return {
            "jobName": self.name,
            "filterArn": self.filter_arn,
            "failureReason": self.failure_reason,
            "solutionVersionArn": self.solution_version_arn,
            "numResults": self.num_results,
            "jobInput": self.job_input,
            "jobOutput": self.job_output,
            "roleArn": self.role_arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }

    def summary_members(self) -> dict[str, Any]:
        return {
            "jobName": self.name,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
            "solutionVersionArn": self.solution_version_arn,
        }


@dataclass(frozen=True)
class Locations:
    """What a job reads, by the name of its output file, and where it writes: or why it can't (failureReason)."""

    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (output name, input location, body)
    folder: S3Folder | None = None
    failure: str | None = None


class BatchJobsMixin(FiltersMixin):
    def _batch_source(
        self, solution_version_arn: str, operation: str, refusals: Callable[[RecipeInfo], str | None]
    ) -> tuple[SolutionVersion, RecipeInfo]:
        """The ACTIVE version and its recipe, unless ``refusals`` says the operation can't use it and why."""
        version: SolutionVersion = self.require_active("solution-version", solution_version_arn)
        recipe = get_recipe(version.recipe_arn)
        refusal = refusals(recipe)
        if refusal:
            raise InvalidInputException(
                f"The solution version {solution_version_arn} at 'solutionVersionArn' was trained with {recipe.name}, "
                f"a {recipe.category} recipe: {operation} can't use it; {refusal}."
            )
        return version, recipe

    def _batch_filter(self, filter_arn: str | None, version: SolutionVersion, target: str) -> None:
        if filter_arn:
            self.usable_filter(filter_arn, version.dataset_group_arn, target)

    def _locations(self, job_input: dict[str, Any], job_output: dict[str, Any]) -> Locations:
        """Read the input and find the output folder now, inside the API call; refuse paths that aren't S3's."""
        source, destination = job_input["s3DataSource"]["path"], job_output["s3DataDestination"]["path"]
        for member, path in ((INPUT_MEMBER, source), (OUTPUT_MEMBER, destination)):
            # The model's pattern lets http(s):// through, but batch jobs read and write S3 only.
            if split_location(path) is None:
                raise InvalidInputException(f"Value '{path}' at '{member}' must be an S3 path: s3://bucket-name/folder-name/.")
        try:
            read = read_prefix(self.account_id, self.partition, source, outputs=OUTPUT_SUFFIX)
        except S3ReadError as error:
            return Locations(failure=f"Invalid S3 input path: {error}")
        failure = _too_much(source, read)
        if failure:
            return Locations(failure=failure)
        try:
            folder = output_folder(self.account_id, self.partition, destination)
        except S3WriteError as error:
            return Locations(failure=f"Invalid S3 output path: {error}")
        return Locations([(_output_name(source, location), location, body) for location, body in read], folder)

    def _start_batch(
        self, kind: str, job: BatchJob, locations: Locations, form: LineFormat, answer: Answer, most_lines: int | None = None
    ) -> None:
        """Answer every line of every input file in a worker; the output files land with ACTIVE."""

        def answer_locked(record: dict[str, Any]) -> dict[str, Any]:
            with self.lock:
                try:
                    return answer(record)
                except ServiceError as error:  # a filter's values refused, the filter gone ...: this line's error
                    raise LineError(error.message) from None

        def work() -> Apply:
            if locations.failure:
                raise JobFailed(locations.failure)
            outputs = []
            for name, location, body in locations.files:
                try:
                    lines = input_lines(location, body)
                except JsonLinesError as error:
                    raise JobFailed(f"Invalid S3 input path: {error}") from None
                if most_lines is not None and len(lines) > most_lines:
                    raise JobFailed(
                        f"The input file {location} has {len(lines)} queries; a file can have at most {most_lines} for this recipe."
                    )
                outputs.append((name, answer_lines(lines, form, answer_locked)))

            def apply() -> None:
                for name, output in outputs:
                    try:
                        locations.folder.put(name, output)
                    except S3WriteError as error:
                        raise JobFailed(f"Invalid S3 output path: {error}") from None

            return apply

        self.start(kind, job, work)


def check_num_results(num_results: int | None, most: int) -> int:
    """numResults as given (the default if not), within 1 and ``most``."""
    if num_results is None:
        return DEFAULT_NUM_RESULTS
    if not 1 <= num_results <= most:
        raise InvalidInputException(
            f"Value '{num_results}' at 'numResults' failed to satisfy constraint: Member must be between 1 and {most}."
        )
    return num_results


def _output_name(source: str, location: str) -> str:
    """An input file's output name: its key below the input path's folder, then .out (a folder's files keep their subfolders)."""
    _, prefix = split_location(source)
    _, key = split_location(location)
    return key[prefix.rfind("/") + 1 :] + OUTPUT_SUFFIX


def _too_much(source: str, files: list[tuple[str, bytes]]) -> str | None:
    size = sum(len(body) for _, body in files)
    if len(files) > MAX_INPUT_FILES:
        return f"Invalid S3 input path: {source} holds {len(files)} files; a batch job reads at most {MAX_INPUT_FILES}."
    if size > MAX_INPUT_BYTES:
        return f"Invalid S3 input path: {source} holds {size} bytes; a batch job reads at most 1 GB."
    return None
