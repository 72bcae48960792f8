"""Campaigns: deploy a solution version; Create, Describe, List, Update, Delete.

campaigns.md (automatic campaign updates): a campaign created or updated with ``SolutionArn/$LATEST``
as its solutionVersionArn deploys the solution's newest ACTIVE version; with
``campaignConfig.syncWithLatestSolutionVersion`` it then follows each newer one, trained by hand or
automatically, through an update of its own (``latestCampaignUpdate``), as UpdateCampaign makes.
The campaign shows the version it serves. It moves on when it is next read (described, listed,
asked for recommendations): nothing can see it before then.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, ClassVar

from ..errors import InvalidInputException, ResourceInUseException
from ..recipes.base import Exploration
from . import quotas
from .core import BackendCore, Resource, newest_first, now
from .ranking_influence import check_ranking_influence
from .solutions import Solution, SolutionsService, SolutionVersion
from .store import Store, Watched

KIND = "campaign"
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"
# itemExplorationConfig keys: (default, accepted values, their description).
ExplorationKeys = dict[str, tuple[str, Callable[[float], bool], str]]
# Per the User-Personalization recipe.
EXPLORATION: ExplorationKeys = {
    "explorationWeight": ("0.3", lambda x: 0.0 <= x <= 1.0, "a number from 0 to 1"),
    "explorationItemAgeCutOff": ("30", lambda x: x > 0.0, "a positive, finite number of days"),
}
DEFAULT_TPS = 1
# API_CreateCampaign.md: "specify the ARN of your solution in SolutionArn/$LATEST format".
LATEST = "/$LATEST"
SYNC = "syncWithLatestSolutionVersion"
# Recipe categories whose solution versions no campaign serves, and what serves them instead
# (user-segmentation-recipes.md: segments come from batch segment jobs).
NOT_DEPLOYABLE = {"USER_SEGMENTATION": "get its user segments with CreateBatchSegmentJob"}


@dataclass(frozen=True)
class Deployment:
    """What a campaign serves: a solution version, its throughput floor and its config."""

    solution_version: SolutionVersion
    min_provisioned_tps: int
    # The campaignConfig as the user gave it, without defaults: an update carries it over to
    # a version of another recipe, where User-Personalization's defaults would not fit.
    campaign_config: dict[str, Any]
    # Whether the version was asked for as SolutionArn/$LATEST: the newest ACTIVE one of its solution.
    latest: bool = False

    @property
    def syncs(self) -> bool:
        """Whether the campaign follows each newer ACTIVE version of the solution."""
        return self.latest and bool(self.campaign_config.get(SYNC))

    @property
    def exploration(self) -> dict[str, str]:
        return filled_exploration(self.solution_version, self.campaign_config.get("itemExplorationConfig"))

    def members(self) -> dict[str, Any]:
        exploration = self.exploration
        config = {**self.campaign_config, **({"itemExplorationConfig": exploration} if exploration else {})}
        return {
            "solutionVersionArn": self.solution_version.arn,
            "minProvisionedTPS": self.min_provisioned_tps,
            "campaignConfig": config or None,
        }


@dataclass(kw_only=True)
class CampaignUpdate(Resource):
    """latestCampaignUpdate: a deployment waiting to replace the one the campaign serves."""

    deployment: Deployment

    def summary(self) -> dict[str, Any]:
        return {
            **self.deployment.members(),
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


@dataclass(frozen=True)
class ServedCampaign:
    """A campaign as one request sees it. The deployment is read once, so an update that lands
    mid-request can't mix two versions in one answer: it is wholly the old one's or the new one's."""

    arn: str
    deployment: Deployment

    @property
    def solution_version(self) -> SolutionVersion:
        return self.deployment.solution_version

    @property
    def exploration(self) -> Exploration:
        """The exploration this campaign serves with."""
        return exploration_of(self.deployment.exploration)

    @property
    def metadata_enabled(self) -> bool:
        """campaignConfig.enableMetadataWithRecommendations: whether answers may carry metadataColumns."""
        return bool(self.deployment.campaign_config.get("enableMetadataWithRecommendations"))

    @property
    def ranking_influence(self) -> dict[str, float]:
        """campaignConfig.rankingInfluence: how much popularity and freshness weigh in its answers."""
        return self.deployment.campaign_config.get("rankingInfluence") or {}


@dataclass(kw_only=True)
class Campaign(Resource):
    deployment: Deployment
    latest_update: CampaignUpdate | None = None

    @property
    def serving(self) -> Deployment:
        """The deployment answering requests: the latest update's once it is ACTIVE (its walk applies it)."""
        return self.deployment

    def answering(self) -> "ServedCampaign":
        """What one request is answered from: the deployment, read once."""
        return ServedCampaign(self.arn, self.serving)

    @property
    def solution_version(self) -> SolutionVersion:
        return self.serving.solution_version

    @property
    def solution_version_arn(self) -> str:
        return self.solution_version.arn

    @property
    def solution_arn(self) -> str:
        return self.solution_version.solution_arn

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "campaignArn": self.arn,
            **self.serving.members(),
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "latestCampaignUpdate": self.latest_update.summary() if self.latest_update else None,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "campaignArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


def _accepted(value: str, accepts: Callable[[float], bool]) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    # float() also reads "inf" and "nan", which are no setting.
    return math.isfinite(number) and accepts(number)


def _deployable(version: SolutionVersion) -> SolutionVersion:
    recipe = version.recipe
    instead = NOT_DEPLOYABLE.get(recipe.category)
    if instead:
        raise InvalidInputException(
            f"The solution version {version.arn} at 'solutionVersionArn' was trained with {recipe.name}, "
            f"a {recipe.category} recipe, which campaigns don't serve: {instead}."
        )
    return version


def _campaign_config(version: SolutionVersion, given: dict[str, Any] | None, latest: bool) -> dict[str, Any]:
    """The config as given, checked against the version's recipe and how it was named (defaults are filled in by Deployment)."""
    config = dict(given or {})
    if config.get(SYNC) and not latest:
        raise InvalidInputException(
            f"Value 'true' at 'campaignConfig.{SYNC}' needs the solution's ARN in SolutionArn{LATEST} format at "
            f"'solutionVersionArn', not the solution version {version.arn}."
        )
    check_version_exploration(version, config.get("itemExplorationConfig"), "campaignConfig.itemExplorationConfig")
    check_ranking_influence(version, config.get("rankingInfluence"), "campaignConfig.rankingInfluence")
    return config


def check_version_exploration(version: SolutionVersion, exploration: dict[str, str] | None, member: str) -> None:
    """Refuse an itemExplorationConfig (given at ``member``) the version's recipe doesn't take, or values off its range."""
    if not exploration:
        return
    if version.recipe_arn != USER_PERSONALIZATION:
        raise InvalidInputException(f"{member} applies only to solutions of the aws-user-personalization recipe.")
    check_exploration(exploration, EXPLORATION, member)


def filled_exploration(version: SolutionVersion, given: dict[str, str] | None) -> dict[str, str]:
    """itemExplorationConfig with the recipe's defaults filled in; {} for other recipes."""
    if version.recipe_arn != USER_PERSONALIZATION:
        return {}
    return {key: (given or {}).get(key, default) for key, (default, _, _) in EXPLORATION.items()}


def exploration_of(exploration: dict[str, str]) -> Exploration:
    """The numbers of a filled-in itemExplorationConfig (the defaults if {})."""
    return _exploration(tuple(exploration.items()))


@lru_cache(maxsize=256)  # every answer of a campaign reads the same config
def _exploration(given: tuple[tuple[str, str], ...]) -> Exploration:
    exploration = dict(given)
    weight, cutoff = (float(exploration.get(key, default)) for key, (default, _, _) in EXPLORATION.items())
    return Exploration(weight, cutoff)


def check_exploration(given: dict[str, str], table: ExplorationKeys, where: str) -> None:
    """Refuse keys ``table`` does not know and values it does not accept, naming the member at ``where``."""
    for key, value in given.items():
        if key not in table:
            raise InvalidInputException(f"Unknown key '{key}' in {where}.")
        _, accepts, description = table[key]
        if not _accepted(value, accepts):
            raise InvalidInputException(f"Value '{value}' at '{where}.{key}' must be {description}.")


class CampaignsService:
    """The campaigns of one account and region: solution versions deployed, and their updates."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateCampaign", "DescribeCampaign", "ListCampaigns", "UpdateCampaign", "DeleteCampaign"
    )

    def __init__(self, core: BackendCore, solutions: SolutionsService) -> None:
        self.core, self.solutions = core, solutions
        self.campaigns: Store[Campaign] = Store(core, KIND)
        core.depends("solution", "campaign", self._deploying)
        # Every call's clock looks for campaigns to update: only once some campaign syncs.
        self.syncing = Watched(self.campaigns, lambda c: c.serving.syncs)
        core.scheduled.append(self.follow_all_latest)

    def _deploying(self, solution_arn: str) -> list[Campaign]:
        """The campaigns serving a version of the solution ``solution_arn``."""
        version_arns = {v.arn for v in self.solutions.versions.find(lambda v: v.solution_arn == solution_arn)}
        return self.campaigns.find(lambda c: c.solution_version_arn in version_arns)

    def create_campaign(
        self,
        name: str,
        solution_version_arn: str,
        min_provisioned_tps: int | None = None,
        campaign_config: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        version, latest = self._deployed_version(solution_version_arn)
        quotas.CAMPAIGNS_PER_GROUP.check(
            self.campaigns.find(lambda c: c.solution_version.dataset_group_arn == version.dataset_group_arn)
        )
        config = _campaign_config(version, campaign_config, latest)
        campaign = Campaign(
            arn=self.campaigns.arn(name),
            name=name,
            deployment=Deployment(version, min_provisioned_tps or DEFAULT_TPS, config, latest),
        )
        self.campaigns.add(campaign, tags)
        self.campaigns.start(campaign)
        return {"campaignArn": campaign.arn}

    def describe_campaign(self, campaign_arn: str) -> dict[str, Any]:
        campaign = self.campaigns.observe(campaign_arn)
        return {"campaign": campaign.describe()}

    def list_campaigns(
        self, solution_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.campaigns.list_page("campaigns", next_token, max_results, solution_arn=solution_arn)

    def update_campaign(
        self,
        campaign_arn: str,
        solution_version_arn: str | None = None,
        min_provisioned_tps: int | None = None,
        campaign_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # API_UpdateCampaign.md: an update can also bring a campaign whose creation failed into service.
        campaign = self.campaigns.require_settled(campaign_arn)
        if campaign.latest_update is not None and campaign.latest_update.busy:
            raise ResourceInUseException(f"The campaign {campaign_arn} is already being updated.")
        current = campaign.serving
        # A campaign deployed as SolutionArn/$LATEST that names no version takes the newest one again.
        named = solution_version_arn or (f"{current.solution_version.solution_arn}{LATEST}" if current.latest else None)
        version, latest = self._deployed_version(named) if named else (current.solution_version, False)
        config = campaign_config if campaign_config is not None else current.campaign_config
        tps = min_provisioned_tps or current.min_provisioned_tps
        self._start_update(campaign, Deployment(version, tps, _campaign_config(version, config, latest), latest))
        return {"campaignArn": campaign.arn}

    def delete_campaign(self, campaign_arn: str) -> None:
        campaign = self.campaigns.require_settled(campaign_arn)
        if campaign.latest_update is not None and campaign.latest_update.busy:
            raise ResourceInUseException(f"The campaign {campaign_arn} is being updated; delete it once the update is done.")
        self.campaigns.start_delete(campaign)

    def follow_all_latest(self) -> None:
        """At the clock: each campaign that syncs with its solution's latest version follows it."""
        for campaign in self.syncing.found():
            self.follow_latest(campaign)

    def follow_latest(self, campaign: Campaign) -> None:
        """syncWithLatestSolutionVersion: once the solution has an ACTIVE version newer than the one the
        campaign serves, and the campaign is not busy, an update deploys it."""
        current = campaign.serving
        if not current.syncs or campaign.busy or (campaign.latest_update is not None and campaign.latest_update.busy):
            return
        newest = self._newest_active(current.solution_version.solution)
        if newest is None or newest.creation_date_time <= current.solution_version.creation_date_time:
            return
        self._start_update(campaign, Deployment(newest, current.min_provisioned_tps, current.campaign_config, latest=True))

    def _start_update(self, campaign: Campaign, deployment: Deployment) -> None:
        """latestCampaignUpdate walks the create statuses; the campaign serves its deployment until it is ACTIVE."""
        update = CampaignUpdate(arn=campaign.arn, name=campaign.name, deployment=deployment)
        campaign.latest_update = update

        def apply() -> None:
            # The campaign serves its previous deployment until the update is ACTIVE (API_UpdateCampaign.md).
            campaign.deployment = update.deployment
            self.syncing.mark(campaign)
            campaign.last_updated_date_time = now()
            campaign.started.recover()

        # The update walks a campaign's create statuses; it is no resource of the store: it is the campaign's.
        self.core.start(KIND, update, apply=apply)

    def _deployed_version(self, arn: str) -> tuple[SolutionVersion, bool]:
        """The version ``arn`` (solutionVersionArn) deploys, and whether it was named SolutionArn/$LATEST."""
        if not arn.endswith(LATEST):
            return _deployable(self.solutions.versions.require_active(arn)), False
        solution = self.solutions.solutions.get(arn[: -len(LATEST)])
        newest = self._newest_active(solution)
        if newest is None:
            raise ResourceInUseException(f"The solution {solution.arn} at 'solutionVersionArn' has no ACTIVE solution version to deploy yet.")
        return _deployable(newest), True

    def _newest_active(self, solution: Solution) -> SolutionVersion | None:
        """The solution's newest ACTIVE version, trained by hand or automatically."""
        active = newest_first(self.solutions.versions.find(lambda v: v.solution is solution and v.status == "ACTIVE"))
        return active[0] if active else None
