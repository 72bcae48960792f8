"""Everything a saved state may hold, by name: the one table a file's names are looked up in.

A resource is saved as a record of its kind (:data:`KINDS`); what it holds is made of the record
classes below, each under a tag that stays when the class moves, with the fields its annotations
declare (codec.declared_fields). Renaming a field or a tag changes the format: raise
``store.FORMAT_VERSION``, so that files of the old layout are refused by name rather than misread.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..backend.auto_training import Schedule
from ..backend.batch_inference import BatchInferenceJob
from ..backend.batch_segments import BatchSegmentJob
from ..backend.campaigns import Campaign, CampaignUpdate, Deployment
from ..backend.data_deletion import DataDeletionJob
from ..backend.dataset_exports import DatasetExportJob
from ..backend.dataset_groups import DatasetGroup
from ..backend.datasets import Dataset, DatasetImportJob, DatasetUpdate
from ..backend.event_trackers import EventTracker
from ..backend.filters import Filter
from ..backend.metric_attributions import MetricAttribution
from ..backend.recommender_config import Setup
from ..backend.recommenders import Recommender, RecommenderUpdate
from ..backend.recommenders import Trained as RecommenderModel
from ..backend.schemas import DatasetSchema
from ..backend.solutions import Solution, SolutionUpdate, SolutionVersion
from ..data.attribution import Metric
from ..data.events import EventLog
from ..data.schemas import Field, Schema
from ..data.table import DatasetTable
from ..filters.expression import (
    AllOf,
    AnyOf,
    Condition,
    CurrentItemField,
    Expression,
    FieldRef,
    FilterExpression,
    Literals,
    Parameter,
    Position,
    Wildcard,
)
from ..filters.validation import CheckedFilter, ParameterUse
from ..recipes.affinity import ItemAffinity, ItemAttributeAffinity, UserAffinity
from ..recipes.context import ContextLifts, ValueCounts
from ..recipes.factors import Factors, FactorSettings
from ..recipes.hyperparameters import RECIPE_HYPERPARAMETERS
from ..recipes.item_linear import ItemLinear
from ..recipes.next_best_action import ActionRules, NextBestActionModel, UserProfiles
from ..recipes.objective import ObjectiveModel
from ..recipes.popularity import PopularityCount
from ..recipes.similar_items import SimilarItems
from ..recipes.sims import Sims
from ..recipes.training import Choice, Trained
from ..recipes.trending import TrendingNow
from ..recipes.use_cases import USE_CASES, Need
from ..recipes.user_personalization import UserPersonalization
from .codec import Registry

# Resource kinds (the backend's tables) and the class of their resources.
KINDS: dict[str, type] = {
    "schema": DatasetSchema,
    "dataset-group": DatasetGroup,
    "dataset": Dataset,
    "dataset-import-job": DatasetImportJob,
    "dataset-export-job": DatasetExportJob,
    "data-deletion-job": DataDeletionJob,
    "solution": Solution,
    "solution-version": SolutionVersion,
    "campaign": Campaign,
    "event-tracker": EventTracker,
    "filter": Filter,
    "recommender": Recommender,
    "batch-inference-job": BatchInferenceJob,
    "batch-segment-job": BatchSegmentJob,
    "metric-attribution": MetricAttribution,
}

RECORDS: dict[str, type] = {
    # Resources, and the pending updates and parts they hold.
    **{cls.__name__: cls for cls in KINDS.values()},
    "DatasetUpdate": DatasetUpdate,
    "CampaignUpdate": CampaignUpdate,
    "Deployment": Deployment,
    "SolutionUpdate": SolutionUpdate,
    "RecommenderUpdate": RecommenderUpdate,
    "RecommenderSetup": Setup,
    "RecommenderModel": RecommenderModel,
    "Schedule": Schedule,
    "Metric": Metric,
    # Data.
    "Schema": Schema,
    "Field": Field,
    # Filters, compiled.
    "FilterExpression": FilterExpression,
    "Expression": Expression,
    "Condition": Condition,
    "AllOf": AllOf,
    "AnyOf": AnyOf,
    "FieldRef": FieldRef,
    "CurrentItemField": CurrentItemField,
    "Literals": Literals,
    "Parameter": Parameter,
    "Wildcard": Wildcard,
    "Position": Position,
    "CheckedFilter": CheckedFilter,
    "ParameterUse": ParameterUse,
    # Trained models.
    "Trained": Trained,
    "Choice": Choice,
    "UserPersonalization": UserPersonalization,
    "Factors": Factors,
    "FactorSettings": FactorSettings,
    "ItemLinear": ItemLinear,
    "ContextLifts": ContextLifts,
    "ValueCounts": ValueCounts,
    "PopularityCount": PopularityCount,
    "TrendingNow": TrendingNow,
    "Sims": Sims,
    "SimilarItems": SimilarItems,
    "UserAffinity": UserAffinity,
    "ItemAffinity": ItemAffinity,
    "ItemAttributeAffinity": ItemAttributeAffinity,
    "ObjectiveModel": ObjectiveModel,
    "NextBestActionModel": NextBestActionModel,
    "ActionRules": ActionRules,
    "UserProfiles": UserProfiles,
}

REGISTRY = Registry(
    records=RECORDS,
    enums={"Need": Need},
    # Catalogs a resource points into: saved by key, read back as this version's entry.
    constants={"USE_CASES": USE_CASES, "RECIPE_HYPERPARAMETERS": RECIPE_HYPERPARAMETERS},
)

# What stands for an object in a record's fingerprint (codec.Fingerprint), besides its identity: heavy
# values are not encoded to tell whether a record changed. Trained models never change once made.
TRAINED = (Trained, RecommenderModel, UserPersonalization, PopularityCount, TrendingNow, Sims, SimilarItems,
           UserAffinity, ItemAffinity, ItemAttributeAffinity, ObjectiveModel, NextBestActionModel)
SUMMARIES: dict[type, Callable[[Any], Any]] = {
    DatasetTable: lambda t: [t.bulk_revision, t.recorded_count, t._deleted],
    # Impressions change with the rows, and with answers, which are not worth a write of their own.
    EventLog: lambda e: [len(e._event_ids), len(e._session_users), len(e._anonymous_sessions)],
    np.ndarray: lambda a: list(a.shape),
    pd.DataFrame: lambda f: list(f.shape),
    pd.Series: len,
    sp.csr_matrix: lambda m: list(m.shape),
    sp.csc_matrix: lambda m: list(m.shape),
    **{cls: (lambda _: 0) for cls in TRAINED},
}
# The same, blind to what journaled calls change (recorded rows, the event log): whether anything else did.
CONTROL_SUMMARIES: dict[type, Callable[[Any], Any]] = {
    **SUMMARIES,
    DatasetTable: lambda t: [t.bulk_revision, t._deleted],
    EventLog: lambda _: 0,
}
