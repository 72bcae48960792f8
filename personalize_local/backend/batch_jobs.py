"""What batch inference jobs and batch segment jobs share: their resource, its creation, S3 in and out, and answering lines.

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
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, TypeVar

from ..batch.lines import JsonLinesError, LineError, LineFormat, answer_lines, input_lines
from ..data.s3 import S3Folder, S3ReadError, S3WriteError, output_folder, read_prefix, split_location
from ..errors import InvalidInputException, ServiceError
from ..recipes.catalog import RecipeInfo
from .core import BackendCore, Resource
from .lifecycle import Apply, JobFailed
from .quotas import Quota
from .solutions import SolutionsService, SolutionVersion
from .store import Store

if TYPE_CHECKING:
    from .filters import FiltersService

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


@dataclass(kw_only=True)
class BatchJob(Resource):
    solution_version_arn: str
    filter_arn: str | None = None
    num_results: int = DEFAULT_NUM_RESULTS
    job_input: dict[str, Any]
    job_output: dict[str, Any]
    role_arn: str

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


J = TypeVar("J", bound=BatchJob)


@dataclass(frozen=True)
class JobKind(Generic[J]):
    """What sets batch inference jobs and batch segment jobs apart where one is created."""

    operation: str  # named when the solution version's recipe is refused
    job_class: type[J]
    quota: Quota
    filter_target: str  # what the job's filter must filter: ITEM_ID or USER_ID
    most_results: int  # numResults' bound
    refusal: Callable[[RecipeInfo], str | None]  # why the operation can't use a recipe, None where it can


@dataclass(frozen=True)
class JobRequest:
    """The members both Create operations take; the rest are each one's own (its job class's fields)."""

    name: str
    solution_version_arn: str
    job_input: dict[str, Any]
    job_output: dict[str, Any]
    role_arn: str
    filter_arn: str | None
    num_results: int | None
    tags: list[dict[str, str]] | None


@dataclass(frozen=True)
class Lines:
    """How a job answers: its input lines' format, one line's answer, and how many lines a file may hold."""

    form: LineFormat
    answer: Answer
    most_per_file: int | None = None


# (the ACTIVE version, its recipe, numResults, filterArn) -> how the job answers its lines; raises the service's
# error for what the operation's own members ask that the version can't give
Answering = Callable[[SolutionVersion, RecipeInfo, int, "str | None"], Lines]


@dataclass(frozen=True)
class Locations:
    """What a job reads, by the name of its output file, and where it writes: or why it can't (failureReason)."""

    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (output name, input location, body)
    folder: S3Folder | None = None
    failure: str | None = None


class BatchJobs:
    """What the batch inference and batch segment families share: a job's creation, its input and output, its lines answered."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, core: BackendCore, solutions: SolutionsService, filters: FiltersService) -> None:
        self.core = core
        self.solutions, self.filters = solutions, filters

    def create(self, of: JobKind[J], jobs: Store[J], request: JobRequest, answering: Answering, **fields: Any) -> J:
        """Check, create and start a job in ``jobs``, the store of the family's own, as both Create operations do;
        ``fields`` are the job class's own."""
        version = self.solutions.versions.require_active(request.solution_version_arn)
        recipe = version.recipe
        refusal = of.refusal(recipe)
        if refusal:
            raise InvalidInputException(
                f"The solution version {request.solution_version_arn} at 'solutionVersionArn' was trained with {recipe.name}, "
                f"a {recipe.category} recipe: {of.operation} can't use it; {refusal}."
            )
        wanted = check_num_results(request.num_results, of.most_results)
        lines = answering(version, recipe, wanted, request.filter_arn)
        if request.filter_arn:
            self.filters.usable_filter(request.filter_arn, version.dataset_group_arn, of.filter_target)
        of.quota.check(jobs.find(lambda j: j.busy))
        locations = self._locations(request.job_input, request.job_output)
        job = of.job_class(
            arn=jobs.arn(request.name),
            name=request.name,
            solution_version_arn=request.solution_version_arn,
            filter_arn=request.filter_arn,
            num_results=wanted,
            job_input=request.job_input,
            job_output=request.job_output,
            role_arn=request.role_arn,
            **fields,
        )
        jobs.add(job, request.tags)
        self._start(jobs, job, locations, lines)
        return job

    def _locations(self, job_input: dict[str, Any], job_output: dict[str, Any]) -> Locations:
        """Read the input and find the output folder now, inside the API call; refuse paths that aren't S3's."""
        source, destination = job_input["s3DataSource"]["path"], job_output["s3DataDestination"]["path"]
        for member, path in ((INPUT_MEMBER, source), (OUTPUT_MEMBER, destination)):
            # The model's pattern lets http(s):// through, but batch jobs read and write S3 only.
            if split_location(path) is None:
                raise InvalidInputException(f"Value '{path}' at '{member}' must be an S3 path: s3://bucket-name/folder-name/.")
        try:
            read = read_prefix(self.core.account_id, self.core.partition, source, outputs=OUTPUT_SUFFIX)
        except S3ReadError as error:
            return Locations(failure=f"Invalid S3 input path: {error}")
        failure = _too_much(source, read)
        if failure:
            return Locations(failure=failure)
        try:
            folder = output_folder(self.core.account_id, self.core.partition, destination)
        except S3WriteError as error:
            return Locations(failure=f"Invalid S3 output path: {error}")
        return Locations([(_output_name(source, location), location, body) for location, body in read], folder)

    def _start(self, jobs: Store[J], job: J, locations: Locations, lines: Lines) -> None:
        """Answer every line of every input file in a worker; the output files land with ACTIVE."""
        most_lines = lines.most_per_file

        def answer_locked(record: dict[str, Any]) -> dict[str, Any]:
            with self.core.lock:
                try:
                    return lines.answer(record)
                except ServiceError as error:  # a filter's values refused, the filter gone ...: this line's error
                    raise LineError(error.message) from None

        def work() -> Apply:
            if locations.failure:
                raise JobFailed(locations.failure)
            outputs = []
            for name, location, body in locations.files:
                try:
                    read = input_lines(location, body)
                except JsonLinesError as error:
                    raise JobFailed(f"Invalid S3 input path: {error}") from None
                if most_lines is not None and len(read) > most_lines:
                    raise JobFailed(
                        f"The input file {location} has {len(read)} queries; a file can have at most {most_lines} for this recipe."
                    )
                outputs.append((name, answer_lines(read, lines.form, answer_locked)))

            folder = locations.folder
            assert folder is not None, "Locations without a failure have their folder"

            def apply() -> None:
                for name, output in outputs:
                    try:
                        folder.put(name, output)
                    except S3WriteError as error:
                        raise JobFailed(f"Invalid S3 output path: {error}") from None

            return apply

        jobs.start(job, work)


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
    source_parts, location_parts = split_location(source), split_location(location)
    assert source_parts is not None and location_parts is not None, "both S3 paths, which the job has read"
    (_, prefix), (_, key) = source_parts, location_parts
    return key[prefix.rfind("/") + 1 :] + OUTPUT_SUFFIX


def _too_much(source: str, files: list[tuple[str, bytes]]) -> str | None:
    size = sum(len(body) for _, body in files)
    if len(files) > MAX_INPUT_FILES:
        return f"Invalid S3 input path: {source} holds {len(files)} files; a batch job reads at most {MAX_INPUT_FILES}."
    if size > MAX_INPUT_BYTES:
        return f"Invalid S3 input path: {source} holds {size} bytes; a batch job reads at most 1 GB."
    return None
