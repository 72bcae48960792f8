"""Every operation of the three services' models is served, but the S3 batch jobs still to come."""
from __future__ import annotations

import botocore.session
import pytest
from botocore import xform_name

from personalize_local.backend import PersonalizeBackend

SERVICES = ("personalize", "personalize-events", "personalize-runtime")
# Batch inference, batch segments, dataset exports, data deletion and metric attributions: the S3 jobs, next.
S3_JOBS = {
    "CreateBatchInferenceJob", "DescribeBatchInferenceJob", "ListBatchInferenceJobs",
    "CreateBatchSegmentJob", "DescribeBatchSegmentJob", "ListBatchSegmentJobs",
    "CreateDatasetExportJob", "DescribeDatasetExportJob", "ListDatasetExportJobs",
    "CreateDataDeletionJob", "DescribeDataDeletionJob", "ListDataDeletionJobs",
    "CreateMetricAttribution", "DescribeMetricAttribution", "ListMetricAttributions",
    "UpdateMetricAttribution", "DeleteMetricAttribution", "ListMetricAttributionMetrics",
}


def operations() -> list[tuple[str, str]]:
    session = botocore.session.get_session()
    return [(service, name) for service in SERVICES for name in session.get_service_model(service).operation_names]


@pytest.mark.parametrize("service, operation", operations())
def test_every_operation_is_served_or_one_of_the_s3_jobs(service: str, operation: str) -> None:
    served = callable(getattr(PersonalizeBackend, xform_name(operation), None))
    assert served or operation in S3_JOBS, f"{service} {operation} is not served"


def test_the_s3_jobs_are_operations_of_the_model() -> None:
    assert S3_JOBS <= {name for _, name in operations()}
